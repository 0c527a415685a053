"""members.filters: the roster's filterset and form share their choice lists instead of deep-copying them per
request; everything else is still copied per request, and the form behaves as before."""

from django.http import QueryDict

from dangjian.members.filters import MemberFilter
from dangjian.members.models import Member


def _filter(query: str = "") -> MemberFilter:
    return MemberFilter(QueryDict(query), queryset=Member.objects.all())


def test_choices_are_shared_fields_and_widgets_are_not(db):
    a, b = _filter("sex=female"), _filter("ethnicity=汉族")
    for name, field in a.form.fields.items():
        other = b.form.fields[name]
        assert field is not other
        assert field.widget is not other.widget
        assert field.widget.attrs is not other.widget.attrs
        assert list(field.choices if hasattr(field, "choices") else []) == list(
            other.choices if hasattr(other, "choices") else []
        )
    assert a.filters["ethnicity"] is not b.filters["ethnicity"]
    assert a.filters["ethnicity"].extra["choices"] is b.filters["ethnicity"].extra["choices"]
    assert a.filters["ethnicity"].parent is a
    assert b.filters["ethnicity"].parent is b
    a.form.fields["ethnicity"].widget.attrs["class"] = "only-a"
    assert "class" not in b.form.fields["ethnicity"].widget.attrs


def test_the_form_validates_and_renders_as_before(db):
    roster = _filter("sex=female&age_band=41_45&ethnicity=汉族&sort=-age")
    assert roster.form.is_valid(), roster.form.errors
    assert roster.form.cleaned_data["sex"] == "female"
    assert roster.form.cleaned_data["sort"] == "-age"
    html = str(roster.form["ethnicity"])
    assert 'value="汉族" selected' in html
    assert html.count("<option") == len(list(roster.form.fields["ethnicity"].choices))
    assert list(roster.form.fields) == list(MemberFilter.base_filters)  # declared order
    wrong = _filter("sex=nobody")
    assert not wrong.form.is_valid()
    assert "sex" in wrong.form.errors
