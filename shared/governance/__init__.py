"""Governance: the daily timer that keeps the guest review in place and hands finished rounds on."""
