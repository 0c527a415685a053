"""FUZ: 1,000 malformed requests against every URL pattern: no server error, nothing half-written,
and the audit chain still verifies."""

import random
import string

from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from dangjian.core import audit

GARBAGE = [
    "",
    "\x00",
    "' OR 1=1 --",
    "<script>alert(1)</script>",
    "../../etc/passwd",
    "%",
    "9" * 400,
    "-1",
    "1e309",
    "null",
    "{}",
    "[]",
    "测试" * 100,
    '=HYPERLINK("x")',
]


def _paths() -> list[str]:
    out = []

    def walk(resolver, prefix):
        for p in resolver.url_patterns:
            pattern = prefix + str(p.pattern)
            if isinstance(p, URLResolver):
                walk(p, pattern)
            elif isinstance(p, URLPattern):
                out.append(pattern)

    walk(get_resolver(), "/")
    return out


def _fill(pattern: str, rnd: random.Random) -> str:
    import re

    def value(match):
        kind = match.group(1) or "str"
        if kind == "int":
            return str(rnd.choice([0, 1, 2, 999999999, 2**62]))
        if kind == "uuid":
            return "00000000-0000-0000-0000-000000000000"
        return rnd.choice(["x", "1", "%E6%B5%8B", "a" * 300])

    path = re.sub(r"<(?:(\w+):)?\w+>", value, pattern)
    return re.sub(r"[\^\$]|\(\?P<\w+>[^)]*\)", "", path).replace("\\", "")


def _junk(rnd: random.Random) -> str:
    if rnd.random() < 0.5:
        return rnd.choice(GARBAGE)
    return "".join(rnd.choice(string.printable) for _ in range(rnd.randint(1, 60)))


def test_a_thousand_malformed_requests_leave_the_audit_chain_intact(client_as, personas, people, settings):
    settings.RATE_LIMITS_ENABLED = False  # reach the views themselves; limits have their own tests
    rnd = random.Random(20261126)
    paths = _paths()
    clients = [client_as("county_admin"), Client(), client_as("village_secretary")]
    statuses = []
    for i in range(1000):
        client = clients[i % len(clients)]
        path = _fill(rnd.choice(paths), rnd)
        params = {_junk(rnd)[:20] or "q": _junk(rnd) for _ in range(rnd.randint(0, 4))}
        method = rnd.choice(["get", "post", "put", "patch", "delete", "options"])
        kwargs = {}
        if method != "get" and rnd.random() < 0.5:
            kwargs = {
                "data": _junk(rnd),
                "content_type": rnd.choice(["application/json", "text/plain", "application/xml"]),
            }
        else:
            kwargs = {"data": params}
        extra = {"HTTP_X_REQUEST_ID": _junk(rnd)[:100], "HTTP_HX_REQUEST": rnd.choice(["true", ""])}
        response = getattr(client, method)(path, **kwargs, **extra)
        statuses.append(response.status_code)
        assert response.status_code < 500, (method, path, response.status_code)
    assert len(statuses) == 1000
    assert audit.verify() is None


def test_a_request_id_with_control_characters_is_replaced(client, db):
    response = client.get("/accounts/login/", HTTP_X_REQUEST_ID="abc\ninjected: 1")
    assert response.status_code == 200
    assert "\n" not in response["X-Request-ID"]
    assert client.get("/accounts/login/", HTTP_X_REQUEST_ID="req-42").get("X-Request-ID") == "req-42"
