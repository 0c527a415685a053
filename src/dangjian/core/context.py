"""Per-request facts (request id, client address, user) that actions read when writing audit events."""

from contextvars import ContextVar
from dataclasses import dataclass


@dataclass
class RequestContext:
    request_id: str = ""
    client_ip: str | None = None


current: ContextVar[RequestContext | None] = ContextVar("dangjian_request_context", default=None)


def get() -> RequestContext:
    return current.get() or RequestContext()
