"""Dues forms: shapes and types only; the rules are checked by dues.actions."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from django import forms

from dangjian.core.forms import StyledFormMixin
from dangjian.dues.models import AidKind, DuesCategory, HardshipKind, LedgerKind, PaymentMethod, UsageCategory
from dangjian.orgs.forms import DATE_WIDGET

MONTH_PATTERN = re.compile(r"^(\d{4})-(\d{1,2})(?:-\d{1,2})?$")


def parse_month(value) -> date | None:
    """ "2026-05" (an <input type="month">) or "2026-05-01" → date(2026, 5, 1); anything else → None."""
    if isinstance(value, date):
        return value.replace(day=1)
    match = MONTH_PATTERN.match(str(value or "").strip())
    if not match:
        return None
    year, month = int(match[1]), int(match[2])
    if not (1 <= month <= 12 and 1900 <= year <= 9999):
        return None
    return date(year, month, 1)


class MonthField(forms.CharField):
    widget = forms.TextInput(attrs={"type": "month"})
    default_error_messages = {"invalid": "请按“年-月”填写月份，例如 2026-05。"}

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return None
        month = parse_month(value)
        if month is None:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return month

    def prepare_value(self, value):
        return f"{value:%Y-%m}" if isinstance(value, date) else value


class ProfileForm(StyledFormMixin, forms.Form):
    category = forms.ChoiceField(label="党费类别", choices=DuesCategory.choices)
    base = forms.DecimalField(
        label="计算基数（元/月）",
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0"),
        initial=Decimal("0"),
        help_text="在职党员为每月税后工资收入中相对固定的、经常性的部分；离退休党员为实际领取的离退休费；"
        "学生、下岗失业、依靠抚恤救济生活和农民党员可填0",
    )
    effective_from = MonthField(label="起始月份", help_text="收入变动的，从新的收入开始领取的月份起计算（DUES-13）")
    note = forms.CharField(label="说明", max_length=255, required=False)
    confirm = forms.BooleanField(label="确认计算基数无误（超过每月100万元时须勾选）", required=False)


class PaymentForm(StyledFormMixin, forms.Form):
    paid_on = forms.DateField(label="交纳日期", widget=DATE_WIDGET)
    method = forms.ChoiceField(label="交纳方式", choices=PaymentMethod.choices)
    reference = forms.CharField(label="凭证号/交易号", max_length=64, required=False)
    proxy = forms.CharField(label="代交人", max_length=64, required=False, help_text="本人交纳的不填")
    with_arrears = forms.BooleanField(label="连同以前未交月份一并交纳（补交，每人不超过6个月）", required=False)
    extra = forms.DecimalField(
        label="自愿多交（元）", max_digits=12, decimal_places=2, min_value=Decimal("0"), required=False,
        help_text="只能为一名党员登记；满1000元的全额上缴",
    )  # fmt: skip


class WaiveForm(StyledFormMixin, forms.Form):
    reference = forms.CharField(label="上级党委批准文号", max_length=64)
    note = forms.CharField(label="减免说明", max_length=255, required=False, widget=forms.Textarea(attrs={"rows": 2}))


class HardshipForm(StyledFormMixin, forms.Form):
    kind = forms.ChoiceField(label="减免方式", choices=HardshipKind.choices)
    monthly_amount = forms.DecimalField(
        label="减免后每月交纳（元）", max_digits=12, decimal_places=2, min_value=Decimal("0"), required=False,
        help_text="少交的填写；免交的不填",
    )  # fmt: skip
    first_month = MonthField(label="起始月份")
    last_month = MonthField(label="截止月份")
    reason = forms.CharField(label="申请理由", max_length=255, widget=forms.Textarea(attrs={"rows": 2}))


class HardshipBranchForm(StyledFormMixin, forms.Form):
    agree = forms.TypedChoiceField(
        label="支部研究意见", choices=[("1", "同意，报上级党委批准"), ("0", "不同意")], coerce=lambda v: v == "1"
    )
    decision = forms.CharField(label="支部研究会议/记录", max_length=128, help_text="如：2026年5月支委会")
    version = forms.IntegerField(widget=forms.HiddenInput)


class HardshipApprovalForm(StyledFormMixin, forms.Form):
    approve = forms.TypedChoiceField(
        label="上级党委意见", choices=[("1", "批准"), ("0", "不批准")], coerce=lambda v: v == "1"
    )
    reference = forms.CharField(label="批准文号", max_length=64, required=False)
    reason = forms.CharField(label="不批准理由", max_length=255, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput)


class LedgerForm(StyledFormMixin, forms.Form):
    kind = forms.ChoiceField(label="类别", choices=LedgerKind.choices)
    amount = forms.DecimalField(label="金额（元）", max_digits=12, decimal_places=2)
    entry_date = forms.DateField(label="日期", widget=DATE_WIDGET)
    counterpart = forms.TypedChoiceField(label="对方党组织", choices=[], required=False, coerce=int, empty_value=None)
    category = forms.ChoiceField(
        label="使用范围（DUES-18）", choices=[("", "—"), *UsageCategory.choices], required=False
    )
    decision_reference = forms.CharField(
        label="集体研究决定（会议/文号）", max_length=128, required=False, help_text="党费使用须集体研究决定"
    )
    period = forms.CharField(label="所属期间", max_length=8, required=False, help_text="如 2026 或 2026-Q1")
    note = forms.CharField(label="摘要", max_length=255, required=False)

    def __init__(self, *args, counterparts=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["counterpart"].choices = [("", "—（上缴时为直接上级）"), *[(o.pk, o.name) for o in counterparts]]


class AidForm(StyledFormMixin, forms.Form):
    """困难党员帮扶: one visit or piece of aid."""

    visited_on = forms.DateField(label="走访/帮扶日期", widget=DATE_WIDGET)
    visitors = forms.CharField(label="走访人", max_length=128, help_text="如：镇党委副书记王某、支部书记李某")
    kind = forms.ChoiceField(label="帮扶方式", choices=AidKind.choices)
    given = forms.CharField(label="帮扶内容", max_length=255, required=False, help_text="送了什么、办了什么")
    amount = forms.DecimalField(
        label="金额（元）", max_digits=12, decimal_places=2, required=False, help_text="现金或物品折价；只走访的不填"
    )
    ledger_entry = forms.TypedChoiceField(
        label="党费台账（使用）", choices=[], required=False, coerce=int, empty_value=None,
        help_text="由党费中“补助生活困难的党员”支出的，选择对应台账",
    )  # fmt: skip
    note = forms.CharField(label="情况记录", max_length=255, required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, ledger_entries=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["ledger_entry"].choices = [
            ("", "—"),
            *[(e.pk, f"{e.entry_date:%Y-%m-%d} {e.amount}元 {e.decision_reference}") for e in ledger_entries],
        ]
