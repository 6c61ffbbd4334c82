"""The scenarios: each runs Guestkeeper and the baseline against identically seeded emulators."""
