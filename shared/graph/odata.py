"""OData literals for ``$filter`` expressions built from input (an e-mail address, say).

A string literal is single-quoted with each quote doubled (OData ABNF, ``SQUOTE-in-string``), so
``o'brien@fabrikam.com`` stays one literal and cannot close the expression early. Percent-encoding
the URL is the request builder's job.
"""

from __future__ import annotations


def string_literal(value: str) -> str:
    """``'value'`` with every ``'`` doubled."""
    return "'" + value.replace("'", "''") + "'"
