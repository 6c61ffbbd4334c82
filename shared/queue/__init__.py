"""The cleanup queue between governance (producer) and cleanup (consumer)."""
