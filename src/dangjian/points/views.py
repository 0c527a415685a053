"""党员积分 pages: rankings (branch or subtree) with star bands, a member's points and trail, manual entries
with evidence and their approval, exclusions, the catalogue of rule sets, recompute as a background job,
and 我的积分. Querysets come from `restrict` (ScopedView); writes go through points.actions."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Count
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from dangjian.core import tasks
from dangjian.core.errors import ConcurrentEdit, OutOfScope, RuleViolation
from dangjian.core.scope import restrict, user_may_act_on_path
from dangjian.core.views import ScopedView
from dangjian.members.models import Member
from dangjian.orgs.models import Org
from dangjian.orgs.queries import chosen_org
from dangjian.points import actions, queries
from dangjian.points.catalogue import Catalogue
from dangjian.points.forms import (
    EntryForm,
    ExclusionForm,
    ItemForm,
    NewVersionForm,
    PioneerAssignForm,
    PioneerPostForm,
    PioneerRecordForm,
    RuleSetCreateForm,
    RuleSetForm,
)
from dangjian.points.models import PioneerPost, PointEntry, PointItem, PointRuleSet

DOMAIN_ERRORS = (RuleViolation, ConcurrentEdit, OutOfScope)
VIEW, ENTER, APPROVE = actions.VIEW, actions.ENTER, actions.APPROVE
RULES_VIEW, RULES_CHANGE = actions.RULES_VIEW, actions.RULES_CHANGE


def _form_error(form, exc) -> None:
    field = getattr(exc, "field", None)
    form.add_error(field if field in form.fields else None, str(exc))


def _year(request) -> int:
    raw = str(request.GET.get("year") or request.POST.get("year") or "")
    return int(raw) if raw.isdigit() and len(raw) == 4 else timezone.localdate().year


def _org(request, perm: str) -> Org:
    return chosen_org(request.user, request.GET.get("org") or request.POST.get("org"), perm)


class RankingView(ScopedView):
    """积分排名: an org's members (its own, or its whole subtree) by score, with star bands."""

    queryset = PointEntry.objects.all()
    action = VIEW

    def get(self, request):
        self.check_permission()
        org = _org(request, VIEW)
        year = _year(request)
        branch_only = request.GET.get("scope") == "branch"
        rows = queries.scores(queries.members_in(org, request.user, branch_only=branch_only), year,
                              timezone.localdate())  # fmt: skip
        children = Org.objects.filter(parent=org, dissolved_on__isnull=True).order_by("sort_order", "path")
        context = {
            "org": org, "year": year, "rows": rows[:300], "total": len(rows), "branch_only": branch_only,
            "children": children, "pending": queries.pending(org, request.user).count(),
            "can_recompute": user_may_act_on_path(request.user, APPROVE, org.path),
        }  # fmt: skip
        return render(request, "points/ranking.html", context)


class RecomputeView(ScopedView):
    """POST: recompute the year's automatic points of the org's subtree as a background job."""

    queryset = PointEntry.objects.all()
    action = APPROVE

    def post(self, request):
        self.check_permission()
        org = _org(request, APPROVE)
        year = _year(request)
        job = tasks.start("points_recompute", f"重新计算积分：{org.name} {year}年",
                          "dangjian.points.accrual.recompute_job", user=request.user,
                          params={"org": org.pk, "year": year})  # fmt: skip
        messages.success(request, job.message or "已开始重新计算积分。")
        return redirect(reverse("points:ranking") + f"?org={org.pk}&year={year}")


class MemberPointsView(ScopedView):
    """A member's score, stars and the trail of entries; forms to enter an item and to exclude the member."""

    queryset = Member.objects.select_related("org")
    action = VIEW

    def context(self, member, entry_form=None, exclusion_form=None):
        request = self.request
        year = _year(request)
        today = timezone.localdate()
        items = [i for i in Catalogue().items_of(Catalogue().rule_set(member.org.path, today))
                 if i.source in actions.MANUAL_SOURCES]  # fmt: skip
        return {
            "member": member, "year": year, "score": queries.member_score(member, year, today),
            "trail": queries.trail(member, year),
            "can_enter": user_may_act_on_path(request.user, ENTER, member.org.path),
            "can_exclude": user_may_act_on_path(request.user, APPROVE, member.org.path),
            "entry_form": entry_form or EntryForm(items=items, initial={"occurred_on": today, "quantity": 1}),
            "exclusion_form": exclusion_form or ExclusionForm(initial={"year": year}),
        }  # fmt: skip

    def get(self, request, pk):
        member = self.get_object(pk=pk)
        return render(request, "points/member.html", self.context(member))

    def post(self, request, pk):
        step = request.POST.get("step")
        self.action = APPROVE if step == "exclude" else ENTER
        member = self.get_object(pk=pk)
        if step == "exclude":
            form = ExclusionForm(request.POST)
            if form.is_valid():
                try:
                    actions.exclude_member(member, actor=request.user, **form.cleaned_data)
                except DOMAIN_ERRORS as exc:
                    _form_error(form, exc)
                else:
                    messages.success(request, "已登记免于积分。")
                    return redirect("points:member", pk=member.pk)
            return render(request, "points/member.html", self.context(member, exclusion_form=form), status=400)
        items = list(PointItem.objects.filter(source__in=actions.MANUAL_SOURCES))
        form = EntryForm(request.POST, items=items)
        if form.is_valid():
            d = form.cleaned_data
            item = next(i for i in items if i.pk == d["item"])
            try:
                actions.enter_points(member, item, actor=request.user, occurred_on=d["occurred_on"],
                                     evidence=d["evidence"], quantity=d["quantity"])  # fmt: skip
            except DOMAIN_ERRORS as exc:
                _form_error(form, exc)
            else:
                messages.success(request, "已登记，待支部审核后计入积分。")
                return redirect("points:member", pk=member.pk)
        return render(request, "points/member.html", self.context(member, entry_form=form), status=400)


