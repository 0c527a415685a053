"""Static files storage: Django's, with each file's URL kept per process.

`{% static %}` asks the storage for a file's URL on every render (ten times in the base layout: ~20 µs each,
docs/bench-load.md, session 5). The URL of a name depends only on STATIC_URL, fixed for the process, so it is
kept per name (the names are the templates' literals: a small, fixed set)."""

from __future__ import annotations

from django.contrib.staticfiles.storage import StaticFilesStorage


class KeptUrlStaticFilesStorage(StaticFilesStorage):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._urls: dict[str, str] = {}

    def url(self, name):
        kept = self._urls.get(name)
        if kept is None:
            kept = self._urls[name] = super().url(name)
        return kept
