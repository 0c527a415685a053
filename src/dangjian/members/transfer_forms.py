"""Forms of 组织关系转接 and 流动党员: shapes and types only; the rules are checked by transfer_actions."""

from django import forms

from dangjian.core.forms import StyledFormMixin
from dangjian.members.forms import MemberForm
from dangjian.orgs.forms import DATE_WIDGET, OrgChoiceField
from dangjian.orgs.models import Org

MONTH_WIDGET = forms.DateInput(attrs={"type": "month"}, format="%Y-%m")


class TransferStartForm(StyledFormMixin, forms.Form):
    to_org = OrgChoiceField(
        queryset=Org.objects.none(),
        label="接收党组织（在您的管辖范围内选择）",
        required=False,
    )
    to_org_code = forms.CharField(
        label="接收党组织代码",
        max_length=32,
        required=False,
        help_text="转往本系统内其他地方的党组织：只填组织代码即可；转往系统外：填写名称和代码。",
    )
    to_org_name = forms.CharField(label="接收党组织名称（系统外）", max_length=128, required=False)
    reason = forms.CharField(
        label="转接原因", max_length=128, help_text="如：工作调动、升学、户籍迁移、外出务工满6个月"
    )
    issued_on = forms.DateField(label="开具日期", widget=DATE_WIDGET)
    validity_months = forms.IntegerField(label="有效期（月）", min_value=1, max_value=6)
    dues_paid_until = forms.DateField(
        label="党费交至（月份）", widget=MONTH_WIDGET, input_formats=["%Y-%m", "%Y-%m-%d"], required=False
    )

    def __init__(self, *args, org_queryset=None, **kwargs):
        super().__init__(*args, **kwargs)
        if org_queryset is not None:
            self.fields["to_org"].queryset = org_queryset

    def clean(self):
        data = super().clean()
        if not (data.get("to_org") or data.get("to_org_code") or data.get("to_org_name")):
            raise forms.ValidationError("请选择接收党组织，或填写接收党组织的代码或名称。")
        return data


class VersionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)


class AcceptForm(StyledFormMixin, VersionForm):
    on = forms.DateField(label="接收日期", widget=DATE_WIDGET)


class ReturnForm(StyledFormMixin, VersionForm):
    reason = forms.CharField(label="退回理由", max_length=255, widget=forms.Textarea(attrs={"rows": 3}))


class ReceiptForm(StyledFormMixin, VersionForm):
    on = forms.DateField(label="回执日期", widget=DATE_WIDGET, help_text="接收方党组织在回执上签署的日期")


class ReceiveExternalForm(MemberForm):
    """A member arriving with a paper letter from outside the system: the roster facts plus the letter."""

    from_org_name = forms.CharField(label="转出党组织名称", max_length=128)
    letter_serial = forms.CharField(label="介绍信编号", max_length=32)
    issued_on = forms.DateField(label="介绍信开具日期", widget=DATE_WIDGET, required=False)
    received_on = forms.DateField(label="接收日期", widget=DATE_WIDGET)
    reason = forms.CharField(label="转接原因", max_length=128, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("is_mobile", "mobile_destination", "mobile_since", "version"):
            del self.fields[name]
        self.fields["org"].label = "接收党组织"


class OutflowForm(StyledFormMixin, forms.Form):
    province = forms.CharField(label="省（区、市）", max_length=32, required=False)
    city = forms.CharField(label="市（地、州）", max_length=32, required=False)
    county = forms.CharField(label="县（市、区）", max_length=32, required=False)
    place = forms.CharField(label="单位或地点", max_length=128, required=False)
    reason = forms.CharField(label="外出原因", max_length=64, required=False, help_text="如：外出务工经商、求学、随迁")
    contact_person = forms.CharField(label="联系人", max_length=32, required=False)
    certificate_number = forms.CharField(label="流动党员活动证编号", max_length=32, required=False)
    since = forms.DateField(label="外出日期", widget=DATE_WIDGET)


class EndMobileForm(StyledFormMixin, forms.Form):
    until = forms.DateField(label="结束日期", widget=DATE_WIDGET, help_text="返回或结束流动的日期")


class InflowForm(StyledFormMixin, forms.Form):
    """登记流入: the host org registers a member of another org in this system (from the 流动党员活动证)."""

    name = forms.CharField(label="姓名", max_length=64)
    id_number = forms.CharField(label="公民身份号码", max_length=24, help_text="与姓名一并核对，须与党员名册一致")
    host_org = OrgChoiceField(queryset=Org.objects.none(), label="流入党组织（在此参加组织生活）")
    since = forms.DateField(label="流入日期", widget=DATE_WIDGET)
    province = forms.CharField(label="来自省（区、市）", max_length=32, required=False)
    city = forms.CharField(label="来自市（地、州）", max_length=32, required=False)
    county = forms.CharField(label="来自县（市、区）", max_length=32, required=False)
    place = forms.CharField(label="所在单位或地点", max_length=128, required=False, help_text="不填则记为流入党组织")
    reason = forms.CharField(label="流入原因", max_length=64, required=False, help_text="如：务工经商、求学、随迁")
    contact_person = forms.CharField(label="联系人", max_length=32, required=False)
    certificate_number = forms.CharField(label="流动党员活动证编号", max_length=32, required=False)

    def __init__(self, *args, org_queryset=None, **kwargs):
        super().__init__(*args, **kwargs)
        if org_queryset is not None:
            self.fields["host_org"].queryset = org_queryset