class PendingView(ScopedView):
    """积分审核: entries of the subtree waiting for the branch's approval."""

    queryset = PointEntry.objects.all()
    action = VIEW

    def get(self, request):
        self.check_permission()
        org = _org(request, VIEW)
        rows = queries.pending(org, request.user)[:200]
        can_review = user_may_act_on_path(request.user, APPROVE, org.path)
        return render(request, "points/pending.html", {"org": org, "rows": rows, "can_review": can_review})


class ReviewView(ScopedView):
    """POST: approve or refuse one entered item."""

    queryset = PointEntry.objects.select_related("org")
    action = APPROVE

    def post(self, request, pk):
        entry = self.get_object(pk=pk)
        try:
            actions.review_entry(entry, actor=request.user, approve=request.POST.get("approve") == "1")
        except DOMAIN_ERRORS as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, "已审核。")
        return redirect(reverse("points:pending") + f"?org={entry.org_id}")


class RuleListView(ScopedView):
    """积分规则: the rule sets in force for an org (its own and those of the jurisdictions above, read-only)
    and a form to adopt a §6 template."""

    queryset = PointRuleSet.objects.all()
    action = "view"

    def context(self, org, form=None):
        prefixes = [org.path[:i] for i in range(len(org.path), 0, -1)]
        sets = (
            PointRuleSet.objects.filter(org__path__in=prefixes)
            .select_related("org")
            .order_by("org__path", "-effective_from")
        )
        form = form or RuleSetCreateForm(initial={"effective_from": timezone.localdate()})
        return {
            "org": org, "sets": sets, "form": form,
            "can_change": user_may_act_on_path(self.request.user, RULES_CHANGE, org.path),
        }  # fmt: skip

    def get(self, request):
        self.check_permission()
        org = _org(request, RULES_VIEW)
        return render(request, "points/rules.html", self.context(org))

    def post(self, request):
        self.action = "change"
        self.check_permission()
        org = _org(request, RULES_CHANGE)
        form = RuleSetCreateForm(request.POST)
        if form.is_valid():
            try:
                rule_set = actions.create_rule_set(org, actor=request.user, **form.cleaned_data)
            except DOMAIN_ERRORS as exc:
                _form_error(form, exc)
            else:
                messages.success(request, "已建立积分规则。")
                return redirect("points:rule_set", pk=rule_set.pk)
        return render(request, "points/rules.html", self.context(org, form), status=400)


class RuleSetView(ScopedView):
    """One rule set: its items; edit (refused once points exist), add an item, or start a new version."""

    queryset = PointRuleSet.objects.select_related("org")
    action = "view"

    def context(self, rule_set, **forms):
        bands = ", ".join(f"{lo}:{s}" for lo, s in rule_set.star_bands)
        return {
            "rule_set": rule_set, "items": rule_set.items.all(),
            "can_change": user_may_act_on_path(self.request.user, RULES_CHANGE, rule_set.org.path),
            "set_form": forms.get("set_form") or RuleSetForm(initial={
                "name": rule_set.name, "base_score": rule_set.base_score, "floor": rule_set.floor,
                "ceiling": rule_set.ceiling, "yearly_reset": rule_set.yearly_reset, "star_bands": bands,
                "version": rule_set.version}),
            "item_form": forms.get("item_form") or ItemForm(),
            "version_form": forms.get("version_form") or NewVersionForm(),
        }  # fmt: skip

    def get(self, request, pk):
        rule_set = self.get_object(pk=pk)
        return render(request, "points/rule_set.html", self.context(rule_set))

    def post(self, request, pk):
        self.action = "change"
        rule_set = self.get_object(pk=pk)
        step = request.POST.get("step")
        form_class = {"item": ItemForm, "version": NewVersionForm}.get(step, RuleSetForm)
        form = form_class(request.POST)
        if form.is_valid():
            d = dict(form.cleaned_data)
            try:
                if step == "item":
                    actions.save_item(rule_set, actor=request.user, **d)
                    target = rule_set
                elif step == "version":
                    target = actions.new_version(rule_set, actor=request.user, effective_from=d["effective_from"])
                else:
                    version = d.pop("version")
                    target = actions.update_rule_set(rule_set, actor=request.user, expected_version=version, **d)
            except DOMAIN_ERRORS as exc:
                _form_error(form, exc)
            else:
                messages.success(request, "已保存。")
                return redirect("points:rule_set", pk=target.pk)
        key = {"item": "item_form", "version": "version_form"}.get(step, "set_form")
        return render(request, "points/rule_set.html", self.context(rule_set, **{key: form}), status=400)


