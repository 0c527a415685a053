"""Account forms: login, password change, API token."""

from django import forms
from django.contrib.auth.forms import AuthenticationForm

from dangjian.core.forms import StyledFormMixin


class LoginForm(StyledFormMixin, AuthenticationForm):
    error_messages = {
        "invalid_login": "账号或密码不正确。",
        "inactive": "该账号已停用。",
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].label = "账号"
        self.fields["password"].label = "密码"

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        from django.conf import settings

        if user.is_demo and not settings.DEMO_MODE:
            raise forms.ValidationError("演示账号只能在演示环境中使用。", code="demo_account")
        from django.utils import timezone

        if user.expires_on is not None and user.expires_on < timezone.localdate():  # AC-03, before the daily job
            raise forms.ValidationError("该账号已过有效期，请联系系统管理员。", code="expired")


class PasswordChangeForm(StyledFormMixin, forms.Form):
    old_password = forms.CharField(
        label="当前密码", widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )
    new_password1 = forms.CharField(label="新密码", widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    new_password2 = forms.CharField(
        label="再次输入新密码", widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def __init__(self, user, *args, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_old_password(self):
        value = self.cleaned_data["old_password"]
        if not self.user.check_password(value):
            raise forms.ValidationError("当前密码不正确。")
        return value

    def clean(self):
        data = super().clean()
        if data.get("new_password1") and data.get("new_password1") != data.get("new_password2"):
            self.add_error("new_password2", "两次输入的新密码不一致。")
        return data


class TokenForm(StyledFormMixin, forms.Form):
    name = forms.CharField(label="令牌用途", max_length=64, help_text="例如：统计脚本、数据对接")


class UserCreateForm(StyledFormMixin, forms.Form):
    username = forms.CharField(label="账号名", max_length=150)
    display_name = forms.CharField(label="姓名", max_length=64)
    expires_on = forms.DateField(
        label="有效期至",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="可选。临时人员填写最后一天，次日起账号自动停用；不填为长期有效。",
    )


class ExpiryForm(StyledFormMixin, forms.Form):
    """AC-03: set or clear an account's last day of use; `was` is the date the page showed (concurrent edits)."""

    expires_on = forms.DateField(label="有效期至", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    was = forms.DateField(required=False, widget=forms.HiddenInput)


class AssignRoleForm(StyledFormMixin, forms.Form):
    role = forms.ModelChoiceField(label="角色", queryset=None, empty_label="请选择角色")
    org = forms.ModelChoiceField(label="党组织", queryset=None)

    def __init__(self, *args, roles=None, orgs=None, **kwargs):
        super().__init__(*args, **kwargs)
        from dangjian.orgs.forms import RemoteSelect

        self.fields["role"].queryset = roles
        self.fields["org"].queryset = orgs
        self.fields["org"].widget = RemoteSelect(search_url="/orgs/search/")
        self.fields["org"].error_messages["invalid_choice"] = "所选党组织不存在或不在您的管辖范围内。"
