"""URLs of the orglife app."""

app_name = "orglife"

urlpatterns: list = []
