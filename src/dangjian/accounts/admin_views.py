"""Account administration: the system administrator keeps accounts, the security administrator
grants roles and unlocks. Every list and object comes through `restrict`."""

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import redirect, render

from dangjian.accounts import actions
from dangjian.accounts.forms import AssignRoleForm, ExpiryForm, UserCreateForm
from dangjian.accounts.models import Role, RoleAssignment, User
from dangjian.core.errors import ConcurrentEdit, OutOfScope, RuleViolation
from dangjian.core.scope import has_permission, restrict
from dangjian.core.views import ScopedView
from dangjian.orgs.models import Org


class UserListView(ScopedView):
    queryset = User.objects.all()

    def get(self, request):
        users = self.get_queryset().order_by("username")
        text = request.GET.get("q", "").strip()[:64]
        if text:
            users = users.filter(Q(username__icontains=text) | Q(display_name__icontains=text))
        page = Paginator(users, 50).get_page(request.GET.get("page"))
        return render(
            request,
            "accounts/user_list.html",
            {"page": page, "q": text, "can_create": has_permission(request.user, "accounts.manage_user")},
        )


class UserCreateView(ScopedView):
    queryset = User.objects.all()
    action = "manage"

    def get(self, request):
        self.check_permission()
        return render(request, "accounts/user_form.html", {"form": UserCreateForm()})

    def post(self, request):
        self.check_permission()
        form = UserCreateForm(request.POST)
        if form.is_valid():
            try:
                user, password = actions.create_user(
                    form.cleaned_data["username"],
                    actor=request.user,
                    display_name=form.cleaned_data["display_name"],
                    expires_on=form.cleaned_data.get("expires_on"),
                )
            except (RuleViolation, OutOfScope) as exc:
                form.add_error("expires_on" if getattr(exc, "field", "") == "expires_on" else "username", str(exc))
            else:
                return render(request, "accounts/user_password.html", {"account": user, "password": password})
        return render(request, "accounts/user_form.html", {"form": form}, status=400)


class UserDetailView(ScopedView):
    queryset = User.objects.all()

    def context(self, account, form=None):
        user = self.request.user
        return {
            "account": account,
            "assignments": RoleAssignment.objects.filter(user=account)
            .select_related("role", "org")
            .order_by("org__path"),
            "form": form or self.role_form(),
            "expiry_form": ExpiryForm(initial={"expires_on": account.expires_on, "was": account.expires_on}),
            "dormant_days": settings.DORMANT_DAYS,
            "can": {
                "manage": has_permission(user, "accounts.manage_user")
                and actions.may_manage(user, account, "accounts.manage_user"),
                "assign": has_permission(user, "accounts.assign_role"),
                "unlock": has_permission(user, "accounts.unlock_user"),
            },
        }

    def role_form(self, data=None):
        orgs = (
            restrict(Org.objects.active(), self.request.user, "view")
            if has_permission(self.request.user, "orgs.view_org")
            else Org.objects.active()
        )
        return AssignRoleForm(data, roles=Role.objects.all(), orgs=orgs)

    def get(self, request, pk):
        account = self.get_object(pk=pk)
        return render(request, "accounts/user_detail.html", self.context(account))

    def post(self, request, pk):
        account = self.get_object(pk=pk)
        op = request.POST.get("op")
        try:
            if op == "assign":
                form = self.role_form(request.POST)
                if not form.is_valid():
                    return render(request, "accounts/user_detail.html", self.context(account, form), status=400)
                actions.assign_role(account, form.cleaned_data["role"], form.cleaned_data["org"], actor=request.user)
                messages.success(request, "已授予角色。")
            elif op == "revoke":
                assignment = RoleAssignment.objects.select_related("org", "role", "user").get(
                    pk=request.POST.get("assignment"), user=account
                )
                actions.revoke_role(assignment, actor=request.user)
                messages.success(request, "已收回角色。")
            elif op in ("disable", "enable"):
                actions.set_active(account, op == "enable", actor=request.user)
                messages.success(request, "账号已停用。" if op == "disable" else "账号已启用。")
            elif op == "expiry":
                form = ExpiryForm(request.POST)
                if not form.is_valid():
                    messages.error(request, "有效期格式不正确。")
                else:
                    actions.set_expiry(
                        account, form.cleaned_data["expires_on"], actor=request.user, expected=form.cleaned_data["was"]
                    )
                    messages.success(request, "有效期已修改。")
            elif op == "reset":
                password = actions.reset_password(account, actor=request.user)
                return render(request, "accounts/user_password.html", {"account": account, "password": password})
            elif op == "unlock":
                actions.unlock(account, actor=request.user)
                messages.success(request, "账号已解锁。")
            else:
                messages.error(request, "不支持的操作。")
        except (RuleViolation, OutOfScope) as exc:
            messages.error(request, str(exc))
        except ConcurrentEdit as exc:
            messages.error(request, exc.message)
        except RoleAssignment.DoesNotExist:
            messages.error(request, "该授权不存在。")
        return redirect("accounts:user_detail", pk=account.pk)
