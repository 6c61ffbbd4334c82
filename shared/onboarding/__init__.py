"""Onboarding: the HTTP flow that invites a guest, adds it to its groups and sets its sponsor.

In the order a request meets them: ``trigger`` (the two HTTP functions), ``intake`` (the signed
envelope of ``shared.webhooks``), ``validation`` (every bad field named), then ``onboard``, which
runs six steps for each guest: ``policy``, ``cooldown``, ``targets``, ``invitations``,
``memberships``, ``record``; the answer comes from ``responses`` (problems: ``shared.webhooks``),
and each guest's terminal outcome goes to HR through ``outcomes``.
Beside them: ``models`` (requests and results), ``candidate`` (a guest between steps), ``gateway``
(the worker's group facts cache and invitation pacer), ``settings`` and ``deps``.
"""
