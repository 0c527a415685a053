"""DC-01 / PRV-09: CSP with nonces and no inline code, framing, referrer and permissions policies."""

import re
from pathlib import Path

from django.urls import reverse

import dangjian

TEMPLATES = Path(dangjian.__file__).parent
# Only the PDF templates (rendered by WeasyPrint on the server, never served as HTML) keep a <style> block.
SERVER_SIDE_ONLY = {
    "members/templates/members/transfer_letter.html",
    "orglife/templates/orglife/minutes_pdf.html",
    "stats/templates/stats/summary_pdf.html",
}


def test_security_headers_on_a_page(client_as):
    response = client_as("village_secretary").get(reverse("home"))
    assert response.status_code == 200
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "object-src 'none'" in csp
    assert "unsafe-inline" not in csp
    assert "unsafe-eval" not in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert "camera=()" in response["Permissions-Policy"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "no-store"


def test_login_page_has_the_policy_too(client, db):
    response = client.get(reverse("accounts:login"))
    assert "default-src 'self'" in response["Content-Security-Policy"]


def test_no_inline_script_style_or_handler_in_templates():
    offenders = []
    for path in TEMPLATES.rglob("templates/**/*.html"):
        rel = str(path.relative_to(TEMPLATES))
        if rel in SERVER_SIDE_ONLY:
            continue
        text = path.read_text()
        for pattern in (r"\sstyle=", r"<style", r"<script(?![^>]*\bsrc=)", r"\son[a-z]+=", r"javascript:"):
            if re.search(pattern, text, re.IGNORECASE):
                offenders.append(f"{rel}: {pattern}")
    assert offenders == []


def test_no_resource_from_another_origin_in_templates():
    offenders = [
        str(p.relative_to(TEMPLATES))
        for p in TEMPLATES.rglob("templates/**/*.html")
        if re.search(r"(src|href)=\"(https?:)?//", p.read_text())
    ]
    assert offenders == []


def test_swagger_ui_runs_under_the_policy(client_as):
    response = client_as("county_admin").get(reverse("api-docs"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "<style" not in body
    assert re.search(r"<script>(?!</script>)", body) is None


def test_system_checks_refuse_a_weakened_policy(settings):
    from dangjian.security.checks import content_security_policy

    assert content_security_policy(None) == []
    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": {"script-src": ["'self'", "'unsafe-inline'"]}}
    assert [e.id for e in content_security_policy(None)] == ["dangjian.P014"]
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if m != "csp.middleware.CSPMiddleware"]
    assert [e.id for e in content_security_policy(None)] == ["dangjian.P014"]


def test_system_checks_require_complete_https_settings(settings):
    from dangjian.security.checks import https_settings

    settings.HTTPS = True
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = True
    settings.SECURE_SSL_REDIRECT = True
    assert https_settings(None) == []
    settings.SECURE_HSTS_SECONDS = 3600
    settings.SESSION_COOKIE_SECURE = False
    errors = https_settings(None)
    assert [e.id for e in errors] == ["dangjian.P015"]
    assert "HSTS" in errors[0].msg
