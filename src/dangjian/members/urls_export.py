"""URLs of the roster export."""

urlpatterns: list = []
