"""The printed minutes and attendance sheet of a meeting (one PDF, A4, WeasyPrint), in the usual format:
the facts (time, place, host, recorder, attendance counts), the minutes and resolutions, then the sign-in
sheet with a signature column. No outside resources: nothing is fetched while rendering."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils import timezone

from dangjian.orglife import queries, richtext
from dangjian.orglife.models import Meeting


def minutes_html(meeting: Meeting) -> str:
    sheet = queries.attendance_sheet(meeting)
    context = {
        "m": meeting, "sheet": sheet, "printed_at": timezone.localtime(),
        "minutes_html": richtext.minutes_html(meeting.minutes),
    }  # fmt: skip
    return render_to_string("orglife/minutes_pdf.html", context)


def _no_fetch(url, *args, **kwargs):
    raise ValueError(f"会议记录模板不应引用外部资源：{url}")


def minutes_pdf(meeting: Meeting) -> bytes:
    from weasyprint import HTML  # imported late: loading it costs a few hundred milliseconds

    return HTML(string=minutes_html(meeting), url_fetcher=_no_fetch).write_pdf()
