"""The ``$search`` tokeniser against the examples of https://learn.microsoft.com/graph/search-query-parameter
("Using $search on directory object collections")."""

from __future__ import annotations

import pytest

from graph_emulator.odata_search import tokens


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("hello world", {"hello", "world"}),  # spaces
        ("HelloWorld", {"hello", "world"}),  # lower-to-upper case change
        ("helloWORLD", {"hello", "world"}),
        ("HELLOworld", {"helloworld"}),  # upper-to-lower is no boundary
        ("HelloWORld", {"hello", "world"}),
        ("hello.world", {"hello", ".", "world", "helloworld"}),  # symbols, and the words joined
        ("hello123world", {"hello", "123", "world"}),  # numbers
    ],
)
def test_tokens_follow_the_documented_examples(text: str, expected: set[str]) -> None:
    assert tokens(text) == expected


def test_words_joined_by_symbols_are_found_joined() -> None:
    assert "helloworld" in tokens("hello-world")
    assert {"李四", "(", "david", "li", ")"} <= tokens("李四(David Li)")
