"""Widgets rendered in Python: Django's <select> takes two template includes per option (the option and its
attributes), a third of a list page's CPU when a filter form has a few long choice lists (56 ethnicities).

`fast(widget)` turns a Select/SelectMultiple into its subclass below, which builds the same markup with
format_html (every name, value and label escaped) from the widget's own context, so selection, ids and
attributes are Django's. Other widgets are left as they are.
"""

from __future__ import annotations

from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe


def _attrs(attrs: dict) -> str:
    # Django's attrs.html: False and None leave the attribute out, True writes it bare.
    return flatatt({k: v for k, v in attrs.items() if v is not False and v is not None})


class PythonSelectMixin:
    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        parts = [format_html('<select name="{}"{}>', widget["name"], mark_safe(_attrs(widget["attrs"])))]
        for group, options, _index in widget["optgroups"]:
            rows = format_html_join(
                "",
                '<option value="{}"{}>{}</option>',
                ((o["value"], mark_safe(_attrs(o["attrs"])), o["label"]) for o in options),
            )
            parts.append(format_html('<optgroup label="{}">{}</optgroup>', group, rows) if group else rows)
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
