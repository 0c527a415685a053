"""API authentication by personal token, stored only as its SM3 digest."""

from datetime import timedelta

from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from dangjian.accounts.models import ApiToken
from dangjian.core import crypto


class HashedTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() not in (b"bearer", b"token"):
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("令牌格式不正确。")
        raw = header[1].decode("ascii", errors="replace")
        token = ApiToken.objects.select_related("user").filter(digest=crypto.token_digest(raw)).first()
        now = timezone.now()
        if token is None or not token.user.is_active or (token.expires_at and token.expires_at < now):
            raise exceptions.AuthenticationFailed("令牌无效或已过期。")
        if token.user.expires_on is not None and token.user.expires_on < timezone.localdate(now):  # AC-03
            raise exceptions.AuthenticationFailed("该账号已过有效期，请联系系统管理员。")
        if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=5):
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user, token

    def authenticate_header(self, request):
        return self.keyword


class HashedTokenScheme(OpenApiAuthenticationExtension):
    target_class = HashedTokenAuthentication
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "description": "在“个人中心”创建的 API 令牌"}
