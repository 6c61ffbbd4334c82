"""The reliability and safety suite (issue 8): soak, crash and resume, fuzz, least privilege, PII.

Figures each scenario measures are printed in the test run's summary and kept in docs/reliability.md.
"""
