"""Reading the audit: ``GET /api/audit`` and the round report for auditors.

In the order a request meets them: ``trigger`` (the HTTP function), ``reading`` (one request:
``query``, which guest or round, every bad parameter named; ``lookup``, its records and what else
the state table knows; ``answers``, the JSON bodies, the CLI's too). The round report: ``round_facts``
(the round and its decisions, from Graph) and ``report`` (one self-contained HTML page). Beside
them: ``deps``. It reads what the other flows wrote and imports none of them.
"""
