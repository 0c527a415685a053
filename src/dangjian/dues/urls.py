"""URLs of the dues app."""

app_name = "dues"

urlpatterns: list = []
