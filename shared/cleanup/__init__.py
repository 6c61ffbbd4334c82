"""Cleanup: the queue flow that applies a finished review round's decisions.

One message, started by ``trigger``: ``delivery`` (parse; retries and poison records), ``round``
(the checkpoint, the instance, its ``decisions``, the mass-removal ``guard``), then
``denied_guests``: what happens to each denied guest (removal, then the account disabled when no
group is left). ``graph_calls`` holds the round's Graph requests, ``audit`` the words and keys of
its audit rows, ``outcomes`` what HR is told. Beside them: ``settings`` and ``deps``.
"""
