"""Authentication backend: Django's ModelBackend, with the user of every request read by a precompiled statement.

`get_user` runs on every authenticated request (the session names the user): the same statement as Django's
(`User.objects.get(pk=…)`, every column), compiled to SQL once per process (`core.sql.Precompiled`) instead of
on each request. The row is always read live, so a deactivated account is refused at its next request as
before (`user_can_authenticate`); the session's auth hash is checked by Django as before."""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend as DjangoModelBackend
from django.core.exceptions import ValidationError

from dangjian.accounts.models import User
from dangjian.core.sql import Precompiled

_USER_ROW = Precompiled(lambda pk: User._default_manager.filter(pk=pk), -8_301_002)


class ModelBackend(DjangoModelBackend):
    def get_user(self, user_id):
        try:
            pk = User._meta.pk.to_python(user_id)
        except ValidationError:
            return None
        rows = _USER_ROW.rows(pk) if pk is not None else []
        user = rows[0] if rows else None
        return user if user is not None and self.user_can_authenticate(user) else None