def my_points(request):
    """我的积分: the signed-in member's own score, stars and trail (the account must be linked to a member)."""
    from dangjian.orglife.queries import member_of as linked_member

    member = linked_member(request.user)
    year = _year(request)
    today = timezone.localdate()
    context = {"member": member, "year": year}
    if member is not None:
        context.update(score=queries.member_score(member, year, today), trail=queries.trail(member, year))
    return render(request, "points/mine.html", context)


class PioneerListView(ScopedView):
    """EDU-06 先锋岗: the posts, zones, volunteer teams and projects of an org's subtree; set up a new one."""

    queryset = PointEntry.objects.all()
    action = VIEW

    def context(self, org, form=None):
        posts = restrict(PioneerPost.objects.select_related("org"), self.request.user, VIEW).filter(
            org__path__in_subtree=org.path
        )
        return {
            "org": org, "posts": posts.annotate(n=Count("members")).order_by("org__path", "kind", "name")[:300],
            "form": form or PioneerPostForm(initial={"started_on": timezone.localdate()}),
            "can_change": user_may_act_on_path(self.request.user, ENTER, org.path),
        }  # fmt: skip

    def get(self, request):
        self.check_permission()
        return render(request, "points/pioneer_list.html", self.context(_org(request, VIEW)))

    def post(self, request):
        self.action = ENTER
        self.check_permission()
        org = _org(request, ENTER)
        form = PioneerPostForm(request.POST)
        if form.is_valid():
            try:
                post = actions.create_post(org, actor=request.user, **form.cleaned_data)
            except DOMAIN_ERRORS as exc:
                _form_error(form, exc)
            else:
                messages.success(request, "已设立。")
                return redirect("points:pioneer", pk=post.pk)
        return render(request, "points/pioneer_list.html", self.context(org, form), status=400)


class PioneerView(ScopedView):
    """One post: its members and their duty records; assign a member, record duty (optionally for points)."""

    queryset = PioneerPost.objects.select_related("org")
    action = "points.view_pointentry"

    def context(self, post, **forms):
        candidates = queries.members_in(post.org, self.request.user)
        on_post = list(post.members.select_related("member").order_by("since", "pk"))
        return {
            "post": post, "on_post": on_post,
            "records": post.records.select_related("member", "point_entry")[:100],
            "can_change": user_may_act_on_path(self.request.user, ENTER, post.org.path),
            "assign_form": forms.get("assign_form") or PioneerAssignForm(members=candidates),
            "record_form": forms.get("record_form") or PioneerRecordForm(
                members=[r.member for r in on_post], initial={"occurred_on": timezone.localdate()}),
        }  # fmt: skip

    def get(self, request, pk):
        return render(request, "points/pioneer.html", self.context(self.get_object(pk=pk)))

    def post(self, request, pk):
        self.action = ENTER
        post = self.get_object(pk=pk)
        step = request.POST.get("step")
        members = {m.pk: m for m in queries.members_in(post.org, request.user)}
        form_class = PioneerAssignForm if step == "assign" else PioneerRecordForm
        form = form_class(request.POST, members=members.values())
        if form.is_valid():
            d = dict(form.cleaned_data)
            member = members[d.pop("member")]
            try:
                if step == "assign":
                    actions.assign_pioneer(post, member, actor=request.user, role=d["role"])
                else:
                    actions.record_duty(post, member, actor=request.user, **d)
            except DOMAIN_ERRORS as exc:
                _form_error(form, exc)
            else:
                messages.success(request, "已保存。")
                return redirect("points:pioneer", pk=post.pk)
        key = "assign_form" if step == "assign" else "record_form"
        return render(request, "points/pioneer.html", self.context(post, **{key: form}), status=400)
