"""AZ-01: every URL requires login unless it is on the public allow-list."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

PUBLIC = {"accounts:login"}
SAMPLE_KWARGS = {"pk": 1, "format": "json"}


def walk(patterns, prefix="", namespace=None):
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = p.namespace if p.namespace else namespace
            if ns and namespace and p.namespace:
                ns = f"{namespace}:{p.namespace}"
            yield from walk(p.url_patterns, prefix + str(p.pattern), ns)
        elif isinstance(p, URLPattern) and p.name:
            yield (f"{namespace}:{p.name}" if namespace else p.name), p


def named_urls():
    out = []
    for name, pattern in walk(get_resolver().url_patterns):
        kwargs = {k: SAMPLE_KWARGS.get(k, 1) for k in pattern.pattern.regex.groupindex}
        try:
            out.append((name, reverse(name, kwargs=kwargs)))
        except Exception:  # a pattern whose sample kwargs do not fit is reported by the coverage test
            out.append((name, None))
    return out


URLS = named_urls()


def test_every_named_url_can_be_reversed():
    assert [name for name, url in URLS if url is None] == []


@pytest.mark.parametrize(("name", "url"), [u for u in URLS if u[1] and u[0] not in PUBLIC])
@pytest.mark.parametrize("method", ["get", "post", "put", "patch", "delete"])
def test_anonymous_requests_are_refused(client, db, name, url, method):
    response = getattr(client, method)(url)
    if url.startswith("/api/"):
        assert response.status_code in (401, 403), (name, method, response.status_code)
    else:
        assert response.status_code == 302, (name, method)
        assert response.url.startswith(reverse("accounts:login")), (name, method)


def test_public_urls_answer_anonymously(client, db):
    for name in PUBLIC:
        assert client.get(reverse(name)).status_code == 200
