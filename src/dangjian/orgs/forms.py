"""Forms for the org pages. Validation of rules happens in actions; forms check shape and types."""

from django import forms
from django.urls import reverse_lazy

from dangjian.core.forms import StyledFormMixin
from dangjian.orgs.models import Org, OrgRole


class RemoteSelect(forms.Select):
    """A select that renders only the chosen option; the browser searches the rest (tom-select)."""

    def __init__(self, *args, search_url=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.search_url = search_url

    def get_context(self, name, value, attrs):
        attrs = {**(attrs or {}), "data-remote-select": str(self.search_url), "class": "form-select"}
        return super().get_context(name, value, attrs)

    def optgroups(self, name, value, attrs=None):
        chosen = [str(v) for v in value if v not in (None, "")]
        groups = []
        if chosen:
            for org in Org.objects.filter(pk__in=chosen):
                groups.append((None, [self.create_option(name, org.pk, org.name, True, 0)], 0))
        return groups


class OrgChoiceField(forms.ModelChoiceField):
    def __init__(self, queryset, **kwargs):
        kwargs.setdefault("widget", RemoteSelect(search_url=reverse_lazy("orgs:search")))
        kwargs.setdefault("error_messages", {"invalid_choice": "所选党组织不存在或不在您的管辖范围内。"})
        super().__init__(queryset=queryset, **kwargs)


DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class OrgForm(StyledFormMixin, forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Org
        fields = [
            "name",
            "short_name",
            "kind",
            "sector",
            "code",
            "established_on",
            "unit_name",
            "unit_category",
            "unit_credit_code",
            "sort_order",
        ]
        widgets = {"established_on": DATE_WIDGET}

    def clean_unit_credit_code(self):
        value = self.cleaned_data.get("unit_credit_code", "").strip().upper()
        if value and len(value) != 18:
            raise forms.ValidationError("统一社会信用代码应为18位。")
        return value


class MoveForm(StyledFormMixin, forms.Form):
    new_parent = OrgChoiceField(queryset=Org.objects.none(), label="新的上级党组织")
    on = forms.DateField(label="调整日期", widget=DATE_WIDGET, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, parent_queryset=None, **kwargs):
        super().__init__(*args, **kwargs)
        if parent_queryset is not None:
            self.fields["new_parent"].queryset = parent_queryset


class DissolveForm(StyledFormMixin, forms.Form):
    on = forms.DateField(label="撤销日期", widget=DATE_WIDGET)
    reason = forms.CharField(label="撤销原因", max_length=255, widget=forms.Textarea(attrs={"rows": 3}))
    version = forms.IntegerField(widget=forms.HiddenInput)


class TermForm(StyledFormMixin, forms.Form):
    elected_on = forms.DateField(label="选举日期", widget=DATE_WIDGET)
    has_committee = forms.BooleanField(label="设立委员会", required=False, initial=True)
    note = forms.CharField(label="备注", max_length=255, required=False)


class OfficerForm(StyledFormMixin, forms.Form):
    role = forms.ChoiceField(label="职务", choices=OrgRole.choices)
    name = forms.CharField(label="姓名", max_length=64)
    starts_on = forms.DateField(label="任职日期", widget=DATE_WIDGET)
