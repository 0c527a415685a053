"""Roster pages: 党员花名册, a member's page, add/edit, status changes, lost contact, reveal."""

from __future__ import annotations

import hashlib

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.html import format_html

from dangjian.core.errors import ConcurrentEdit, OutOfScope, RuleViolation
from dangjian.core.scope import has_permission, restrict, user_may_act_on_path
from dangjian.core.usercache import kept_for_user
from dangjian.core.views import ScopedView
from dangjian.core.widgets import fast
from dangjian.members import actions, queries, rules, transfer_views
from dangjian.members.filters import MemberFilter
from dangjian.members.forms import LostContactForm, MemberForm, StatusForm
from dangjian.members.models import SECRET_FIELDS, Member
from dangjian.orgs.models import Org

DOMAIN_ERRORS = (RuleViolation, ConcurrentEdit, OutOfScope)
SORTABLE = [("name", "姓名"), ("age", "年龄"), ("joined", "入党日期"), ("full", "转正日期"), ("org", "所在党支部")]


def _form_error(form, exc):
    field = getattr(exc, "field", None)
    form.add_error(field if field in form.fields else None, str(exc))


def masked_row(member: Member) -> dict:
    """What a list row shows: personal data masked, never decrypted for the list itself except phones' masks."""
    phone = member.get_secret("phone")
    return {"member": member, "phone": rules.mask_phone(phone) if phone else ""}


# Query parameters that do not narrow the list below the scope's (or subtree's) org counters.
UNNARROWING = {"page", "sort", "subtree"}


def _count_keeper(request):
    """The roster's total for these filters, kept per user for ROSTER_COUNT_CACHE_SECONDS (default 30; 0: off):
    a COUNT over a county's members is half the page's SQL. Others' changes show in the total within that
    delay, the user's own at once (core.usercache); the rows listed are always live."""
    from django.conf import settings

    seconds = getattr(settings, "ROSTER_COUNT_CACHE_SECONDS", 0)
    params = sorted((k, v) for k, values in request.GET.lists() if k not in ("page", "sort") for v in values)
    name = "roster-count:" + hashlib.sha256(repr(params).encode()).hexdigest()[:24]
    return lambda compute: kept_for_user(request.user, name, seconds, compute)


class RosterView(ScopedView):
    queryset = Member.objects.all()

    def get(self, request):
        base = self.get_queryset().select_related("org")
        roster = MemberFilter(request.GET, queryset=base)
        for field in roster.form.fields.values():
            css = "form-select" if hasattr(field.widget, "choices") else "form-control"
            field.widget.attrs.setdefault("class", css)
            fast(field.widget)  # the choice lists rendered in Python, not one template include per option
        subtree = None
        if roster.form.is_valid() and roster.form.cleaned_data.get("subtree"):
            subtree = restrict(Org.objects.all(), request.user).filter(pk=roster.form.cleaned_data["subtree"]).first()
        qs = roster.qs
        if not (roster.form.is_valid() and roster.form.cleaned_data.get("sort")):
            qs = qs.order_by("org__path", "name_initials", "pk")
        narrowed = any(v for k, values in request.GET.lists() if k not in UNNARROWING for v in values)
        page = queries.page_of(
            qs,
            request.GET.get("page"),
            estimate=queries.members_in_scope_estimate(request.user, subtree),
            narrowed=narrowed,
            keep=_count_keeper(request),
        )
        query = request.GET.copy()
        query.pop("page", None)
        current_sort = query.pop("sort", [""])[-1]
        context = {
            "filter": roster,
            "page": page,
            "rows": [masked_row(m) for m in page],
            "query": query.urlencode(),
            "sort": current_sort,
            "sortable": SORTABLE,
            "subtree": subtree,
            "today": timezone.localdate(),
            "can_add": has_permission(request.user, "members.add_member"),
            "can_export": has_permission(request.user, "members.export_member"),
        }
        template = "members/_roster_table.html" if request.htmx else "members/roster.html"
        return render(request, template, context)


