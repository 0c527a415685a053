"""Rich-text meeting minutes: an allow-list of tags, no attributes, no links, no styles.

Minutes are stored as HTML when the editor wrote them and as plain text otherwise (older records, the demo,
API clients that send text). `sanitize` runs when minutes are saved (orglife.actions) and again when they
are shown or printed, so a row written any other way cannot carry script into a page or the PDF.
"""

from __future__ import annotations

import re

import nh3
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

# What the toolbar produces (bold, italic, underline, headings, lists, paragraphs) and nothing else.
ALLOWED_TAGS = frozenset({"p", "br", "strong", "b", "em", "i", "u", "h3", "h4", "ul", "ol", "li", "blockquote"})
_TAG = re.compile(r"</?[a-zA-Z][^>]*>")
MAX_CHARS = 200_000


def is_html(text: str) -> bool:
    """Whether stored minutes are HTML (written by the editor) rather than plain text."""
    return bool(text) and bool(_TAG.search(text))


def sanitize(html: str) -> str:
    """The HTML reduced to the allow-list: other tags are dropped with their markup (their text kept;
    script and style content removed), every attribute and comment is removed."""
    return nh3.clean(
        html or "", tags=set(ALLOWED_TAGS), attributes={}, url_schemes=set(), strip_comments=True, link_rel=None
    ).strip()


def plain_to_html(text: str) -> str:
    """Plain-text minutes as paragraphs: a blank line separates paragraphs, a newline is a line break."""
    paragraphs = re.split(r"\n\s*\n", (text or "").replace("\r\n", "\n").strip())
    return "".join(f"<p>{escape(p).replace(chr(10), '<br>')}</p>" for p in paragraphs if p.strip())


def clean_minutes(text: str) -> str:
    """What is stored: sanitised HTML when the minutes are HTML, the text itself (stripped) otherwise."""
    text = (text or "").strip()
    return sanitize(text) if is_html(text) else text


def minutes_html(text: str) -> SafeString:
    """The minutes ready to show or print: sanitised HTML, or plain text as escaped paragraphs."""
    if not text:
        return mark_safe("")
    return mark_safe(sanitize(text) if is_html(text) else plain_to_html(text))


def for_editor(text: str) -> str:
    """The editor's starting content: always HTML (plain-text minutes become paragraphs), sanitised."""
    return sanitize(text) if is_html(text) else plain_to_html(text)
