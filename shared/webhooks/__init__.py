"""The signed HR endpoints' common edge, shared by every flow an HR system calls.

``serve`` (request in, response out, every error a problem document), ``envelope`` (size,
``signature``, media type, JSON, replay claim), ``fields`` (the address rule and field checks, the
bulk envelope), ``problems`` (the RFC 7807 catalogue and ``Reply``, the one home of problem documents:
the audit endpoint answers with them too) and ``settings`` (the webhook secret).
"""
