"""Recruitment forms: one form per step (the fields the step records), the decision form, starting a case,
local options. Shapes and types only; the rules are checked by recruitment.actions."""

from __future__ import annotations

from django import forms

from dangjian.core.forms import StyledFormMixin
from dangjian.members.choices import Sex
from dangjian.members.models import Member
from dangjian.orgs.forms import DATE_WIDGET
from dangjian.recruitment import rules

SANCTION_CHOICES = [
    ("", "无处分"),
    ("warning", "警告（影响期内）"),
    ("serious_warning", "严重警告（影响期内）"),
    ("removal_from_post", "撤销党内职务（影响期内）"),
    ("probation", "留党察看（尚未恢复党员权利）"),
]
RECOMMENDED_CHOICES = [("members", "党员推荐"), ("league", "团组织推优"), ("masses", "其他群团组织推优")]
OUTCOME_CHOICES = [(rules.CONVERT, "按期转正"), (rules.EXTEND, "延长预备期"), (rules.CANCEL, "取消预备党员资格")]
DOCUMENT_CHOICES = list(rules.DOCUMENTS.items())


class MemberField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name}（{obj.get_stage_display()}）"


class StepForm(StyledFormMixin, forms.Form):
    """The fields of one step; `event` decides which extra fields appear."""

    on = forms.DateField(label="日期", widget=DATE_WIDGET)
    documents = forms.MultipleChoiceField(
        label="材料", choices=DOCUMENT_CHOICES, required=False, widget=forms.CheckboxSelectMultiple
    )
    note = forms.CharField(label="说明", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, event: str, people=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["documents"].widget.attrs["class"] = "form-check-input"
        self.event = event
        extra: dict[str, forms.Field] = {}
        people = people if people is not None else Member.objects.none()
        if event == "confirm_activist":
            extra["recommended_by"] = forms.ChoiceField(label="产生方式", choices=RECOMMENDED_CHOICES)
        elif event == "assign_mentors":
            extra["person_1"] = MemberField(people, label="培养联系人一")
            extra["person_2"] = MemberField(people, label="培养联系人二", required=False)
        elif event == "assign_introducers":
            extra["person_1"] = MemberField(people, label="入党介绍人一")
            extra["sanction_1"] = forms.ChoiceField(
                label="介绍人一党纪处分情况", choices=SANCTION_CHOICES, required=False
            )
            extra["person_2"] = MemberField(people, label="入党介绍人二")
            extra["sanction_2"] = forms.ChoiceField(
                label="介绍人二党纪处分情况", choices=SANCTION_CHOICES, required=False
            )
        elif event in ("publish_notice", "activist_notice", "acceptance_notice", "conversion_notice"):
            self.fields["on"].label = "公示开始日期"
            extra["notice_end"] = forms.DateField(label="公示结束日期", widget=DATE_WIDGET)
        elif event == "confirm_candidate":
            extra["notice_blocked"] = forms.BooleanField(label="公示中反映的问题影响发展", required=False)
        elif event == "political_review":
            extra["passed"] = forms.TypedChoiceField(
                label="政审结论", choices=[("1", "合格"), ("0", "不合格")], coerce=lambda v: v == "1"
            )
        elif event == "training":
            extra["days"] = forms.IntegerField(label="培训天数", min_value=0, max_value=60, required=False)
            extra["hours"] = forms.IntegerField(label="培训学时", min_value=0, max_value=500, required=False)
        elif event == "request_prereview":
            extra["leaving_soon"] = forms.BooleanField(label="三个月内将离开工作、学习单位", required=False)
        elif event in ("assembly", "conversion_meeting", "revote"):
            if event == "conversion_meeting":
                extra["outcome"] = forms.ChoiceField(label="讨论结果", choices=OUTCOME_CHOICES)
                extra["months"] = forms.IntegerField(
                    label="延长预备期（月）", min_value=1, max_value=24, required=False
                )
            extra["due"] = forms.IntegerField(label="应到会有表决权的党员", min_value=0)
            extra["present"] = forms.IntegerField(label="实到会有表决权的党员", min_value=0)
            extra["written"] = forms.IntegerField(
                label="会前提交书面意见的党员", min_value=0, initial=0, required=False
            )
            extra["in_favour"] = forms.IntegerField(label="赞成", min_value=0)
            extra["against"] = forms.IntegerField(label="反对", min_value=0)
            extra["abstain"] = forms.IntegerField(label="弃权", min_value=0)
        elif event in ("void", "transfer_out"):
            extra["reason"] = forms.CharField(label="依据/转往党组织", max_length=255)
        for name, f in extra.items():
            self.fields[name] = f
        order = ["on", *extra, "documents", "note", "version"]
        self.order_fields(order)
        for f in extra.values():
            w = f.widget
            if not isinstance(w, forms.CheckboxInput):
                w.attrs["class"] = "form-select" if isinstance(w, forms.Select) else "form-control"

    def action_kwargs(self) -> dict:
        """The keyword arguments of actions.record_step from the cleaned data."""
        d = dict(self.cleaned_data)
        out = {"on": d.pop("on"), "documents": d.pop("documents") or [], "note": d.pop("note") or ""}
        out["expected_version"] = d.pop("version")
        if self.event in ("assign_mentors", "assign_introducers"):
            chosen = [d.get("person_1"), d.get("person_2")]
            out["people"] = [p.pk for p in chosen if p is not None]
            out["sanctions"] = {
                p.pk: d.get(f"sanction_{i}")
                for i, p in enumerate(chosen, 1)
                if p is not None and d.get(f"sanction_{i}")
            }
            return out
        if self.event in ("assembly", "conversion_meeting", "revote"):
            out["vote"] = {k: d.pop(k) or 0 for k in rules.VOTE_KEYS}
        if self.event in ("void", "transfer_out"):
            out["reason"] = d.pop("reason")
            out["note"] = out["note"] or out["reason"]
        out.update({k: v for k, v in d.items() if v is not None})
        return out


class DecisionForm(StyledFormMixin, forms.Form):
    approve = forms.TypedChoiceField(
        label="办理结果", choices=[("1", "同意"), ("0", "退回")], coerce=lambda v: v == "1", widget=forms.RadioSelect
    )
    on = forms.DateField(label="日期", widget=DATE_WIDGET)
    reason = forms.CharField(label="理由（退回时必填）", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    version = forms.IntegerField(widget=forms.HiddenInput)


class StartForm(StyledFormMixin, forms.Form):
    """Step 1: a roster person (not yet a member) or a new applicant."""

    member = forms.IntegerField(
        label="名册中的人员编号", required=False, help_text="名册中尚非党员的人员；也可在党员信息页“发展信息”中登记"
    )
    name = forms.CharField(label="姓名（新申请人）", max_length=64, required=False)
    sex = forms.ChoiceField(label="性别", choices=[("", "—"), *Sex.choices], required=False)
    birth_date = forms.DateField(label="出生日期", widget=DATE_WIDGET, required=False)
    id_number = forms.CharField(label="公民身份号码", max_length=18, required=False)
    on = forms.DateField(label="递交入党申请书日期", widget=DATE_WIDGET)
    documents = forms.MultipleChoiceField(
        label="材料",
        choices=DOCUMENT_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        initial=["application_letter"],
    )
    note = forms.CharField(label="说明", required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["documents"].widget.attrs["class"] = "form-check-input"

    def clean(self):
        data = super().clean()
        if not data.get("member") and not (data.get("name") and data.get("sex") and data.get("birth_date")):
            raise forms.ValidationError("请选择名册中的人员，或填写新申请人的姓名、性别和出生日期。")
        return data


class TransferForm(StyledFormMixin, forms.Form):
    to_org = forms.IntegerField(label="转入党组织编号")
    on = forms.DateField(label="日期", widget=DATE_WIDGET)
    note = forms.CharField(label="说明", required=False)


class OptionForm(StyledFormMixin, forms.Form):
    code = forms.ChoiceField(label="本地规定", choices=list(rules.LOCAL_OPTION_LABELS.items()))
    value = forms.IntegerField(label="取值", min_value=0, max_value=30000)
    effective_from = forms.DateField(label="生效日期", widget=DATE_WIDGET)
    note = forms.CharField(label="依据文件", max_length=255, required=False)


class QuotaForm(StyledFormMixin, forms.Form):
    """DEV-P8: the year's development quota of an org's subtree."""

    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100)
    quota = forms.IntegerField(label="发展党员计划指标（人）", min_value=0, max_value=rules.LOCAL_OPTION_MAX["DEV-P8"])
    note = forms.CharField(label="依据文件", max_length=255, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
