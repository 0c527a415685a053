"""The 待办事项 page: every deadline in the user's scope, overdue first."""

from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe

from dangjian.core.todos import cached


def _rendered(groups) -> tuple[int, str]:
    total = sum(len(items) for _, items in groups)
    return total, render_to_string("core/_todo_groups.html", {"groups": groups})


def todo_list(request):
    """The list is rendered once and kept with the to-dos (core.todos.cached): a county has a thousand items."""
    total, html = cached(request.user, timezone.localdate(), "page", _rendered)
    return render(request, "core/todos.html", {"groups_html": mark_safe(html), "total": total})
