"""Member forms: shapes and types only; the rules are checked by members.actions."""

from django import forms

from dangjian.core.forms import StyledFormMixin
from dangjian.members.choices import (
    ETHNICITY_CHOICES,
    Education,
    ExitKind,
    LostReason,
    MemberStatus,
    Occupation,
    Sex,
    Stage,
)
from dangjian.orgs.forms import DATE_WIDGET, OrgChoiceField
from dangjian.orgs.models import Org


class MemberForm(StyledFormMixin, forms.Form):
    org = OrgChoiceField(queryset=Org.objects.none(), label="所在党支部")
    name = forms.CharField(label="姓名", max_length=64)
    id_number = forms.CharField(label="公民身份号码", max_length=32)
    sex = forms.ChoiceField(label="性别", choices=[("", "按身份证号码"), *Sex.choices], required=False)
    ethnicity = forms.ChoiceField(label="民族", choices=ETHNICITY_CHOICES, initial="汉族")
    birth_date = forms.DateField(label="出生日期", widget=DATE_WIDGET, required=False, help_text="留空则取自身份证号码")
    education = forms.ChoiceField(label="学历", choices=[("", "—"), *Education.choices], required=False)
    stage = forms.ChoiceField(label="人员类别", choices=Stage.choices, initial=Stage.FULL)
    joined_on = forms.DateField(label="加入党组织日期", widget=DATE_WIDGET, required=False)
    full_on = forms.DateField(label="转为正式党员日期", widget=DATE_WIDGET, required=False)
    occupation = forms.ChoiceField(label="工作岗位", choices=[("", "—"), *Occupation.choices], required=False)
    job_title = forms.CharField(label="职务/岗位说明", max_length=64, required=False)
    phone = forms.CharField(label="联系电话", max_length=32, required=False)
    address = forms.CharField(label="家庭住址", max_length=128, required=False)
    is_mobile = forms.BooleanField(label="流动党员", required=False)
    mobile_destination = forms.CharField(label="外出流向（省/市/县）", max_length=128, required=False)
    mobile_since = forms.DateField(label="外出日期", widget=DATE_WIDGET, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, org_queryset=None, editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        if org_queryset is not None:
            self.fields["org"].queryset = org_queryset
        if editing:
            del self.fields["org"]
            for field in ("id_number", "phone", "address"):
                self.fields[field].required = False
                self.fields[field].help_text = "留空表示不修改"


class StatusForm(StyledFormMixin, forms.Form):
    target = forms.ChoiceField(label="变更为", choices=MemberStatus.choices)
    exit_kind = forms.ChoiceField(label="出党方式", choices=[("", "—"), *ExitKind.choices], required=False)
    on = forms.DateField(label="日期", widget=DATE_WIDGET)
    grounds = forms.CharField(label="依据/原因", widget=forms.Textarea(attrs={"rows": 3}))
    version = forms.IntegerField(widget=forms.HiddenInput)


class LostContactForm(StyledFormMixin, forms.Form):
    on = forms.DateField(label="失去联系日期", widget=DATE_WIDGET)
    reason = forms.ChoiceField(label="失联原因", choices=LostReason.choices)
    note = forms.CharField(label="说明", max_length=255, required=False)
