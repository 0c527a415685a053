"""Pages of 组织关系转接 and 流动党员: lists with tabs, the start form, the letter PDF, accept / return /
cancel / receipt confirmations, the incoming paper letter, outflow and its end.

Every queryset comes from `restrict` (through ScopedView); pages that act for one side of a letter narrow it
further to that side, so the other side and everyone else get a 404.
"""

from __future__ import annotations

from urllib.parse import quote

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from dangjian.core.errors import ConcurrentEdit, OutOfScope, RuleViolation
from dangjian.core.scope import has_permission, restrict, user_may_act_on_path
from dangjian.core.views import ScopedView
from dangjian.members import letters
from dangjian.members import transfer_actions as actions
from dangjian.members import transfer_queries as queries
from dangjian.members.models import Member, MobileDirection, MobileRecord, Transfer, TransferStatus
from dangjian.members.transfer_filters import BOXES, TransferFilter
from dangjian.members.transfer_forms import (
    AcceptForm,
    EndMobileForm,
    InflowForm,
    OutflowForm,
    ReceiptForm,
    ReceiveExternalForm,
    ReturnForm,
    TransferStartForm,
    VersionForm,
)
from dangjian.orgs.models import Org

DOMAIN_ERRORS = (RuleViolation, ConcurrentEdit, OutOfScope)
VIEW = queries.VIEW
PERM = queries.PERM
PER_PAGE = 50


def _form_error(form, exc) -> None:
    field = getattr(exc, "field", None)
    form.add_error(field if field in form.fields else None, str(exc))


def _page(queryset, number):
    return Paginator(queryset, PER_PAGE).get_page(number)


# ------------------------------------------------------------------------------------------ transfers


class TransferListView(ScopedView):
    """组织关系转接: tabs 转出 / 转入 / 逾期, a status filter, overdue letters in red."""

    queryset = Transfer.objects.select_related("member", "from_org", "to_org")
    action = VIEW

    def get(self, request):
        today = timezone.localdate()
        base = self.get_queryset()
        params = request.GET.copy()
        if params.get("box") not in dict(BOXES):
            params["box"] = "out"
        listing = TransferFilter(params, queryset=base, request=request)
        qs = listing.qs.order_by("-issued_on", "-pk") if listing.form.is_valid() else base.none()
        page = _page(qs, request.GET.get("page"))
        query = params.copy()
        query.pop("page", None)
        context = {
            "box": params["box"],
            "tabs": BOXES,
            "filter": listing,
            "statuses": TransferStatus.choices,
            "status": params.get("status", ""),
            "q": params.get("q", ""),
            "page": page,
            "rows": [{"t": t, "overdue": queries.is_overdue(t, today)} for t in page],
            "query": query.urlencode(),
            "overdue_count": queries.overdue(base, today).count(),
            "can_receive": has_permission(request.user, PERM),
            "today": today,
        }
        return render(request, "members/transfer_list.html", context)


class TransferDetailView(ScopedView):
    queryset = Transfer.objects.select_related(
        "member", "member__org", "from_org", "to_org", "created_by", "decided_by"
    )
    action = VIEW

    def get(self, request, pk):
        transfer = self.get_object(pk=pk)
        today = timezone.localdate()
        context = {
            "t": transfer,
            "overdue": queries.is_overdue(transfer, today),
            "can": queries.abilities(transfer, request.user),
            "member_visible": restrict(Member.objects.all(), request.user).filter(pk=transfer.member_id).exists(),
        }
        return render(request, "members/transfer_detail.html", context)


class LetterView(ScopedView):
    """The letter as a PDF (stub, letter, receipt); the ID number masked unless the viewer may unmask.
    Only letters issued in this system have one (a paper letter received from outside is a 404)."""

    queryset = Transfer.objects.filter(from_org__isnull=False).select_related(
        "member", "member__org", "from_org", "to_org"
    )
    action = VIEW

    def get(self, request, pk):
        transfer = self.get_object(pk=pk)
        pdf = letters.letter_pdf(transfer, request.user)
        response = HttpResponse(pdf, content_type="application/pdf")
        filename = f"组织关系介绍信-{transfer.serial}.pdf"
        response["Content-Disposition"] = (
            f"inline; filename=\"letter-{transfer.serial}.pdf\"; filename*=UTF-8''{quote(filename)}"
        )
        response["Cache-Control"] = "no-store"
        return response


