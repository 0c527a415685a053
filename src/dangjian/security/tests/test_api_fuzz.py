"""FUZ-01: schemathesis-generated requests for every operation of the committed docs/openapi.yaml,
sent as each persona: zero server errors. (In process through the Django test client; the schema's
own response-conformance checks are not run here.)"""

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
def test_every_api_operation_as_each_persona_gives_no_server_error(persona, client_as, people, settings):
    settings.RATE_LIMITS_ENABLED = False
    client = client_as(persona)
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
            if response.status_code >= 500:
                failures.append(f"{case.method} {case.formatted_path} → {response.status_code}")

        run()
    assert failures == []
