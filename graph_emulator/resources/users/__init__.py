"""Graph ``/users``: users, their group memberships and sponsors."""
