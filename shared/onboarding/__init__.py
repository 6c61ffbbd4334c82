"""Onboarding: the HTTP flow that invites a guest, adds it to its groups and sets its sponsor."""
