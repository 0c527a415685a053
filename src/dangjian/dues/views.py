"""党费 pages: a branch's bills for a month with bulk payment, bill generation, arrears and collection rates;
a member's dues page (计算基数 history, unpaid months, payments); a hardship waiver for one bill.

Querysets come from `restrict` (ScopedView); writes go through dues.actions.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from dangjian.core.errors import ConcurrentEdit, OutOfScope, RuleViolation
from dangjian.core.scope import user_may_act_on_path
from dangjian.core.views import ScopedView
from dangjian.dues import actions, queries, rules
from dangjian.dues.forms import (
    AidForm,
    HardshipApprovalForm,
    HardshipBranchForm,
    HardshipForm,
    LedgerForm,
    PaymentForm,
    ProfileForm,
    WaiveForm,
    parse_month,
)
from dangjian.dues.models import Bill, BillStatus, HardshipApplication, LedgerEntry, Payment
from dangjian.members.models import Member
from dangjian.orglife.queries import account_of
from dangjian.orgs.models import Org
from dangjian.orgs.queries import chosen_org

DOMAIN_ERRORS = (RuleViolation, ConcurrentEdit, OutOfScope)
VIEW, CHANGE = actions.VIEW, actions.CHANGE
PER_PAGE = 100


def _form_error(form, exc) -> None:
    field = getattr(exc, "field", None)
    form.add_error(field if field in form.fields else None, str(exc))


def _back(request, default: str) -> str:
    """Where to return after a POST: a page of this app, never another host."""
    target = request.POST.get("next", "")
    if target.startswith("/dues/") and not target.startswith("//"):
        return target
    return default


def list_url(org: Org, month) -> str:
    return reverse("dues:bill_list") + f"?org={org.pk}&month={month:%Y-%m}"


class BillListView(ScopedView):
    """党费收缴: one org (its subtree) and one month; tick boxes to record payments in bulk."""

    queryset = Bill.objects.all()
    action = VIEW

    def org(self, request) -> Org:
        return chosen_org(request.user, request.GET.get("org"), VIEW)

    def get(self, request):
        self.check_permission()
        org = self.org(request)
        today = timezone.localdate()
        month = parse_month(request.GET.get("month")) or rules.month_start(today)
        user = request.user
        page = Paginator(queries.bills_of(org, month, user), PER_PAGE).get_page(request.GET.get("page"))
        subtree_bills = queries.visible_bills(user).filter(org__path__in_subtree=org.path)
        can_change = user_may_act_on_path(user, CHANGE, org.path)
        context = {
            "org": org,
            "month": month,
            "page": page,
            "can_change": can_change,
            "summary": queries.collection(org, month, user),
            "children": queries.collection_by_child(org, month, user),
            "by_month": queries.collection_by_month(org, month, user),
            "arrears": queries.arrears(subtree_bills, month, at_least=1)[:200],
            "payment_form": PaymentForm(initial={"paid_on": today, "method": "cash"}),
            "previous": rules.month_shift(month, -1),
            "next": rules.month_shift(month, 1),
            "is_current": month >= rules.month_start(today),
            "here": list_url(org, month),
        }
        return render(request, "dues/bill_list.html", context)


class GenerateView(ScopedView):
    """POST: issue the month's bills for the org's subtree (idempotent)."""

    queryset = Org.objects.all()
    action = CHANGE

    def post(self, request):
        org = self.get_object(pk=request.POST.get("org") if str(request.POST.get("org", "")).isdigit() else 0)
        month = parse_month(request.POST.get("month")) or rules.month_start(timezone.localdate())
        try:
            result = actions.generate_bills(org, month, actor=request.user)
        except DOMAIN_ERRORS as exc:
            messages.error(request, str(exc))
            return redirect(list_url(org, month))
        text = f"{month:%Y年%m月}：新生成账单 {result.created} 张，已有账单 {result.existing} 张。"
        if result.missing_profile:
            names = "、".join(m.name for m in result.missing_profile[:20])
            more = f"等{result.missing_count}人" if result.missing_count > 20 else ""
            messages.warning(request, f"{names}{more}尚未登记党费计算基数，未生成账单。")
        messages.success(request, text)
        return redirect(list_url(org, month))


class PayView(ScopedView):
    """POST: record payments for the ticked bills (one payment per member; DUES-15 at most 6 months each)."""

    queryset = Bill.objects.all()
    action = CHANGE

    def post(self, request):
        ids = [i for i in request.POST.getlist("bill") if i.isdigit()]
        back = _back(request, reverse("dues:bill_list"))
        form = PaymentForm(request.POST)
        if not ids:
            self.check_permission()
            messages.error(request, "请勾选要登记交纳的党员。")
            return redirect(back)
        bills = list(self.get_queryset().filter(pk__in=ids))
        if len(bills) != len(set(ids)):
            raise Http404
        if not form.is_valid():
            messages.error(request, "；".join(e for errors in form.errors.values() for e in errors))
            return redirect(back)
        data = form.cleaned_data
        if data.get("with_arrears"):
            bills = queries.with_earlier_unpaid(bills, self.get_queryset())
        try:
            payments = actions.record_payment(
                bills, actor=request.user, paid_on=data["paid_on"], method=data["method"],
                reference=data["reference"], proxy=data["proxy"], extra=data.get("extra") or 0,
            )  # fmt: skip
        except DOMAIN_ERRORS as exc:
            messages.error(request, str(exc))
        else:
            total = sum(p.amount for p in payments)
            messages.success(request, f"已登记 {len(payments)} 人、{len(bills)} 个月的党费，共 {total} 元。")
        return redirect(back)


class WaiveView(ScopedView):
    """DUES-10: mark one unpaid bill as reduced or waived, citing the upper committee's approval."""

    queryset = Bill.objects.select_related("member", "org")
    action = CHANGE

    def context(self, bill, form):
        return {"bill": bill, "form": form, "title": f"党费减免：{bill.member.name} {bill.month:%Y年%m月}"}

    def get(self, request, pk):
        bill = self.get_object(pk=pk)
        return render(request, "dues/waive.html", self.context(bill, WaiveForm()))

    def post(self, request, pk):
        bill = self.get_object(pk=pk)
        form = WaiveForm(request.POST)
        if form.is_valid():
            try:
                actions.waive_bills([bill], actor=request.user, **form.cleaned_data)
            except DOMAIN_ERRORS as exc:
                _form_error(form, exc)
            else:
                messages.success(request, "已登记党费减免。")
                return redirect(list_url(bill.org, bill.month))
        return render(request, "dues/waive.html", self.context(bill, form), status=400)


