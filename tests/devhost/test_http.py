"""HTTP triggers: keys per auth level, routePrefix, route templates, and request/response parity."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from devhost import DevHost, DevHostOptions
from devhost.routing import RouteError, RouteTemplate
from tests.devhost.conftest import (
    FIXTURE_APP,
    FUNCTION_KEY,
    MASTER_KEY,
    HostFactory,
    client_for,
    read_records,
)

ROOT = Path(__file__).resolve().parents[2]


async def test_function_level_needs_a_key(make_host: HostFactory) -> None:
    async with client_for(await make_host()) as client:
        missing = await client.get("/api/hello/ann")
        wrong = await client.get("/api/hello/ann", headers={"x-functions-key": "nope"})
        by_header = await client.get("/api/hello/ann", headers={"x-functions-key": FUNCTION_KEY})
        by_query = await client.get("/api/hello/ann", params={"code": FUNCTION_KEY})
        by_master = await client.get("/api/hello/ann", params={"code": MASTER_KEY})
    assert (missing.status_code, missing.content) == (401, b"")
    assert (wrong.status_code, wrong.content) == (401, b"")
    assert [r.status_code for r in (by_header, by_query, by_master)] == [201, 201, 201]


async def test_anonymous_needs_none_and_admin_needs_the_master_key(
    make_host: HostFactory, record_file: Path
) -> None:
    async with client_for(await make_host()) as client:
        public = await client.post("/api/public")
        admin_with_function_key = await client.get("/api/admin-only", params={"code": FUNCTION_KEY})
        admin_with_master_key = await client.get("/api/admin-only", headers={"x-functions-key": MASTER_KEY})
    assert (public.status_code, public.text) == (200, "public ok")
    assert public.headers["content-type"] == "text/plain; charset=utf-8"
    assert admin_with_function_key.status_code == 401
    assert (admin_with_master_key.status_code, admin_with_master_key.text) == (200, "admin ok")
    [call] = read_records(record_file, "public")
    assert call["function_name"] == "public"
    assert call["invocation_id"]


async def test_keys_can_be_switched_off_like_core_tools(make_host: HostFactory) -> None:
    async with client_for(await make_host(enforce_keys=False)) as client:
        assert (await client.get("/api/hello/ann")).status_code == 201


async def test_request_reaches_the_function_as_a_real_http_request(make_host: HostFactory) -> None:
    async with client_for(await make_host()) as client:
        response = await client.post(
            "/api/hello/Z%C3%BC",
            params=[("code", FUNCTION_KEY), ("tag", "a"), ("tag", "b")],
            headers={"X-Custom": "v"},
            content=b'{"k": 1}',
        )
    assert response.status_code == 201
    assert response.headers["x-fixture"] == "yes"
    assert response.headers["content-type"] == "application/json"
    echo = response.json()
    assert echo["type"] == "azure.functions.http.HttpRequest"
    assert echo["method"] == "POST"
    assert echo["url"].startswith("http://127.0.0.1:7071/api/hello/Z%C3%BC?")
    assert echo["route_params"] == {"name": "Zü"}
    assert echo["params"] == {"code": FUNCTION_KEY, "tag": "a,b"}
    assert echo["headers"]["x-custom"] == "v"
    assert json.loads(echo["body"]) == {"k": 1}


async def test_route_templates_methods_and_prefix(make_host: HostFactory) -> None:
    key = {"x-functions-key": FUNCTION_KEY}
    async with client_for(await make_host()) as client:
        both = await client.get("/api/items/42/blue", headers=key)
        optional = await client.get("/API/Items/7", headers=key)
        not_int = await client.get("/api/items/abc", headers=key)
        wrong_method = await client.post("/api/items/42", headers=key)
        no_prefix = await client.get("/items/42", headers=key)
        unknown = await client.get("/api/nothing-here", headers=key)
    assert both.json() == {"id": "42", "label": "blue"}
    assert optional.json() == {"id": "7"}
    assert [r.status_code for r in (not_int, wrong_method, no_prefix, unknown)] == [404, 404, 404, 404]


async def test_route_prefix_comes_from_host_json(make_host: HostFactory, tmp_path: Path) -> None:
    app_dir = tmp_path / "app"
    shutil.copytree(FIXTURE_APP, app_dir)
    host_json = json.loads((app_dir / "host.json").read_text())
    host_json["extensions"]["http"]["routePrefix"] = ""
    (app_dir / "host.json").write_text(json.dumps(host_json))
    async with client_for(await make_host(app_dir=app_dir)) as client:
        assert (await client.post("/public")).status_code == 200
        assert (await client.post("/api/public")).status_code == 404


async def test_failures_answer_500_without_a_body(make_host: HostFactory) -> None:
    host = await make_host()
    async with client_for(host) as client:
        raised = await client.get("/api/broken/raise")
        returned_none = await client.get("/api/broken/none")
    assert (raised.status_code, raised.content) == (500, b"")
    assert returned_none.status_code == 500
    failures = [i for i in host.invocations if i.function == "broken"]
    assert [i.outcome for i in failures] == ["Failed", "Failed"]
    assert 'unsupported type "http" for Python type "NoneType"' in str(failures[1].error)


def test_route_template_subset() -> None:
    assert RouteTemplate.parse("files/{*rest}").match("files/a/b%20c") == {"rest": "a/b c"}
    assert RouteTemplate.parse("files/{*rest}").match("files") == {}
    assert RouteTemplate.parse("{a}-{b:alpha}").match("12-xy") == {"a": "12", "b": "xy"}
    assert RouteTemplate.parse("v/{n:range(1,5)}").match("v/9") is None
    assert RouteTemplate.parse("v/{x=dflt}").match("v") == {"x": "dflt"}
    assert RouteTemplate.parse("g/{id:guid}").match("g/not-a-guid") is None
    literal, param = RouteTemplate.parse("users/me"), RouteTemplate.parse("users/{id}")
    assert literal.precedence < param.precedence
    with pytest.raises(RouteError, match="could not be resolved"):
        RouteTemplate.parse("x/{id:nosuch}")


async def test_the_real_app_is_served_under_its_routes_with_function_keys() -> None:
    """Smoke test on the repository's function_app with its own settings (local or sample)."""
    host = DevHost(DevHostOptions(app_dir=ROOT, listeners=False, function_key=FUNCTION_KEY))
    await host.start()
    try:
        routes = [
            (fn.trigger["methods"][0], fn.trigger["route"])
            for fn in host.functions.values()
            if fn.trigger_type == "httpTrigger"
        ]
        async with client_for(host) as client:
            for method, route in routes:
                response = await client.request(method, f"/api/{route}", content=b"{}")
                assert response.status_code == 401, route
    finally:
        await host.stop()
