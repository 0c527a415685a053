"""URL map. Every URL requires login unless its view is marked @login_not_required (AC-01)."""

from django.urls import include, path

from dangjian.core import job_views, todo_views
from dangjian.core import views as core_views

urlpatterns = [
    path("", core_views.home, name="home"),
    path("accounts/", include("dangjian.accounts.urls")),
    path("orgs/", include("dangjian.orgs.urls")),
    path("members/", include("dangjian.members.urls")),
    path("orglife/", include("dangjian.orglife.urls")),
    path("dues/", include("dangjian.dues.urls")),
    path("points/", include("dangjian.points.urls")),
    path("stats/", include("dangjian.stats.urls")),
    path("recruitment/", include("dangjian.recruitment.urls")),
    path("audit/", include("dangjian.core.urls")),
    path("api/", include("dangjian.api.urls")),
    path("jobs/<int:pk>/", job_views.job_status, name="job"),
    path("todos/", todo_views.todo_list, name="todos"),
    path("security/", include("dangjian.security.urls")),
]

handler400 = "dangjian.core.views.error_400"
handler403 = "dangjian.core.views.error_403"
handler404 = "dangjian.core.views.error_404"
handler500 = "dangjian.core.views.error_500"

# Issue 8, FLT-02: a database outage met in a middleware (session, login) is a 503 in Chinese, not a 500.
handler500 = "dangjian.security.views.server_error"