class MemberDuesView(ScopedView):
    """A member's dues: the 计算基数 history and its form, unpaid months (tick to pay), payments."""

    queryset = Member.objects.select_related("org")
    action = VIEW

    def context(self, member, form):
        user = self.request.user
        bills = Bill.objects.filter(member=member).select_related("payment").order_by("-month")
        return {
            "member": member,
            "form": form,
            "profiles": queries.profiles(member),
            "unpaid": [b for b in bills if b.status == BillStatus.DUE],
            "bills": bills[:24],
            "payments": Payment.objects.filter(member=member).order_by("-paid_on", "-pk")[:24],
            "payment_form": PaymentForm(initial={"paid_on": timezone.localdate(), "method": "cash"}),
            "can_change": user_may_act_on_path(user, CHANGE, member.org.path),
            "max_months": rules.ARREARS_MONTHS_ALLOWED,
            "here": reverse("dues:member", args=[member.pk]),
            "hardship": HardshipApplication.objects.filter(member=member).order_by("-applied_on", "-pk")[:10],
            "linked_user": account_of(member),
        }

    def get(self, request, pk):
        member = self.get_object(pk=pk)
        current = queries.profiles(member).first()
        initial = {"effective_from": rules.month_start(timezone.localdate())}
        if current is not None:
            initial.update(category=current.category, base=current.base)
        return render(request, "dues/member.html", self.context(member, ProfileForm(initial=initial)))

    def post(self, request, pk):
        self.action = CHANGE
        member = self.get_object(pk=pk)
        form = ProfileForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                actions.set_profile(
                    member, data["category"], data["base"], data["effective_from"],
                    actor=request.user, note=data["note"], confirmed=data["confirm"],
                )  # fmt: skip
            except DOMAIN_ERRORS as exc:
                _form_error(form, exc)
            else:
                messages.success(request, "已保存党费计算基数。")
                return redirect("dues:member", pk=member.pk)
        return render(request, "dues/member.html", self.context(member, form), status=400)


def _org_param(request, perm: str) -> Org:
    """The org named by ?org= (or the user's first scope root) among those the user may see."""
    return chosen_org(request.user, request.GET.get("org") or request.POST.get("org"), perm)


