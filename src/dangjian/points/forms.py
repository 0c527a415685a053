"""Points forms: shapes and types only; the rules are checked by points.actions."""

from __future__ import annotations

from django import forms

from dangjian.core.forms import StyledFormMixin
from dangjian.orglife.models import MeetingKind
from dangjian.orgs.forms import DATE_WIDGET
from dangjian.points import rules
from dangjian.points.models import ExclusionReason, PioneerKind, PointSource


class RuleSetCreateForm(StyledFormMixin, forms.Form):
    template = forms.ChoiceField(label="模板", choices=[(k, v["name"]) for k, v in rules.TEMPLATES.items()])
    effective_from = forms.DateField(label="生效日期", widget=DATE_WIDGET)
    name = forms.CharField(label="名称", max_length=128, required=False, help_text="不填则用模板名称")


def parse_bands(text: str) -> list[list]:
    """ "90:5, 80:4, 70:3" → [["90", 5], …]; raises ValidationError."""
    out = []
    for part in (text or "").replace("，", ",").split(","):
        part = part.strip()
        if not part:
            continue
        lower, _, stars = part.partition(":")
        out.append([lower.strip(), stars.strip()])
    try:
        rows = [[lo, int(s)] for lo, s in out]
    except ValueError:
        raise forms.ValidationError("星级区间格式应为“90:5, 80:4, 70:3”") from None
    problem = rules.bands_problem(rows)
    if problem:
        raise forms.ValidationError(problem)
    return rows


class RuleSetForm(StyledFormMixin, forms.Form):
    name = forms.CharField(label="名称", max_length=128)
    base_score = forms.DecimalField(label="基础分", max_digits=8, decimal_places=2)
    floor = forms.DecimalField(label="最低分", max_digits=8, decimal_places=2, required=False)
    ceiling = forms.DecimalField(label="最高分", max_digits=8, decimal_places=2, required=False)
    yearly_reset = forms.BooleanField(label="每年清零", required=False)
    star_bands = forms.CharField(
        label="星级区间", help_text="下限分数:星级，用逗号分隔，如 90:5, 80:4, 70:3, 60:2, 0:1"
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def clean_star_bands(self):
        return parse_bands(self.cleaned_data["star_bands"])


class NewVersionForm(StyledFormMixin, forms.Form):
    effective_from = forms.DateField(label="新版本生效日期", widget=DATE_WIDGET)


class ItemForm(StyledFormMixin, forms.Form):
    code = forms.SlugField(label="代码", max_length=48)
    label = forms.CharField(label="积分项目", max_length=128)
    source = forms.ChoiceField(label="来源", choices=PointSource.choices)
    meeting_kind = forms.ChoiceField(label="组织生活类别", choices=[("", "任何"), *MeetingKind.choices], required=False)
    points = forms.DecimalField(label="每次分值（扣分填负数）", max_digits=8, decimal_places=2)
    cap = forms.DecimalField(label="每年累计上限", max_digits=8, decimal_places=2, required=False)
    is_veto = forms.BooleanField(label="一票否决（当年积分为0）", required=False)


class EntryForm(StyledFormMixin, forms.Form):
    item = forms.TypedChoiceField(label="积分项目", choices=[], coerce=int)
    occurred_on = forms.DateField(label="发生日期", widget=DATE_WIDGET)
    quantity = forms.DecimalField(
        label="数量", max_digits=8, decimal_places=2, initial=1, help_text="如服务次数、评议得分"
    )
    evidence = forms.CharField(
        label="证明材料", widget=forms.Textarea(attrs={"rows": 3}), help_text="表彰文件、服务记录、承诺书等"
    )

    def __init__(self, *args, items=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].choices = [(i.pk, f"{i.label}（{i.points:+}）") for i in items]


class ExclusionForm(StyledFormMixin, forms.Form):
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100)
    reason = forms.ChoiceField(label="情形", choices=ExclusionReason.choices)
    decision_reference = forms.CharField(label="支部决定（会议/记录）", max_length=128)


class PioneerPostForm(StyledFormMixin, forms.Form):
    kind = forms.ChoiceField(label="类别", choices=PioneerKind.choices)
    name = forms.CharField(label="名称", max_length=128)
    duty = forms.CharField(label="职责/承诺", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    started_on = forms.DateField(label="设立日期", widget=DATE_WIDGET)


class PioneerAssignForm(StyledFormMixin, forms.Form):
    member = forms.TypedChoiceField(label="党员", choices=[], coerce=int)
    role = forms.CharField(label="岗位/分工", max_length=64, required=False)

    def __init__(self, *args, members=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].choices = [(m.pk, m.name) for m in members]


class PioneerRecordForm(StyledFormMixin, forms.Form):
    member = forms.TypedChoiceField(label="党员", choices=[], coerce=int)
    occurred_on = forms.DateField(label="日期", widget=DATE_WIDGET)
    content = forms.CharField(label="履职情况", widget=forms.Textarea(attrs={"rows": 2}))
    for_points = forms.BooleanField(label="同时登记“先锋岗履职”积分（待支部审核）", required=False)

    def __init__(self, *args, members=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].choices = [(m.pk, m.name) for m in members]