class DetailView(ScopedView):
    queryset = Member.objects.select_related("org")

    def get(self, request, pk):
        member = self.get_object(pk=pk)
        user = request.user
        actions.record_read(member, actor=user, part="page", session=actions.reader_session(request))
        today = timezone.localdate()
        secrets = {f: member.get_secret(f) for f in SECRET_FIELDS}
        context = {
            "member": member,
            "masked": {
                "id_number": rules.mask_id_number(secrets["id_number"]) if secrets["id_number"] else "",
                "phone": rules.mask_phone(secrets["phone"]) if secrets["phone"] else "",
                "address": rules.mask_text(secrets["address"]) if secrets["address"] else "",
            },
            "age": rules.age_on(member.birth_date, today),
            "standing": rules.party_standing_years(member.full_on, today),
            "deadlines": queries.deadlines(member, today),
            "tabs": TAB_LABELS,
            "can": {
                "change": user_may_act_on_path(user, "members.change_member", member.org.path),
                "unmask": user_may_act_on_path(user, "members.unmask_member", member.org.path)
                and actions.may_reveal(member),
            },
        }
        return render(request, "members/detail.html", context)


def _records_tab(request, member):
    path = member.org.path
    return {
        "can": {
            "change": user_may_act_on_path(request.user, "members.change_member", path),
            # 困难帮扶: the visits and aid given are kept by dues (dues.HardshipAid); link there when allowed.
            "aid_visits": user_may_act_on_path(request.user, "dues.view_bill", path),
        }
    }


# The member page's tabs after 基本信息, in order: name → (label, what members/tabs/<name>.html needs). 发展信息
# is recruitment's own tab (recruitment_tags), shown before 修改记录 to those who may see recruitment cases.
TABS = {
    "placements": ("组织关系", lambda request, member: {"placements": queries.placements(member)}),
    "status": ("党籍变动", lambda request, member: {"status_changes": queries.status_changes(member)}),
    "records": ("奖惩与档案", _records_tab),
    "transfers": ("组织关系转接", lambda request, member: transfer_views.member_transfers_tab(request.user, member)),
    "mobile": ("流动情况", lambda request, member: transfer_views.member_mobile_tab(request.user, member)),
    "log": ("修改记录", lambda request, member: {"change_log": queries.change_log(member)}),
}
TAB_LABELS = [(name, label) for name, (label, _build) in TABS.items()]


class DetailTabView(ScopedView):
    """One tab of a member's page, fetched by htmx when the tab is first shown: the page renders 基本信息 only,
    so opening a member costs the statements of what is looked at (most tabs are empty for most members).
    Same scope as the page: a member outside it is a 404 here too."""

    queryset = Member.objects.select_related("org")

    def get(self, request, pk, tab):
        if tab not in TABS:
            raise Http404
        member = self.get_object(pk=pk)
        actions.record_read(member, actor=request.user, part=f"tab:{tab}", session=actions.reader_session(request))
        build = TABS[tab][1]
        return render(request, f"members/tabs/{tab}.html", {"member": member, **build(request, member)})


class RevealView(ScopedView):
    """POST only: one field in clear for a role that may unmask; audited by the action."""

    queryset = Member.objects.select_related("org")
    action = "unmask"

    def post(self, request, pk, field):
        member = self.get_object(pk=pk)
        try:
            value = actions.reveal(member, field, actor=request.user)
        except RuleViolation as exc:
            return HttpResponse(str(exc), status=400)
        return HttpResponse(format_html('<span class="revealed">{}</span>', value or "—"))


