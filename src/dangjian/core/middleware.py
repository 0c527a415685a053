"""Request context for audit events: a request id and the client address."""

import re
import uuid

from dangjian.core import context

SAFE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")


def client_ip(request) -> str | None:
    # REMOTE_ADDR only: X-Forwarded-For is trusted when a deployment says it runs behind a proxy.
    from django.conf import settings

    if getattr(settings, "SECURE_PROXY_SSL_HEADER", None):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[0].strip() or None
    return request.META.get("REMOTE_ADDR") or None


class RequestContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = request.headers.get("X-Request-ID", "")[:64]
        if not SAFE_REQUEST_ID.fullmatch(request_id):  # a client's id is echoed and audited: plain tokens only
            request_id = uuid.uuid4().hex
        token = context.current.set(context.RequestContext(request_id=request_id, client_ip=client_ip(request)))
        try:
            response = self.get_response(request)
        finally:
            context.current.reset(token)
        response["X-Request-ID"] = request_id
        return response
