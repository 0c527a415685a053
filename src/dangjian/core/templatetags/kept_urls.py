"""`{% url %}` with its answers kept per process (a template builtin: settings.TEMPLATES "builtins").

Django's `{% url %}` reverses on every render: ~85 µs each with this project's URLconf, seven in the base layout
alone, more on the pages (docs/bench-load.md, session 5). A reversal depends only on the URLconf, the script
prefix, the active language (translated or prefixed patterns), the view name, its arguments and the current
namespace, so for plain int/str arguments the answer is kept (LRU, 4,096 entries) under exactly those (a
template's literal name is a SafeString, a str); anything else is reversed as before. Same markup, same
NoReverseMatch for a wrong name (failures are not kept)."""

from __future__ import annotations

from functools import lru_cache

from django import template
from django.conf import settings
from django.template.defaulttags import URLNode
from django.template.defaulttags import url as django_url
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils.html import conditional_escape
from django.utils.translation import get_language

register = template.Library()

_PLAIN = (int, str)


@lru_cache(maxsize=4096)
def _kept(urlconf, root, prefix, language, view_name, args, kwargs, current_app) -> str:
    return reverse(view_name, urlconf=urlconf, args=args, kwargs=dict(kwargs), current_app=current_app)


def kept_reverse(view_name, args, kwargs, current_app) -> str:
    values = [*args, *kwargs.values()]
    if not isinstance(view_name, str) or not all(isinstance(v, _PLAIN) for v in values):
        return reverse(view_name, args=args, kwargs=kwargs, current_app=current_app)
    return _kept(
        get_urlconf(), settings.ROOT_URLCONF, get_script_prefix(), get_language(), str(view_name), tuple(args),
        tuple(sorted(kwargs.items())), current_app,
    )  # fmt: skip


class KeptURLNode(URLNode):
    def render(self, context):  # as Django's URLNode.render, with kept_reverse
        args = [arg.resolve(context) for arg in self.args]
        kwargs = {k: v.resolve(context) for k, v in self.kwargs.items()}
        view_name = self.view_name.resolve(context)
        try:
            current_app = context.request.current_app
        except AttributeError:
            try:
                current_app = context.request.resolver_match.namespace
            except AttributeError:
                current_app = None
        url = ""
        try:
            url = kept_reverse(view_name, args, kwargs, current_app)
        except NoReverseMatch:
            if self.asvar is None:
                raise
        if self.asvar:
            context[self.asvar] = url
            return ""
        return conditional_escape(url) if context.autoescape else url


@register.tag
def url(parser, token):
    node = django_url(parser, token)
    node.__class__ = KeptURLNode
    return node
