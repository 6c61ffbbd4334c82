"""Graph ``/invitations``: B2B guest invitations."""
