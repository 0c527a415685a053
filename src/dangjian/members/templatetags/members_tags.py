"""Template helpers for the roster."""

from functools import cache
from html import escape

from django import template
from django.urls import reverse
from django.utils.safestring import mark_safe

from dangjian.members import rules

register = template.Library()


@register.filter
def age_on(birth, today):
    return rules.age_on(birth, today) if birth else ""


def _day(value) -> str:
    return value.strftime("%Y-%m-%d") if value else "—"


def _badges(m) -> str:
    out = []
    if m.status == "suspended":
        out.append('<span class="badge bg-orange-lt">停止党籍</span>')
    elif m.status == "exited":
        out.append(f'<span class="badge bg-secondary-lt">{e(display(m, "exit_kind"))}</span>')
    if m.is_lost_contact:
        out.append('<span class="badge bg-red-lt">失联</span>')
    if m.is_mobile:
        out.append('<span class="badge bg-azure-lt">流动</span>')
    return "".join(out)


@cache
def _labels(name: str) -> dict:
    """value → label of a choice field of Member (static choices), built once per process."""
    from dangjian.members.models import Member

    return dict(Member._meta.get_field(name).flatchoices)


def display(m, name: str):
    """`m.get_<name>_display()` without rebuilding the choices' dict on every call (Django does: 56 ethnicities,
    every education and occupation, for 4 cells × 50 rows): the label in the active language, else the value."""
    value = getattr(m, name)
    label = _labels(name).get(value)
    return value if label is None else str(label)


def e(value) -> str:
    """Django's escape without its lazy-string check (html.escape of str(value)): called 600 times a page."""
    return escape(str(value), quote=True)


@register.simple_tag
def roster_rows(rows, today):
    """The roster's table rows built in Python, every value escaped (`e`): a template loop over 50 rows × 11
    cells cost a third of the page."""
    if not rows:
        return mark_safe('<tr><td colspan="11" class="text-secondary">没有符合条件的人员。</td></tr>')
    prefix = e(reverse("members:detail", args=[0])[: -len("0/")])
    out = []
    for row in rows:
        m = row["member"]
        age = rules.age_on(m.birth_date, today) if m.birth_date else ""
        out.append(
            f'<tr><td><a href="{prefix}{int(m.pk)}/">{e(m.name)}</a></td><td>{e(display(m, "sex"))}</td>'
            f'<td>{e(age)}</td><td class="d-none d-md-table-cell">{e(display(m, "education") or "—")}</td>'
            f"<td>{e(display(m, 'stage'))}</td>"
            f'<td class="d-none d-md-table-cell text-nowrap">{_day(m.joined_on)}</td>'
            f'<td class="d-none d-lg-table-cell text-nowrap">{_day(m.full_on)}</td>'
            f'<td class="d-none d-lg-table-cell">{e(display(m, "occupation") or "—")}</td>'
            f'<td class="d-none d-md-table-cell text-nowrap">{e(row["phone"] or "—")}</td><td>{_badges(m)}</td>'
            f'<td class="d-none d-xl-table-cell">{e(m.org.short_name or m.org.name)}</td></tr>\n'
        )
    return mark_safe("".join(out))
