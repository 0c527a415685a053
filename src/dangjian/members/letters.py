"""The printable 中国共产党党员组织关系介绍信 (REL-05): stub, letter and receipt on one A4 page (WeasyPrint).

The ID number is masked unless the viewer may unmask the member's data; a letter printed in clear is a
reveal and is audited like one. The template has no outside resources, so nothing is fetched while rendering.
"""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils import timezone

from dangjian.core.scope import user_may_act_on_path
from dangjian.members import actions as member_actions
from dangjian.members import rules
from dangjian.members.models import Transfer


def _org_label(org, name: str) -> str:
    return org.name if org is not None else (name or "")


def letter_context(transfer: Transfer, user) -> dict:
    member = transfer.member
    number = member.get_secret("id_number")
    may_unmask = user_may_act_on_path(user, "members.unmask_member", member.org.path)
    if number and may_unmask and member_actions.may_reveal(member):
        id_number = member_actions.reveal(member, "id_number", actor=user)
    else:
        id_number = rules.mask_id_number(number) if number else ""
    return {
        "t": transfer,
        "member": member,
        "id_number": id_number,
        "age": rules.age_on(member.birth_date, transfer.issued_on),
        "from_label": _org_label(transfer.from_org, transfer.from_org_name),
        "to_label": _org_label(transfer.to_org, transfer.to_org_name),
        "validity_days": (transfer.valid_until - transfer.issued_on).days,
        "printed_at": timezone.localtime(),
    }


def letter_html(transfer: Transfer, user) -> str:
    return render_to_string("members/transfer_letter.html", letter_context(transfer, user))


def _no_fetch(url, *args, **kwargs):
    raise ValueError(f"介绍信模板不应引用外部资源：{url}")


def letter_pdf(transfer: Transfer, user) -> bytes:
    from weasyprint import HTML  # imported late: loading it costs a few hundred milliseconds

    return HTML(string=letter_html(transfer, user), url_fetcher=_no_fetch).write_pdf()
