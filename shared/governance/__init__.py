"""Governance: the daily timer that keeps the guest review in place and hands finished rounds on.

One pass (``run``), started by ``trigger``: ``ensure`` the review definition (its desired form in
``definition``, who reviews in ``reviewers``, what drifted in ``drift``, the dates a series starts
on in ``schedule``), ``sweep`` each series' finished rounds to the cleanup queue, ``grace``: delete
the guests cleanup or offboarding disabled long enough ago, ``invitations``: remind, then expire,
the guests whose invitation stayed pending (who they are: ``pending``), then forget webhook ids
past the replay window. Beside them: ``settings`` and ``deps``.
"""
