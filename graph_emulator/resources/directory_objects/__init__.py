"""Directory objects shared by the directory resources: rendering, lookups, permissions, deleted items."""
