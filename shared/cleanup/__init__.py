"""Cleanup: the queue flow that applies a finished review round's decisions."""
