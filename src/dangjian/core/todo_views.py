"""The 待办事项 page: every deadline in the user's scope, overdue first."""

from django.shortcuts import render
from django.utils import timezone

from dangjian.core.todos import collect


def todo_list(request):
    groups = collect(request.user, timezone.localdate())
    return render(request, "core/todos.html", {"groups": groups, "total": sum(len(items) for _, items in groups)})
