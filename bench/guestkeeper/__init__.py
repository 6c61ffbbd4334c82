"""Guestkeeper's side of each scenario: the app's own entry points, settings and state table."""
