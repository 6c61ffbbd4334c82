"""Guestkeeper, the Function App's code: a package per flow (``onboarding``, ``governance``,
``cleanup``), the parts they share (``graph``, ``state``, ``queue``, ``config``, ``errors``), and
``worker``, which builds what the flows are handed."""