class CollectionView(ScopedView):
    """交纳率: an org's subtree and each child over a month, quarter or year; amounts due vs paid."""

    queryset = Bill.objects.all()
    action = VIEW

    def get(self, request):
        self.check_permission()
        org = _org_param(request, VIEW)
        today = timezone.localdate()
        period = (request.GET.get("period") or f"{today.year}").strip().upper()
        try:
            rules.period_bounds(period)
        except ValueError as exc:
            messages.error(request, str(exc))
            period = f"{today.year}"
        year = int(period[:4])
        quarters = [f"{year}-Q{q}" for q in range(1, 5)]
        context = {
            "org": org,
            "period": period,
            "summary": queries.collection_period(org, period, request.user),
            "children": queries.collection_period_by_child(org, period, request.user),
            "quarters": [queries.collection_period(org, q, request.user) for q in quarters],
            "year_row": queries.collection_period(org, str(year), request.user),
            "choices": [str(year - 1), str(year), *quarters],
        }
        return render(request, "dues/collection.html", context)


class HardshipListView(ScopedView):
    """DUES-10 困难党员减免申请: the applications of the subtree and where each stands."""

    queryset = HardshipApplication.objects.all()
    action = VIEW

    def get(self, request):
        self.check_permission()
        org = _org_param(request, VIEW)
        rows = queries.hardship_applications(request.user, org)[:200]
        return render(request, "dues/hardship_list.html", {"org": org, "rows": rows})


