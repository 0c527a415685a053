"""Show the indicators of one org's subtree as of a day: `dangjian stats show ORG [--as-of D] [--format F]`.

Operators run it on the server: no user scope. ORG is an org code or the full name. JSON maps each code to
its value (integers; percentages as numbers with two decimals; null, with the reason under "reasons").
"""

from __future__ import annotations

import json
import unicodedata
from datetime import date
from decimal import Decimal

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from dangjian.orgs.models import Org
from dangjian.stats import queries


def display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def pad(text: str, width: int) -> str:
    return text + " " * (width - display_width(text))


def format_number(value) -> str:
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    return str(value)


def as_json(org: Org, as_of: date, rows: list[queries.Row]) -> str:
    # json cannot print a fixed number of decimals: Decimals go in as tokens and come out as bare numbers.
    tokens: dict[str, str] = {}

    def encode(value):
        if isinstance(value, Decimal):
            token = f"@@decimal{len(tokens)}@@"
            tokens[token] = f"{value:.2f}"
            return token
        return value

    payload = {
        "org": {"id": org.pk, "code": org.code, "name": org.name},
        "as_of": as_of.isoformat(),
        "indicators": {r.code: encode(r.value) for r in rows},
        "reasons": {r.code: r.reason for r in rows if r.value is None},
    }
    text = json.dumps(payload, ensure_ascii=False, indent=2)
    for token, number in tokens.items():
        text = text.replace(f'"{token}"', number)
    return text


def as_table(org: Org, as_of: date, rows: list[queries.Row]) -> str:
    width = max((display_width(r.label) for r in rows), default=0)
    lines = [f"{org.name}（{org.code}）  统计日期：{as_of:%Y-%m-%d}", ""]
    for r in rows:
        shown = format_number(r.value) if r.value is not None else r.reason
        lines.append(f"{pad(r.label, width)}  {' ' * (10 - display_width(shown))}{shown}")
    return "\n".join(lines)


class Command(BaseCommand):
    help = "显示党组织（含下级）在某一日期的统计指标：党员、党组织、组织生活完成率、党费交纳率"

    def add_arguments(self, parser):
        parser.add_argument("org", help="组织代码或党组织全称")
        parser.add_argument("--as-of", dest="as_of", help="统计日期 YYYY-MM-DD（默认：今天）")
        parser.add_argument("--format", dest="fmt", choices=["table", "json"], default="table", help="输出格式")

    def handle(self, *args, org, as_of=None, fmt="table", **options):
        try:
            day = date.fromisoformat(as_of) if as_of else timezone.localdate()
        except ValueError:
            raise CommandError(f"日期格式应为 YYYY-MM-DD：{as_of}") from None
        try:
            target = queries.find_org(org)
        except (Org.DoesNotExist, queries.AmbiguousOrg) as exc:
            raise CommandError(str(exc)) from None
        rows = queries.rows(target, day)
        self.stdout.write(as_json(target, day, rows) if fmt == "json" else as_table(target, day, rows))
