"""{% url %} answers kept per process (core/templatetags/kept_urls.py) and static URLs kept per name
(core/staticstorage.py): the same markup as Django's, failures as before, and a different script prefix or
URLconf never gets another's answer."""

import pytest
from django.contrib.staticfiles.storage import StaticFilesStorage, staticfiles_storage
from django.template import Context, Engine
from django.urls import NoReverseMatch, reverse, set_script_prefix

from dangjian.core.templatetags.kept_urls import KeptURLNode, kept_reverse

SOURCE = (
    '{% url "home" %}|{% url "accounts:profile" %}|{% url "members:detail" 7 %}|{% url "members:detail" pk=8 %}'
    '|{% url "members:detail" obj.pk %}|{% url "orgs:search" as s %}{{ s }}|{% url name %}'
)


def _render(builtins, **context):
    return Engine(builtins=builtins).from_string(SOURCE).render(Context({"obj": {"pk": 9}, "name": "home", **context}))


def test_same_markup_as_djangos_url_tag():
    kept = _render(["dangjian.core.templatetags.kept_urls"])
    assert kept == _render([])
    assert kept == _render(["dangjian.core.templatetags.kept_urls"])  # from the kept answers
    assert "/members/7/" in kept


def test_the_projects_templates_use_the_kept_tag():
    from django.template import engines

    template = engines["django"].from_string('{% url "home" %}')
    assert any(isinstance(node, KeptURLNode) for node in template.template.nodelist)


def test_wrong_names_still_fail():
    with pytest.raises(NoReverseMatch):
        Engine(builtins=["dangjian.core.templatetags.kept_urls"]).from_string('{% url "no-such-view" %}').render(
            Context()
        )
    assert (
        Engine(builtins=["dangjian.core.templatetags.kept_urls"])
        .from_string('{% url "no-such-view" as x %}[{{ x }}]')
        .render(Context())
        == "[]"
    )


def test_script_prefix_is_part_of_the_key():
    assert kept_reverse("home", [], {}, None) == reverse("home")
    try:
        set_script_prefix("/dj/")
        assert kept_reverse("home", [], {}, None) == reverse("home") == "/dj/"
        assert kept_reverse("members:detail", [5], {}, None) == "/dj/members/5/"
    finally:
        set_script_prefix("/")
    assert kept_reverse("home", [], {}, None) == "/"


def test_other_arguments_are_reversed_each_time():
    class Pk:
        def __str__(self):
            return "11"

    assert kept_reverse("members:detail", [Pk()], {}, None) == reverse("members:detail", args=["11"])


def test_static_urls_equal_djangos():
    plain = StaticFilesStorage()
    for name in ("dist/htmx.min.js", "core/app.css", "a b/ü.js"):
        assert staticfiles_storage.url(name) == plain.url(name)
        assert staticfiles_storage.url(name) == plain.url(name)  # kept
