"""AC-11: the administration pages answer only to the management networks (`DANGJIAN_ADMIN_NETWORKS`).

The administration pages are named here once, by URL name (``namespace:*`` for a whole namespace): account
management and role grants (`accounts:user_*`), the security administrator's pages (second-factor reset, alerts)
and the audit trail (`audit:*`). The platform has no configuration pages (configuration is the environment) and
no Django admin (`django.contrib.admin` is not installed; `dangjian.P016` fails if it ever is).

`AdminNetworkMiddleware` answers 404, as for a page that does not exist, to every request for one of them from
an address outside the networks: anonymous or signed in, any method. The address is the one the audit trail
and the rate limits use (`core.middleware.client_ip`: the peer address, or the first X-Forwarded-For entry
when the deployment runs behind its proxy, DANGJIAN_BEHIND_PROXY=1). An empty list restricts nothing (a
development machine); `dangjian check --deploy` reports that as a fail.
"""

from __future__ import annotations

import ipaddress
import logging
from functools import cache

from django.conf import settings
from django.http import Http404
from django.urls import URLPattern, URLResolver, get_resolver

log = logging.getLogger("dangjian.security")

ADMIN_PAGES = (
    "accounts:user_list",
    "accounts:user_create",
    "accounts:user_detail",
    "security:reset_2fa",
    "security:alerts",
    "audit:*",
)


def is_admin_page(view_name: str) -> bool:
    namespace = view_name.rpartition(":")[0]
    return view_name in ADMIN_PAGES or f"{namespace}:*" in ADMIN_PAGES


def walk(patterns=None, prefix: str = "", namespace: str = ""):
    """(route, view name) of every URL pattern of the URLconf."""
    for p in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(p, URLResolver):
            ns = ":".join(filter(None, [namespace, p.namespace]))
            yield from walk(p.url_patterns, prefix + str(p.pattern), ns)
        elif isinstance(p, URLPattern):
            name = f"{namespace}:{p.name}" if namespace else (p.name or "")
            yield prefix + str(p.pattern), name


def admin_routes() -> list[tuple[str, str]]:
    """The administration pages of the URLconf, as (route, view name)."""
    return [(route, name) for route, name in walk() if is_admin_page(name)]


@cache
def _prefixes() -> tuple[str, ...]:
    """The fixed leading part of each administration route ("/audit/", "/accounts/users/"): a cheap first test."""
    out = set()
    for route, _name in admin_routes():
        fixed = route.split("<", 1)[0].lstrip("^")
        out.add("/" + fixed)
    return tuple(sorted(out))


def parse(entries) -> tuple[list, list[str]]:
    """(networks, invalid entries) of a list of CIDR strings."""
    networks, invalid = [], []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(str(entry).strip(), strict=False))
        except ValueError:
            invalid.append(str(entry))
    return networks, invalid


@cache
def _networks(entries: tuple[str, ...]):
    return tuple(parse(entries)[0])


def allowed(address: str | None) -> bool:
    """Whether `address` may reach the administration pages (always, when no network is configured)."""
    entries = tuple(getattr(settings, "ADMIN_NETWORKS", ()) or ())
    if not entries:
        return True
    try:
        ip = ipaddress.ip_address((address or "").strip())
    except ValueError:
        return False
    if ip.version == 6 and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return any(ip in net for net in _networks(entries))  # an invalid entry matches nothing (fail closed)


class AdminNetworkMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if getattr(settings, "ADMIN_NETWORKS", None) and request.path_info.startswith(_prefixes()):
            from django.urls import Resolver404, resolve

            from dangjian.core.middleware import client_ip

            try:
                match = resolve(request.path_info)
            except Resolver404:
                match = None
            address = client_ip(request)
            if match is not None and is_admin_page(match.view_name) and not allowed(address):
                self._record(request, address)
                raise Http404("该页面不存在")
        return self.get_response(request)

    @staticmethod
    def _record(request, address) -> None:
        """Refusals of signed-in users are audited (AU-01 authorization failures); anonymous probes are logged."""
        user = getattr(request, "user", None)
        log.warning("administration page %s refused to %s (outside DANGJIAN_ADMIN_NETWORKS)", request.path, address)
        if user is not None and user.is_authenticated:
            from dangjian.core import audit
            from dangjian.core.models import Outcome

            audit.record(
                "security.admin_network_denied",
                actor=user,
                object_type="url",
                object_repr=request.path[:255],
                outcome=Outcome.DENIED,
                after={"address": address},
            )
