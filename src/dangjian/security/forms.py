from django import forms


class CodeForm(forms.Form):
    code = forms.CharField(
        label="动态验证码或恢复码",
        max_length=32,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "class": "form-control", "autofocus": True}
        ),
    )
