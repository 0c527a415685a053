"""Forms for a member's archive records."""

from django import forms

from dangjian.core.forms import StyledFormMixin
from dangjian.members.models import RecordKind
from dangjian.members.records import DOCUMENT_KINDS
from dangjian.orgs.forms import DATE_WIDGET

POLITICAL_STATUS = ["中共党员", "中共预备党员", "共青团员", "民主党派", "群众"]


class RewardForm(StyledFormMixin, forms.Form):
    kind = forms.ChoiceField(label="类别", choices=RecordKind.choices)
    title = forms.CharField(label="名称", max_length=64, help_text="如：优秀共产党员、党内警告")
    on = forms.DateField(label="日期", widget=DATE_WIDGET)
    authority = forms.CharField(label="批准机关", max_length=128, required=False)
    document_no = forms.CharField(label="文号", max_length=64, required=False)
    note = forms.CharField(label="说明", max_length=255, required=False)


class FamilyForm(StyledFormMixin, forms.Form):
    relation = forms.CharField(label="称谓", max_length=16, help_text="如：配偶、儿子、女儿、父亲、母亲")
    name = forms.CharField(label="姓名", max_length=64)
    birth_year = forms.IntegerField(label="出生年份", min_value=1900, max_value=2100, required=False)
    political_status = forms.ChoiceField(label="政治面貌", choices=[("", "—")] + [(s, s) for s in POLITICAL_STATUS],
                                         required=False)  # fmt: skip
    work_unit = forms.CharField(label="工作单位及职务", max_length=128, required=False)


class AidForm(StyledFormMixin, forms.Form):
    kind = forms.ChoiceField(
        label="困难类型", choices=[(k, k) for k in ("生活困难", "患病", "残疾", "高龄独居", "其他")]
    )
    description = forms.CharField(label="困难情况", max_length=255)
    measures = forms.CharField(label="帮扶措施", max_length=255, required=False)
    since = forms.DateField(label="开始日期", widget=DATE_WIDGET)
    until = forms.DateField(label="结束日期", widget=DATE_WIDGET, required=False)


class DocumentForm(StyledFormMixin, forms.Form):
    kind = forms.ChoiceField(label="材料类别", choices=[(k, k) for k in DOCUMENT_KINDS])
    title = forms.CharField(label="标题", max_length=128, required=False)
    file = forms.FileField(label="文件（PDF、JPG、PNG，20MB以内）")


RECORD_FORMS = {
    "reward": (RewardForm, "登记奖惩情况"),
    "family": (FamilyForm, "登记家庭成员"),
    "aid": (AidForm, "登记困难帮扶"),
}
