"""Offboarding: the HTTP flow that takes a guest whose contract ended out of the managed groups,
disables its account when no other access is left, and lets governance delete it after the grace.

In the order a request meets them: ``trigger`` (the two HTTP functions), ``intake`` (the signed
envelope of ``shared.webhooks``), ``validation`` (every bad field named), then ``offboard``, which
runs the steps for each guest: ``resolve``, ``cooldown``, ``memberships``, ``accounts``,
``outcome``; ``audit`` keeps the trail and the answer comes from ``responses``. Beside them:
``models`` (requests and results), ``leaver`` (a guest between steps), ``settings`` and ``deps``.
"""
