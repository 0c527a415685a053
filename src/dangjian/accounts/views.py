"""Login, logout, forced password change, and the profile page with API tokens."""

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from dangjian.accounts import actions
from dangjian.accounts.forms import LoginForm, PasswordChangeForm, TokenForm
from dangjian.accounts.models import ApiToken
from dangjian.accounts.queries import assignments_for


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def get(self, request, *args, **kwargs):
        # IA-07: credentials travel only in POST bodies.
        if "password" in request.GET or "username" in request.GET:
            return HttpResponseNotAllowed(["POST"])
        return super().get(request, *args, **kwargs)


login_view = login_not_required(LoginView.as_view())


@require_POST
def logout_view(request):
    return auth_views.LogoutView.as_view()(request)


def lockout_response(request, *args, **kwargs):
    """Shown by django-axes instead of the login result while an account and address are locked (IA-05)."""
    context = {
        "form": LoginForm(request),
        "error": "登录失败次数过多，账号已被暂时锁定，请稍后再试或联系安全管理员解锁。",
    }
    return render(request, "accounts/login.html", context, status=403)


def password_change(request):
    form = PasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.change_password(request.user, form.cleaned_data["new_password1"], actor=request.user)
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error("new_password1", message)
        else:
            update_session_auth_hash(request, request.user)
            messages.success(request, "密码已修改。")
            return redirect("home")
    forced = request.user.must_change_password
    return render(
        request, "accounts/password_change.html", {"form": form, "forced": forced}, status=400 if form.errors else 200
    )


def profile(request):
    form = TokenForm(request.POST or None)
    new_token = None
    if request.method == "POST" and form.is_valid():
        _token, new_token = actions.issue_token(request.user, name=form.cleaned_data["name"], actor=request.user)
        form = TokenForm()
    context = {
        "assignments": assignments_for(request.user),
        "tokens": ApiToken.objects.filter(user=request.user),
        "form": form,
        "new_token": new_token,
    }
    return render(request, "accounts/profile.html", context)


@require_POST
def token_revoke(request, pk):
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)
    actions.revoke_token(token, actor=request.user)
    messages.success(request, "令牌已作废。")
    return redirect("accounts:profile")
