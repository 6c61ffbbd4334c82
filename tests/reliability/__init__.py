"""The reliability and safety suite: soak, crash and resume, fuzz, least privilege, PII.

Figures each scenario measures are printed in the test run's summary and kept in docs/reliability.md.
"""
