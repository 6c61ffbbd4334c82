"""Access review instances as Graph returns them: which are finished, which group each reviews."""

from __future__ import annotations

import pytest

from shared.graph.review_instances import InstanceRef, Phase, group_id_from_scope, phase

GID = "59ab642a-2776-4e32-9b68-9ff7a47b7f6a"


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("Completed", Phase.FINISHED),
        ("Applied", Phase.FINISHED),
        ("AutoReviewed", Phase.FINISHED),
        ("Applying", Phase.FINISHED),
        ("InProgress", Phase.RUNNING),
        ("NotStarted", Phase.RUNNING),
        ("Completing", Phase.RUNNING),
        ("Frobnicated", Phase.UNKNOWN),
        (None, Phase.UNKNOWN),
    ],
)
def test_phase(status: str | None, expected: Phase) -> None:
    assert phase(status) is expected


@pytest.mark.parametrize(
    "query",
    [
        f"/v1.0/groups/{GID}/members/microsoft.graph.user/?$count=true&$filter=(userType eq 'Guest')",
        f"/groups/{GID}/members/microsoft.graph.user/?$count=true&$filter=(userType eq 'Guest')",
        f"/beta/groups/{GID.upper()}/members",
    ],
)
def test_group_id_with_and_without_version_prefix(query: str) -> None:
    assert group_id_from_scope(query) == GID


def test_group_id_absent() -> None:
    assert group_id_from_scope("./members/microsoft.graph.user") is None
    assert InstanceRef.from_json({"id": "i", "status": "Completed", "scope": None}).group_id is None
