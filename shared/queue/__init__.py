"""The app's storage queues: their one encoding, the producer, and the cleanup queue's message
(governance produces it, cleanup consumes it). The HR callback queue's message is ``shared.outcomes``'."""
