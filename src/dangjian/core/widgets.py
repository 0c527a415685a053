"""Widgets rendered in Python: Django's <select> takes two template includes per option (the option and its
attributes), a third of a list page's CPU when a filter form has a few long choice lists (56 ethnicities).

`fast(widget)` turns a Select/SelectMultiple into its subclass below, which builds the same markup with
html.escape (every name, value and label escaped) from the widget's own context, so selection, ids and
attributes are Django's. Other widgets are left as they are.
"""

from __future__ import annotations

from html import escape

from django import forms
from django.utils.safestring import mark_safe


def _e(value) -> str:
    return escape(str(value), quote=True)  # Django's escape() without its lazy-string check


def _attrs(attrs: dict) -> str:
    # As Django's attrs.html: False and None leave the attribute out, True writes it bare.
    return "".join(
        f" {_e(k)}" if v is True else f' {_e(k)}="{_e(v)}"'
        for k, v in attrs.items()
        if v is not False and v is not None
    )


class PythonSelectMixin:
    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        parts = [f'<select name="{_e(widget["name"])}"{_attrs(widget["attrs"])}>']
        for group, options, _index in widget["optgroups"]:
            if group:
                parts.append(f'<optgroup label="{_e(group)}">')
            parts.extend(
                f'<option value="{_e(o["value"])}"{_attrs(o["attrs"])}>{_e(o["label"])}</option>' for o in options
            )
            if group:
                parts.append("</optgroup>")
        parts.append("</select>")
        return mark_safe("".join(parts))


class PythonSelect(PythonSelectMixin, forms.Select):
    pass


class PythonSelectMultiple(PythonSelectMixin, forms.SelectMultiple):
    pass


def fast(widget):
    """The widget, rendered in Python when it is a plain (multiple) select."""
    if type(widget) is forms.Select:
        widget.__class__ = PythonSelect
    elif type(widget) is forms.SelectMultiple:
        widget.__class__ = PythonSelectMultiple
    return widget
