"""The Bicep reader the infra tests rely on: it reads what infra/ writes and refuses what it cannot."""

from __future__ import annotations

import pytest

from tests.infra.bicep import BicepError, declarations, evaluate, object_entries, references

TEMPLATE = """targetScope = 'subscription'
// a comment with a { brace and a 'quote
@allowed([
  'true'
  'false'
])
@description('Dry run: it\\'s on')
param dryRun string = 'true'

@secure()
param secret string

var settings = {
  URL: 'https://graph.microsoft.com/v1.0' // not a comment inside the string: '//'
  'quoted-key': '${prefix}-{literal}-${join(['a', 'b'], '}')}'
  NESTED: {
    inner: 1
  }
  REF: identity.outputs.clientId
}

resource ra 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(secret)) {
  name: guid('x')
  scope: vault
}
"""


def test_declarations_with_their_decorators_and_values() -> None:
    found = {(d.kind, d.name): d for d in declarations(TEMPLATE)}
    assert list(found) == [("param", "dryRun"), ("param", "secret"), ("var", "settings"), ("resource", "ra")]
    dry_run = found["param", "dryRun"]
    assert dry_run.decorators.startswith("@allowed([")
    assert "it\\'s on" in dry_run.decorators
    assert dry_run.default == "'true'"
    assert found["param", "secret"].default is None
    assert found["param", "secret"].decorators == "@secure()"
    assert found["param", "secret"].header == "param secret string"
    assert found["resource", "ra"].resource_type == "Microsoft.Authorization/roleAssignments"
    assert found["resource", "ra"].body == {"name": "guid('x')", "scope": "vault"}


def test_object_entries_ignore_comments_and_brackets_inside_strings() -> None:
    settings = next(d for d in declarations(TEMPLATE) if d.name == "settings")
    entries = object_entries(settings.value)
    assert list(entries) == ["URL", "quoted-key", "NESTED", "REF"]
    assert entries["URL"] == "'https://graph.microsoft.com/v1.0'"
    assert object_entries(entries["NESTED"]) == {"inner": "1"}


def test_evaluate_literals_interpolation_escapes_and_references() -> None:
    names = {"prefix": "st", "identity.outputs.clientId": "abc"}
    assert evaluate("'a ${prefix}\\'s ${identity.outputs.clientId}'", names) == "a st's abc"
    assert evaluate("identity.outputs.clientId", names) == "abc"
    assert evaluate("''", {}) == ""
    with pytest.raises(BicepError, match="no value given"):
        evaluate("unknown", names)
    with pytest.raises(BicepError, match="cannot evaluate"):
        evaluate("string(true)", names)


def test_references_see_names_in_interpolations_but_not_in_text() -> None:
    assert references("'${keyVault.outputs.name}: webhookSecret'") == {"keyVault.outputs.name"}
    assert "webhookSecret" in references("{\n  value: webhookSecret\n}")


def test_what_it_cannot_read_raises() -> None:
    with pytest.raises(BicepError, match="duplicate key"):
        object_entries("{\n  A: 'x'\n  A: 'y'\n}")
    with pytest.raises(BicepError, match="not a 'key: value' entry"):
        object_entries("{\n  just text\n}")
    with pytest.raises(BicepError, match="unterminated string"):
        declarations("var x = 'open")