class TransferStartView(ScopedView):
    """转出组织关系: the form on a member's page (the member must be in the actor's transfer scope)."""

    queryset = Member.objects.select_related("org")
    action = "transfer"

    def form(self, data=None):
        orgs = restrict(Org.objects.all(), self.request.user, "view")
        initial = {"issued_on": timezone.localdate(), "validity_months": actions.default_validity_months()}
        return TransferStartForm(data, org_queryset=orgs, initial=initial)

    def render_form(self, request, member, form, status=200):
        pending = queries.pending_transfer(member)
        context = {"form": form, "member": member, "title": f"转出组织关系：{member.name}", "pending": pending}
        return render(request, "members/transfer_form.html", context, status=status)

    def get(self, request, pk):
        member = self.get_object(pk=pk)
        return self.render_form(request, member, self.form())

    def post(self, request, pk):
        member = self.get_object(pk=pk)
        form = self.form(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            to_org = data.get("to_org") or queries.org_by_code(data.get("to_org_code"))
            try:
                transfer = actions.start_transfer(
                    member,
                    actor=request.user,
                    to_org=to_org,
                    to_org_name=data.get("to_org_name") or "",
                    to_org_code=data.get("to_org_code") or "",
                    reason=data["reason"],
                    issued_on=data["issued_on"],
                    validity_months=data["validity_months"],
                    dues_paid_until=data.get("dues_paid_until"),
                )
            except DOMAIN_ERRORS as exc:
                _form_error(form, exc)
            else:
                messages.success(request, f"已开具组织关系介绍信（第{transfer.serial}号）。")
                return redirect("members:transfer_detail", pk=transfer.pk)
        return self.render_form(request, member, form, status=400)


class DecisionView(ScopedView):
    """One decision on a pending letter: a confirmation page (GET) and the action (POST)."""

    queryset = Transfer.objects.select_related("member", "member__org", "from_org", "to_org")
    action = PERM
    form_class = VersionForm
    title = ""
    button = "确认"
    danger = False
    done = ""
    note = ""

    def side(self, queryset):
        raise NotImplementedError

    def get_queryset(self):
        return self.side(super().get_queryset())

    def initial(self, transfer) -> dict:
        return {"version": transfer.version}

    def perform(self, transfer, data):
        raise NotImplementedError

    def render_form(self, request, transfer, form, status=200):
        context = {
            "t": transfer,
            "form": form,
            "title": self.title,
            "button": self.button,
            "danger": self.danger,
            "note": self.note,
            "overdue": queries.is_overdue(transfer, timezone.localdate()),
        }
        return render(request, "members/transfer_confirm.html", context, status=status)

    def get(self, request, pk):
        transfer = self.get_object(pk=pk)
        if transfer.status != TransferStatus.PENDING:
            messages.info(request, f"该介绍信{transfer.get_status_display()}。")
            return redirect("members:transfer_detail", pk=transfer.pk)
        return self.render_form(request, transfer, self.form_class(initial=self.initial(transfer)))

    def post(self, request, pk):
        transfer = self.get_object(pk=pk)
        form = self.form_class(request.POST)
        if form.is_valid():
            try:
                self.perform(transfer, form.cleaned_data)
            except DOMAIN_ERRORS as exc:
                _form_error(form, exc)
            else:
                messages.success(request, self.done)
                return redirect("members:transfer_detail", pk=transfer.pk)
        return self.render_form(request, transfer, form, status=400)


class AcceptView(DecisionView):
    form_class = AcceptForm
    title = "接收组织关系"
    button = "确认接收"
    done = "已接收，党员已编入本党组织。"
    note = "接收后，该党员自接收日期起编入接收党组织，原党组织的编入记录保留。"

    def side(self, queryset):
        return queries.incoming(queryset, self.request.user, PERM)

    def initial(self, transfer):
        return {"version": transfer.version, "on": timezone.localdate()}

    def perform(self, transfer, data):
        actions.accept_transfer(transfer, actor=self.request.user, on=data["on"], expected_version=data["version"])


class ReturnView(DecisionView):
    form_class = ReturnForm
    title = "退回介绍信"
    button = "确认退回"
    danger = True
    done = "已退回介绍信，党员仍在原党组织。"
    note = "退回须说明理由，不得无故拒收（REL-04）。转往系统外的介绍信被退回时，由转出党组织在此登记。"

    def side(self, queryset):
        return queries.receiving_side(queryset, self.request.user)

    def perform(self, transfer, data):
        actions.return_transfer(
            transfer, actor=self.request.user, reason=data["reason"], expected_version=data["version"]
        )


class CancelView(DecisionView):
    title = "撤回介绍信"
    button = "确认撤回"
    danger = True
    done = "已撤回介绍信。"
    note = "撤回后该介绍信作废，党员仍在原党组织。"

    def side(self, queryset):
        return queries.sending_side(queryset, self.request.user)

    def perform(self, transfer, data):
        actions.cancel_transfer(transfer, actor=self.request.user, expected_version=data["version"])


class ReceiptView(DecisionView):
    form_class = ReceiptForm
    title = "登记回执（转往系统外）"
    button = "确认登记"
    done = "已登记回执，该党员的组织关系已转出本系统。"
    note = "登记后，该党员自回执日期起不再列入本系统党员名册，记录保留可查。"

    def side(self, queryset):
        return queries.sending_side(queryset, self.request.user).filter(to_org__isnull=True)

    def initial(self, transfer):
        return {"version": transfer.version, "on": timezone.localdate()}

    def perform(self, transfer, data):
        actions.confirm_external_receipt(
            transfer, actor=self.request.user, on=data["on"], expected_version=data["version"]
        )


class ReceiveExternalView(ScopedView):
    """登记系统外转入: a member arriving with a paper letter is put on the roster with the letter recorded."""

    queryset = Transfer.objects.all()
    action = PERM

    def form(self, data=None):
        orgs = restrict(Org.objects.active(), self.request.user, PERM)
        return ReceiveExternalForm(data, org_queryset=orgs, initial={"received_on": timezone.localdate()})

    def show(self, request, form, status=200):
        return render(request, "members/transfer_receive.html", {"form": form}, status=status)

    def get(self, request):
        self.check_permission()
        return self.show(request, self.form())

    def post(self, request):
        self.check_permission()
        form = self.form(request.POST)
        if form.is_valid():
            data = dict(form.cleaned_data)
            org = data.pop("org")
            letter = {k: data.pop(k) for k in ("from_org_name", "letter_serial", "issued_on", "received_on", "reason")}
            try:
                transfer = actions.receive_external_transfer(org, actor=request.user, **letter, **data)
            except DOMAIN_ERRORS as exc:
                _form_error(form, exc)
            else:
                messages.success(request, f"已接收「{transfer.member.name}」的组织关系（登记号{transfer.serial}）。")
                return redirect("members:transfer_detail", pk=transfer.pk)
        return self.show(request, form, status=400)


# ------------------------------------------------------------------------------------------ mobile members

MOBILE_TABS = [("out", "流出"), ("in", "流入"), ("due", "应转接"), ("ended", "已结束")]


class MobileListView(ScopedView):
    """流动党员: open outflow and inflow records, members away six months or more, ended records."""

    queryset = MobileRecord.objects.select_related("member", "member__org", "host_org")
    action = VIEW

    def get(self, request):
        today = timezone.localdate()
        base = self.get_queryset()
        tab = request.GET.get("tab")
        if tab not in dict(MOBILE_TABS):
            tab = "out"
        due = queries.due_to_transfer(request.user, today)
        if tab == "due":
            qs = due
        elif tab == "ended":
            qs = queries.ended_records(base).order_by("-until", "-pk")
        else:
            direction = MobileDirection.OUTFLOW if tab == "out" else MobileDirection.INFLOW
            qs = queries.open_records(base, direction).order_by("since", "pk")
        page = _page(qs, request.GET.get("page"))
        if tab != "due":
            for record in page:  # a host org sees its 流入 members' records, not their home roster
                path = record.member.org.path
                record.member_visible = user_may_act_on_path(request.user, "members.view_member", path)
        cutoff = queries.transfer_due_cutoff(today)
        context = {
            "tab": tab,
            "tabs": MOBILE_TABS,
            "page": page,
            "due_count": due.count(),
            "cutoff": cutoff,
            "today": today,
            "can_transfer": has_permission(request.user, PERM),
        }
        return render(request, "members/mobile_list.html", context)


class InflowView(ScopedView):
    """登记流入: a member of another org in this system takes part in organizational life here (REL-08)."""

    queryset = MobileRecord.objects.all()
    action = PERM

    def form(self, data=None):
        orgs = queries.hosts_for(self.request.user)
        return InflowForm(data, org_queryset=orgs, initial={"since": timezone.localdate()})

    def show(self, request, form, status=200):
        context = {"form": form, "title": "登记流入党员", "inflow": True}
        return render(request, "members/mobile_form.html", context, status=status)

    def get(self, request):
        self.check_permission()
        return self.show(request, self.form())

    def post(self, request):
        self.check_permission()
        form = self.form(request.POST)
        if form.is_valid():
            data = dict(form.cleaned_data)
            member = queries.member_for_inflow(data.pop("id_number"), data.pop("name"))
            if member is None:
                form.add_error("id_number", "系统内没有姓名与公民身份号码都相符的党员，请核对流动党员活动证。")
            else:
                try:
                    actions.record_inflow(member, actor=request.user, **data)
                except DOMAIN_ERRORS as exc:
                    _form_error(form, exc)
                else:
                    messages.success(request, f"已登记「{member.name}」流入{data['host_org'].name}。")
                    return redirect(f"{reverse('members:mobile_list')}?tab=in")
        return self.show(request, form, status=400)


class OutflowView(ScopedView):
    """登记外出（流出）on a member's page."""

    queryset = Member.objects.select_related("org")
    action = "transfer"

    def show(self, request, member, form, status=200):
        context = {
            "form": form,
            "member": member,
            "title": f"登记外出：{member.name}",
            "open": queries.open_outflow(member),
        }
        return render(request, "members/mobile_form.html", context, status=status)

    def get(self, request, pk):
        member = self.get_object(pk=pk)
        return self.show(request, member, OutflowForm(initial={"since": timezone.localdate()}))

    def post(self, request, pk):
        member = self.get_object(pk=pk)
        form = OutflowForm(request.POST)
        if form.is_valid():
            try:
                actions.record_outflow(member, actor=request.user, **form.cleaned_data)
            except DOMAIN_ERRORS as exc:
                _form_error(form, exc)
            else:
                messages.success(request, "已登记外出，该党员列为流动党员。")
                return redirect("members:detail", pk=member.pk)
        return self.show(request, member, form, status=400)


class EndMobileView(ScopedView):
    """登记返回 / 结束流动."""

    queryset = MobileRecord.objects.select_related("member", "member__org", "host_org")
    action = PERM

    def show(self, request, record, form, status=200):
        context = {
            "form": form,
            "member": record.member,
            "member_hidden": not queries.may_act(request.user, record.member.org),
            "record": record,
            "title": f"结束流动登记：{record.member.name}",
        }
        return render(request, "members/mobile_form.html", context, status=status)

    def get(self, request, pk):
        record = self.get_object(pk=pk)
        if record.until is not None:
            messages.info(request, "该流动登记已结束。")
            return redirect("members:mobile_list")
        return self.show(request, record, EndMobileForm(initial={"until": timezone.localdate()}))

    def post(self, request, pk):
        record = self.get_object(pk=pk)
        form = EndMobileForm(request.POST)
        if form.is_valid():
            try:
                actions.end_mobile(record, actor=request.user, until=form.cleaned_data["until"])
            except DOMAIN_ERRORS as exc:
                _form_error(form, exc)
            else:
                messages.success(request, "已结束流动登记。")
                if not queries.may_act(request.user, record.member.org):  # the host side of an inflow
                    return redirect(f"{reverse('members:mobile_list')}?tab=in")
                return redirect("members:detail", pk=record.member_id)
        return self.show(request, record, form, status=400)


# ------------------------------------------------------------------------------------------ member page tabs


def member_transfers_tab(user, member: Member) -> dict:
    """The "组织关系转接" tab of a member's page (members.views.TABS): the letters the viewer may see."""
    today = timezone.localdate()
    visible = queries.member_transfers(member, user)
    return {
        "transfers": [{"t": t, "overdue": queries.is_overdue(t, today)} for t in visible],
        "transferred_out": actions.transferred_out(member),
    }


def member_mobile_tab(user, member: Member) -> dict:
    """The "流动情况" tab: the member's outflow and inflow records the viewer may see."""
    return {
        "records": list(queries.member_mobile_records(member, user)),
        "can_transfer": user_may_act_on_path(user, "members.transfer_member", member.org.path),
    }
