"""Session engine: Django's database sessions, without a database write on every request.

`SESSION_SAVE_EVERY_REQUEST` (the sliding idle limit, IA-03) makes Django rewrite the session row on every
request: an UPDATE and a commit, which on SQLite also takes the single write lock. This engine skips that
write when nothing in the session changed and the stored expiry was pushed forward less than
`SESSION_SAVE_INTERVAL_SECONDS` ago (default 60; 0: write every time). The idle limit then counts from
the last write, at most that interval before the last request: a session may end up to a minute *earlier*
than the idle limit, never later. Any change of the session's data (login, 2FA, messages, the idle
setting) is written at once, as are new, flushed and cycled sessions.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore as DbSessionStore
from django.contrib.sessions.models import Session
from django.utils import timezone

from dangjian.core.sql import Precompiled

# Read on every request: compiled to SQL once per process (core.sql.Precompiled), run with the cookie's key.
_SESSION_ROW = Precompiled(lambda key: Session.objects.filter(session_key=key), "\x00session-key-marker")


class SessionStore(DbSessionStore):
    _stored: tuple[bytes, object] | None = None  # (serialized data, expire_date) as read from the database

    def _serialized(self, data) -> bytes:
        return self.serializer().dumps(data)  # nested values compared too, not only the top-level dict

    def _get_session_from_db(self):
        """As Django's (the row of this key whose expiry lies ahead, else None and the key forgotten), with the
        statement compiled once and the expiry compared here rather than in SQL (the same rows)."""
        key = self.session_key  # validated by SessionBase: a key of the wrong shape is None
        rows = _SESSION_ROW.rows(key) if key else []
        if rows and rows[0].expire_date > timezone.now():
            return rows[0]
        self._session_key = None
        return None

    def load(self):
        s = self._get_session_from_db()
        if s is None:
            self._stored = None
            return {}
        data = self.decode(s.session_data)
        self._stored = (self._serialized(data), s.expire_date)
        return data

    def _unchanged_and_fresh(self) -> bool:
        interval = getattr(settings, "SESSION_SAVE_INTERVAL_SECONDS", 60)
        if not interval or self._stored is None or self._session_key is None:
            return False
        data, expire_date = self._stored
        if data != self._serialized(self._session):
            return False
        # Written less than `interval` ago: the stored expiry is still within `interval` of a fresh one.
        return expire_date >= timezone.now() + timedelta(seconds=self.get_expiry_age() - interval)

    def save(self, must_create=False):
        if not must_create and self._unchanged_and_fresh():
            return
        super().save(must_create=must_create)
        if self._session_key is not None:
            self._stored = (self._serialized(self._session), self.get_expiry_date())

    def delete(self, session_key=None):
        super().delete(session_key)
        if session_key is None or session_key == self._session_key:
            self._stored = None

    def cycle_key(self):
        self._stored = None
        super().cycle_key()
