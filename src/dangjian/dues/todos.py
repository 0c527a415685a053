"""Dues arrears as to-dos (DUES-16, MEM-01): members 3, 5 and 6 consecutive months behind.

Counted through the last complete month (the current month may still be paid). At 6 months the to-do
cites MEM-01 and says that the branch decides: nothing here ever changes a member's status.
"""

from __future__ import annotations

from datetime import date, timedelta
from urllib.parse import urlencode

from django.urls import reverse

from dangjian.core.todos import Todo
from dangjian.dues import queries, rules

LIMIT = 200


def arrears_todos(user, today: date, lead: int) -> list[Todo]:
    through = rules.month_shift(today, -1)
    rows = queries.arrears(queries.visible_bills(user), through, at_least=rules.ARREARS_REMIND_MONTHS)[:LIMIT]
    out = []
    for r in rows:
        # The sixth unpaid month ends on the last day of `since` + 5 months.
        lapse_on = rules.month_shift(r.since, rules.ARREARS_MONTHS_ALLOWED) - timedelta(days=1)
        if r.level == "lapse":
            rule = "MEM-01"
            detail = (
                f"自{r.since:%Y年%m月}起连续{r.months}个月未交纳党费（共{r.amount}元）。按党章规定，没有正当理由连续"
                "6个月不交纳党费的，视为自行脱党，由支部大会研究决定是否除名并报上级党委批准；系统不会自动变更党籍"
            )
        else:
            rule = "DUES-16"
            detail = (
                f"自{r.since:%Y年%m月}起连续{r.months}个月未交纳党费（共{r.amount}元），应进行批评教育、限期改正；"
                f"连续6个月（{lapse_on:%Y年%m月%d日}）仍不交纳的，视为自行脱党"
            )
        url = reverse("dues:bill_list") + "?" + urlencode({"org": r.org_id, "month": f"{through:%Y-%m}"})
        title = f"{r.name}：党费连续{r.months}个月未交"
        out.append(Todo(rule, title, detail, lapse_on, r.level == "lapse", url, r.org_name))
    return out