class CreateView(ScopedView):
    queryset = Member.objects.all()
    action = "add"

    def form(self, data=None):
        orgs = restrict(Org.objects.active(), self.request.user, "members.add_member")
        initial = {}
        if self.request.GET.get("org"):
            initial["org"] = self.request.GET["org"]
        return MemberForm(data, org_queryset=orgs, initial=initial)

    def get(self, request):
        self.check_permission()
        return render(request, "members/form.html", {"form": self.form(), "title": "登记党员"})

    def post(self, request):
        self.check_permission()
        form = self.form(request.POST)
        if form.is_valid():
            data = {k: v for k, v in form.cleaned_data.items() if k not in ("org", "version")}
            try:
                member = actions.add_member(form.cleaned_data["org"], actor=request.user, **data)
            except DOMAIN_ERRORS as exc:
                _form_error(form, exc)
            else:
                messages.success(request, f"已登记党员「{member.name}」。")
                return redirect("members:detail", pk=member.pk)
        return render(request, "members/form.html", {"form": form, "title": "登记党员"}, status=400)


class EditView(ScopedView):
    queryset = Member.objects.select_related("org")
    action = "change"

    def get(self, request, pk):
        member = self.get_object(pk=pk)
        initial = {f: getattr(member, f) for f in actions.PLAIN_FIELDS}
        initial["version"] = member.version
        form = MemberForm(initial=initial, editing=True)
        return render(request, "members/form.html", {"form": form, "member": member, "title": f"编辑「{member.name}」"})

    def post(self, request, pk):
        member = self.get_object(pk=pk)
        form = MemberForm(request.POST, editing=True)
        if form.is_valid():
            changes = {k: v for k, v in form.cleaned_data.items() if k in actions.PLAIN_FIELDS}
            for field in SECRET_FIELDS:
                if form.cleaned_data.get(field):
                    changes[field] = form.cleaned_data[field]
            try:
                actions.update_member(
                    member, actor=request.user, expected_version=form.cleaned_data.get("version"), **changes
                )
            except DOMAIN_ERRORS as exc:
                _form_error(form, exc)
            else:
                messages.success(request, "已保存。")
                return redirect("members:detail", pk=member.pk)
        context = {"form": form, "member": member, "title": f"编辑「{member.name}」"}
        return render(request, "members/form.html", context, status=400)


class StatusView(ScopedView):
    queryset = Member.objects.select_related("org")
    action = "change"

    def get(self, request, pk):
        member = self.get_object(pk=pk)
        form = StatusForm(initial={"version": member.version, "on": timezone.localdate()})
        return render(request, "members/form.html", {"form": form, "member": member, "title": "党籍变动"})

    def post(self, request, pk):
        member = self.get_object(pk=pk)
        form = StatusForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                actions.change_status(
                    member,
                    data["target"],
                    actor=request.user,
                    on=data["on"],
                    grounds=data["grounds"],
                    exit_kind=data.get("exit_kind") or "",
                    expected_version=data["version"],
                )
            except DOMAIN_ERRORS as exc:
                _form_error(form, exc)
            else:
                messages.success(request, "已登记党籍变动。")
                return redirect("members:detail", pk=member.pk)
        context = {"form": form, "member": member, "title": "党籍变动"}
        return render(request, "members/form.html", context, status=400)


class LostContactView(ScopedView):
    queryset = Member.objects.select_related("org")
    action = "change"

    def get(self, request, pk):
        member = self.get_object(pk=pk)
        form = LostContactForm(initial={"on": timezone.localdate()})
        return render(request, "members/form.html", {"form": form, "member": member, "title": "登记失联"})

    def post(self, request, pk):
        member = self.get_object(pk=pk)
        if request.POST.get("op") == "restore":
            try:
                actions.restore_contact(member, actor=request.user, on=timezone.localdate())
            except DOMAIN_ERRORS as exc:
                messages.error(request, str(exc))
            else:
                messages.success(request, "已登记恢复联系。")
            return redirect("members:detail", pk=member.pk)
        form = LostContactForm(request.POST)
        if form.is_valid():
            try:
                actions.mark_lost_contact(member, actor=request.user, **form.cleaned_data)
            except DOMAIN_ERRORS as exc:
                _form_error(form, exc)
            else:
                messages.success(request, "已登记为失联党员。")
                return redirect("members:detail", pk=member.pk)
        context = {"form": form, "member": member, "title": "登记失联"}
        return render(request, "members/form.html", context, status=400)
