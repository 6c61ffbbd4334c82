"""OData string literals: an address with an apostrophe stays one literal."""

from __future__ import annotations

from shared.graph.odata import string_literal


def test_quotes_are_doubled_so_input_cannot_close_the_literal() -> None:
    assert string_literal("ada@fabrikam.com") == "'ada@fabrikam.com'"
    assert string_literal("o'brien@fabrikam.com") == "'o''brien@fabrikam.com'"
    assert string_literal("x' or userType eq 'Member") == "'x'' or userType eq ''Member'"