class HardshipApplyView(ScopedView):
    """DUES-10 step 1: register a member's application (from the member's dues page)."""

    queryset = Member.objects.select_related("org")
    action = CHANGE

    def context(self, member, form):
        return {"member": member, "form": form, "title": f"困难党员减免党费申请：{member.name}"}

    def get(self, request, pk):
        member = self.get_object(pk=pk)
        return render(request, "dues/hardship_apply.html", self.context(member, HardshipForm()))

    def post(self, request, pk):
        member = self.get_object(pk=pk)
        form = HardshipForm(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            try:
                app = actions.apply_hardship(
                    member, actor=request.user, kind=d["kind"], first_month=d["first_month"],
                    last_month=d["last_month"], reason=d["reason"], monthly_amount=d["monthly_amount"] or 0,
                )  # fmt: skip
            except DOMAIN_ERRORS as exc:
                _form_error(form, exc)
            else:
                messages.success(request, "已登记减免申请，请支部研究。")
                return redirect("dues:hardship", pk=app.pk)
        return render(request, "dues/hardship_apply.html", self.context(member, form), status=400)


class HardshipView(ScopedView):
    """One application: the branch's decision, then the upper committee's approval (DUES-10)."""

    queryset = HardshipApplication.objects.select_related("member", "org", "org__parent")
    action = VIEW

    def context(self, app, branch_form=None, approval_form=None):
        user = self.request.user
        parent = app.org.parent
        return {
            "app": app,
            "title": f"党费减免申请：{app.member.name}",
            "can_branch": app.status == "applied" and user_may_act_on_path(user, CHANGE, app.org.path),
            "can_approve": app.status == "branch_agreed"
            and parent is not None
            and user_may_act_on_path(user, CHANGE, parent.path),
            "branch_form": branch_form or HardshipBranchForm(initial={"version": app.version, "agree": "1"}),
            "approval_form": approval_form or HardshipApprovalForm(initial={"version": app.version, "approve": "1"}),
        }

    def get(self, request, pk):
        app = self.get_object(pk=pk)
        return render(request, "dues/hardship.html", self.context(app))

    def post(self, request, pk):
        self.action = CHANGE
        app = self.get_object(pk=pk)
        step = request.POST.get("step")
        form = HardshipBranchForm(request.POST) if step == "branch" else HardshipApprovalForm(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            try:
                if step == "branch":
                    actions.decide_hardship(
                        app, actor=request.user, agree=d["agree"], decision=d["decision"],
                        expected_version=d["version"],
                    )  # fmt: skip
                else:
                    actions.approve_hardship(
                        app, actor=request.user, approve=d["approve"], reference=d["reference"],
                        reason=d["reason"], expected_version=d["version"],
                    )  # fmt: skip
            except DOMAIN_ERRORS as exc:
                _form_error(form, exc)
            else:
                messages.success(request, "已登记。")
                return redirect("dues:hardship", pk=app.pk)
        kwargs = {"branch_form": form} if step == "branch" else {"approval_form": form}
        return render(request, "dues/hardship.html", self.context(app, **kwargs), status=400)


class MemberAidView(ScopedView):
    """困难党员帮扶: a member's hardship view: the DUES-10 applications, every visit and aid (who, when, what,
    how much) and, for those who may change dues, the form to record one."""

    queryset = Member.objects.select_related("org")
    action = VIEW

    def ledger_choices(self, member):
        return queries.aid_ledger_entries(member, self.request.user)

    def context(self, member, form=None):
        user = self.request.user
        aids = queries.aids_of(member, user)
        can_change = user_may_act_on_path(user, CHANGE, member.org.path)
        if form is None and can_change:
            form = AidForm(initial={"visited_on": timezone.localdate(), "kind": "visit"},
                           ledger_entries=self.ledger_choices(member))  # fmt: skip
        return {
            "member": member,
            "title": f"困难党员帮扶：{member.name}",
            "aids": aids,
            "aid_total": queries.aid_total(aids),
            "applications": queries.hardship_applications(user).filter(member=member)[:20],
            "form": form,
            "can_change": can_change,
        }

    def get(self, request, pk):
        member = self.get_object(pk=pk)
        return render(request, "dues/aid.html", self.context(member))

    def post(self, request, pk):
        self.action = CHANGE
        member = self.get_object(pk=pk)
        choices = list(self.ledger_choices(member))  # scoped (queries.aid_ledger_entries)
        form = AidForm(request.POST, ledger_entries=choices)
        if form.is_valid():
            d = form.cleaned_data
            ledger = next((e for e in choices if e.pk == d["ledger_entry"]), None) if d["ledger_entry"] else None
            try:
                actions.record_aid(
                    member, actor=request.user, ledger_entry=ledger, visited_on=d["visited_on"],
                    visitors=d["visitors"], kind=d["kind"], given=d["given"], amount=d["amount"], note=d["note"],
                )  # fmt: skip
            except DOMAIN_ERRORS as exc:
                _form_error(form, exc)
            else:
                messages.success(request, "已登记帮扶记录。")
                return redirect("dues:aid", pk=member.pk)
        return render(request, "dues/aid.html", self.context(member, form), status=400)


class LedgerView(ScopedView):
    """DUES-18/19 党费收支台账 of one org: remittances, allocations, uses; a form to add a line."""

    queryset = LedgerEntry.objects.all()
    action = VIEW

    def context(self, request, org, form=None):
        raw_year = str(request.GET.get("year") or "")
        year = int(raw_year) if raw_year.isdigit() and len(raw_year) == 4 else timezone.localdate().year
        can_change = user_may_act_on_path(request.user, CHANGE, org.path)
        counterparts = list(Org.objects.filter(parent=org, dissolved_on__isnull=True).order_by("sort_order", "path"))
        return {
            "org": org,
            "year": year,
            "entries": queries.ledger_entries(org, request.user)[:200],
            "summary": queries.ledger_summary(org, request.user, year),
            "can_change": can_change,
            "form": form or LedgerForm(initial={"entry_date": timezone.localdate()}, counterparts=counterparts),
        }

    def get(self, request):
        self.check_permission()
        org = _org_param(request, VIEW)
        return render(request, "dues/ledger.html", self.context(request, org))

    def post(self, request):
        self.action = CHANGE
        self.check_permission()
        org = _org_param(request, CHANGE)
        counterparts = list(Org.objects.filter(parent=org, dissolved_on__isnull=True))
        form = LedgerForm(request.POST, counterparts=counterparts)
        if form.is_valid():
            d = form.cleaned_data
            counterpart = next((o for o in counterparts if o.pk == d["counterpart"]), None)
            try:
                actions.record_ledger_entry(
                    org, actor=request.user, kind=d["kind"], amount=d["amount"], entry_date=d["entry_date"],
                    counterpart=counterpart, category=d["category"], decision_reference=d["decision_reference"],
                    period=d["period"], note=d["note"],
                )  # fmt: skip
            except DOMAIN_ERRORS as exc:
                _form_error(form, exc)
            else:
                messages.success(request, "已记入党费收支台账。")
                return redirect(reverse("dues:ledger") + f"?org={org.pk}")
        return render(request, "dues/ledger.html", self.context(request, org, form), status=400)


def my_dues(request):
    """我的党费: the signed-in member's own bills, payments and 交至 month. No permission needed beyond being
    that member; an account linked to no member sees an explanation."""
    member = actions.linked_member(request.user)
    own = queries.own_dues(member) if member else None
    return render(request, "dues/mine.html", {"member": member, "own": own})
