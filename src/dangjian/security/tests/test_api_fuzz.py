"""FUZ-01: schemathesis-generated requests for every operation of the committed docs/openapi.yaml,
sent as each persona (in process, through the Django test client):

- zero server errors;
- every response conforms to the schema (schemathesis' own `response_schema_conformance` check: a documented
  status code's body validates against its schema);
- no response holds an org or a member outside the persona's subtree: no id of such an org or member under
  an ``org``/``member`` key or as the ``id`` of an org or member object, and no name of one anywhere.
"""

import json
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from schemathesis.core import NotSet

from dangjian.demo.personas import PERSONAS

SCHEMA = Path(__file__).resolve().parents[4] / "docs" / "openapi.yaml"
EXAMPLES = 8


def _scope(user):
    """Ids and names of the orgs and members inside / outside every subtree where the user holds any role."""
    from dangjian.core.scope import grants
    from dangjian.members.models import Member
    from dangjian.orgs.models import Org

    paths = {p for ps in grants(user).values() for p in ps}

    def inside(path: str) -> bool:
        return any(path.startswith(p) for p in paths)

    orgs = list(Org.objects.values_list("pk", "path", "name"))
    members = list(Member.objects.values_list("pk", "org__path", "name"))
    return {
        "orgs": {pk for pk, path, _ in orgs if inside(path)},
        # An org in scope names its parent by id (the tree's shape): the ancestors' ids, never their data.
        "ancestors": {pk for pk, path, _ in orgs if any(p.startswith(path) for p in paths)},
        "members": {pk for pk, path, _ in members if inside(path)},
        "foreign_names": [name for _, path, name in orgs + members if not inside(path)],
    }


ORG_KEYS = ("org", "org_id", "parent", "parent_id")
MEMBER_KEYS = ("member", "member_id")


def _out_of_scope(data, scope, path: str) -> list[str]:
    """References in a JSON body to orgs or members outside the persona's subtree."""
    found = []
    kind = "orgs" if path.startswith("/api/v1/orgs/") else "members" if path.startswith("/api/v1/members/") else ""

    def walk(value, top: bool):
        if isinstance(value, dict):
            for key, item in value.items():
                allowed = scope["orgs"] | (scope["ancestors"] if key in ("parent", "parent_id") else set())
                if key in ORG_KEYS and isinstance(item, int) and item not in allowed:
                    found.append(f"{key}={item}")
                if key in MEMBER_KEYS and isinstance(item, int) and item not in scope["members"]:
                    found.append(f"{key}={item}")
            if top and kind and isinstance(value.get("id"), int) and value["id"] not in scope[kind]:
                found.append(f"{kind} id={value['id']}")
            for key, item in value.items():
                walk(item, top and key == "results")
        elif isinstance(value, list):
            for item in value:
                walk(item, top)

    walk(data, True)
    return found


def _validate(case, response) -> list[str]:
    """schemathesis' response-schema conformance on the Django test client's response."""
    import requests
    from schemathesis.core.transport import Response
    from schemathesis.specs.openapi.checks import response_schema_conformance

    request = requests.Request(case.method, f"http://testserver{case.formatted_path}").prepare()
    headers: dict[str, list[str]] = {}
    for key, value in response.items():
        headers.setdefault(key.lower(), []).append(value)
    wrapped = Response(response.status_code, headers, response.content, request, 0.0, True)
    try:
        case.validate_response(wrapped, checks=[response_schema_conformance])
    except (Exception, BaseExceptionGroup) as exc:  # a failure (group) naming what does not conform
        lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
        detail = next((line for line in lines if " is not " in line or "required" in line), lines[0] if lines else "")
        return [f"schema: {detail[:200]}"]
    return []


def _send(client, case):
    method = case.method.lower()
    path = case.formatted_path
    query = case.query or {}
    if isinstance(case.body, NotSet) or method in ("get", "delete"):
        if query:
            from urllib.parse import urlencode

            path = f"{path}?{urlencode(query, doseq=True)}"
        return getattr(client, method)(path)
    if query:
        from urllib.parse import urlencode

        path = f"{path}?{urlencode(query, doseq=True)}"
    media = case.media_type or "application/json"
    if "json" in media:
        return getattr(client, method)(path, data=json.dumps(case.body, default=str), content_type="application/json")
    if "multipart" in media and isinstance(case.body, dict):
        return getattr(client, method)(path, data={k: v for k, v in case.body.items() if v is not None})
    return getattr(client, method)(path, data=str(case.body), content_type=media)


@pytest.mark.parametrize("persona", [p.username for p in PERSONAS])
def test_every_api_operation_as_each_persona_gives_no_server_error(persona, client_as, personas, people, settings):
    """Named for the first check it held; it now also checks schema conformance and scope."""
    settings.RATE_LIMITS_ENABLED = False
    client = client_as(persona)
    scope = _scope(personas[persona])
    schema = schemathesis.openapi.from_path(SCHEMA)
    failures = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 30
    for operation in operations:

        @hsettings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def run(case):
            response = _send(client, case)
            where = f"{case.method} {case.formatted_path} → {response.status_code}"
            if response.status_code >= 500:
                failures.append(where)
                return
            failures.extend(f"{where}: {problem}" for problem in _validate(case, response))
            if response.get("Content-Type", "").startswith("application/json") and response.content:
                data = json.loads(response.content)
                failures.extend(f"{where}: out of scope {ref}" for ref in _out_of_scope(data, scope, case.path))
                text = json.dumps(data, ensure_ascii=False)
                failures.extend(f"{where}: out-of-scope name {n}" for n in scope["foreign_names"] if n in text)

        run()
    assert not failures, "\n".join(sorted(set(failures)))


def test_the_scope_oracle_sees_a_foreign_org_or_member(personas, orgs, people):
    """The out-of-scope check itself: it flags what a leaking response would hold, and allows the parent id."""
    scope = _scope(personas["village_secretary"])
    village, town, town2 = orgs["village"], orgs["town"], orgs["town2"]
    zhao = people["zhao"]  # 河湾村, another town
    clean = {"results": [{"id": village.pk, "parent": town.pk, "org": village.pk, "member": people["zhang"].pk}]}
    assert _out_of_scope(clean, scope, "/api/v1/orgs/") == []
    leaking = {"results": [{"id": town2.pk, "org": town2.pk, "member": zhao.pk}]}
    assert _out_of_scope(leaking, scope, "/api/v1/orgs/") == [
        f"org={town2.pk}",
        f"member={zhao.pk}",
        f"orgs id={town2.pk}",
    ]
    assert "赵德胜" in scope["foreign_names"]
    assert "张三丰" not in scope["foreign_names"]
