"""Graph ``/groups``: groups, their members and owners."""
