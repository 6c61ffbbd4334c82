"""Reading the audit: ``GET /api/audit`` and the round report for auditors.

In the order a request meets them: ``trigger`` (the HTTP function), ``reading`` (one request:
``query``, which guest or round, every bad parameter named; ``lookup``, its records and what else
the state table knows; ``answers``, the JSON bodies, the CLI's too; ``problems``, its refusals).
The round report: ``report`` (the state table's records and ``round_facts``, the round and its
decisions from Graph) rendered by ``report_html`` as one self-contained page. Beside them:
``deps``. It reads what the other flows wrote and imports none of them.
"""
