"""Organizational-life forms: shapes and types only; the rules are checked by orglife.actions."""

from django import forms

from dangjian.core.forms import StyledFormMixin
from dangjian.orglife.models import MeetingKind
from dangjian.orglife.rules import DEFAULT_CADENCE
from dangjian.orgs.forms import DATE_WIDGET, OrgChoiceField
from dangjian.orgs.models import Org

TIME_WIDGET = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


class MeetingDetailsForm(StyledFormMixin, forms.Form):
    topic = forms.CharField(label="主题", max_length=200)
    held_on = forms.DateField(label="日期", widget=DATE_WIDGET)
    starts_at = forms.TimeField(label="开始时间", widget=TIME_WIDGET, required=False)
    ends_at = forms.TimeField(label="结束时间", widget=TIME_WIDGET, required=False)
    place = forms.CharField(label="地点", max_length=128, required=False)
    host = forms.CharField(label="主持人", max_length=64, required=False)
    recorder = forms.CharField(label="记录人", max_length=64, required=False)
    lecturer = forms.CharField(label="授课人", max_length=64, required=False, help_text="党课填写")


class ScheduleForm(MeetingDetailsForm):
    org = OrgChoiceField(queryset=Org.objects.none(), label="党组织")
    kind = forms.ChoiceField(label="类别", choices=MeetingKind.choices)
    party_group = forms.ModelChoiceField(
        queryset=None, label="党小组", required=False, help_text="党小组会必选；参加人员随之默认为本小组党员"
    )
    invitees = forms.ModelMultipleChoiceField(
        queryset=None,
        label="参加人员",
        required=False,
        widget=forms.SelectMultiple(attrs={"data-choices": ""}),
        help_text="默认为本支部全体党员（党小组会为本小组党员），可增减；先选党组织",
    )
    field_order = ["org", "kind", "party_group", "topic", "held_on", "starts_at", "ends_at", "place", "host",
                   "recorder", "lecturer", "invitees"]  # fmt: skip

    def __init__(self, *args, org_queryset=None, groups=None, members=None, **kwargs):
        from dangjian.members.models import Member
        from dangjian.orglife.models import PartyGroup

        super().__init__(*args, **kwargs)
        if org_queryset is not None:
            self.fields["org"].queryset = org_queryset
        self.fields["party_group"].queryset = groups if groups is not None else PartyGroup.objects.none()
        self.fields["invitees"].queryset = members if members is not None else Member.objects.none()
        self.fields["party_group"].widget.attrs["data-schedule-reload"] = ""
        self.fields["org"].widget.attrs["data-schedule-reload"] = ""


class PartyGroupForm(StyledFormMixin, forms.Form):
    name = forms.CharField(label="名称", max_length=64, help_text="如：第一党小组、离退休党员党小组")
    established_on = forms.DateField(label="成立日期", widget=DATE_WIDGET)
    members = forms.ModelMultipleChoiceField(
        queryset=None, label="成员", required=False, widget=forms.SelectMultiple(attrs={"data-choices": ""}),
        help_text="本支部在册党员；已在其他党小组的党员将调入本小组",
    )  # fmt: skip
    leader = forms.ModelChoiceField(queryset=None, label="组长", required=False)
    dissolved_on = forms.DateField(label="撤销日期", widget=DATE_WIDGET, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, members=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["members"].queryset = members
        self.fields["leader"].queryset = members


class RecordForm(MeetingDetailsForm):
    minutes = forms.CharField(
        label="会议记录",
        widget=forms.Textarea(attrs={"rows": 10, "data-richtext": "minutes"}),
        required=False,
        help_text="可用工具栏设置加粗、倾斜、标题和列表；保存时只保留这些格式",
    )
    resolutions = forms.CharField(label="决议事项", widget=forms.Textarea(attrs={"rows": 3}), required=False)
    version = forms.IntegerField(widget=forms.HiddenInput)


class AmendForm(RecordForm):
    reason = forms.CharField(label="修改理由", max_length=255, help_text="审核通过后修改必须填写理由，留存备查")


class ReviewForm(StyledFormMixin, forms.Form):
    decision = forms.ChoiceField(label="审核意见", choices=[("approve", "审核通过"), ("return", "退回修改")])
    reason = forms.CharField(label="理由", max_length=255, required=False, help_text="退回时必须填写")
    version = forms.IntegerField(widget=forms.HiddenInput)


class ExemptionForm(StyledFormMixin, forms.Form):
    kind = forms.ChoiceField(
        label="类别",
        choices=[(k, label) for k, label in MeetingKind.choices if k in DEFAULT_CADENCE],
    )
    period = forms.CharField(label="期间", max_length=8, help_text="按月：2026-03；按季：2026-Q1；按年：2026")
    reason = forms.CharField(label="理由", max_length=255, widget=forms.Textarea(attrs={"rows": 3}))


class MeetingFilterForm(forms.Form):
    kind = forms.ChoiceField(label="类别", choices=[("", "全部类别"), *MeetingKind.choices], required=False)
    org = forms.IntegerField(required=False, widget=forms.HiddenInput)
    year = forms.IntegerField(label="年度", required=False, min_value=2000, max_value=2100)


class CadenceForm(StyledFormMixin, forms.Form):
    org = OrgChoiceField(queryset=Org.objects.none(), label="适用党组织（含下级）")
    kind = forms.ChoiceField(label="类别", choices=MeetingKind.choices)
    cadence = forms.ChoiceField(
        label="频次", choices=[("monthly", "每月"), ("quarterly", "每季度"), ("yearly", "每年"), ("none", "不作要求")]
    )
    effective_from = forms.DateField(label="生效日期", widget=DATE_WIDGET)
    note = forms.CharField(label="依据", max_length=255, required=False, help_text="如：某县三会一课制度（2026）")

    def __init__(self, *args, org_queryset=None, **kwargs):
        super().__init__(*args, **kwargs)
        if org_queryset is not None:
            self.fields["org"].queryset = org_queryset


class ChecklistForm(StyledFormMixin, forms.Form):
    study = forms.BooleanField(label="会前集中学习", required=False)
    talks = forms.BooleanField(label="开展谈心谈话", required=False)
    opinions = forms.BooleanField(label="征求意见建议", required=False)
    criticism = forms.BooleanField(label="开展批评与自我批评", required=False)
    rectification = forms.CharField(
        label="整改清单",
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text="会后列出问题、措施、责任人和时限",
    )


class TalkForm(StyledFormMixin, forms.Form):
    held_on = forms.DateField(label="日期", widget=DATE_WIDGET)
    first = forms.ModelChoiceField(queryset=None, label="谈话人")
    second = forms.ModelChoiceField(queryset=None, label="谈话对象")
    topic = forms.CharField(label="主题", max_length=200)

    def __init__(self, *args, members=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["first"].queryset = members
        self.fields["second"].queryset = members


class AccountLinkForm(StyledFormMixin, forms.Form):
    username = forms.CharField(label="登录账号", max_length=150, help_text="该党员本人的登录账号名")
