"""Organizational-life pages: the meeting list, scheduling, a meeting with its minutes and attendance,
the compliance table and exemptions. Thin: scope through ScopedView, changes through orglife.actions."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views import View

from dangjian.core.errors import ConcurrentEdit, OutOfScope, RuleViolation
from dangjian.core.scope import has_permission, restrict, user_may_act_on_path
from dangjian.core.views import ScopedView
from dangjian.members.models import Member
from dangjian.orglife import actions, queries
from dangjian.orglife import richtext as rich
from dangjian.orglife import rules as rules_mod
from dangjian.orglife.forms import (
    AccountLinkForm,
    AmendForm,
    CadenceForm,
    ChecklistForm,
    ExemptionForm,
    MeetingFilterForm,
    PartyGroupForm,
    RecordForm,
    ReviewForm,
    ScheduleForm,
    TalkForm,
)
from dangjian.orglife.models import AttendanceStatus, CadenceRule, Meeting, MeetingFile, MeetingKind
from dangjian.orgs.models import BRANCH_KINDS, Org

DOMAIN_ERRORS = (RuleViolation, ConcurrentEdit, OutOfScope)
PER_PAGE = 50


def _form_error(form, exc):
    field = getattr(exc, "field", None)
    form.add_error(field if field in form.fields else None, str(exc))


def _year(raw, default: int) -> int:
    try:
        year = int(raw)
    except (TypeError, ValueError):
        return default
    return year if 2000 <= year <= 2100 else default


class MeetingListView(ScopedView):
    queryset = Meeting.objects.select_related("org")

    def get(self, request):
        qs = self.get_queryset()
        filters = MeetingFilterForm(request.GET)
        data = filters.cleaned_data if filters.is_valid() else {}
        org = None
        if data.get("org"):
            org = restrict(Org.objects.all(), request.user, queries.VIEW).filter(pk=data["org"]).first()
            qs = qs.filter(org_id=org.pk) if org else qs.none()
        if data.get("kind"):
            qs = qs.filter(kind=data["kind"])
        if data.get("year"):
            qs = qs.filter(held_on__year=data["year"])
        page = Paginator(qs.order_by("-held_on", "-pk"), PER_PAGE).get_page(request.GET.get("page"))
        query = request.GET.copy()
        query.pop("page", None)
        context = {
            "page": page,
            "org": org,
            "kind": data.get("kind") or "",
            "year": data.get("year") or "",
            "kinds": MeetingKind.choices,
            "query": query.urlencode(),
            "can_schedule": (
                user_may_act_on_path(request.user, queries.CHANGE, org.path)
                if org
                else has_permission(request.user, queries.CHANGE)
            ),
        }
        return render(request, "orglife/meeting_list.html", context)


class MeetingCreateView(ScopedView):
    queryset = Meeting.objects.all()
    action = "change"

    def form(self, data=None):
        orgs = queries.orgs_for_meetings(self.request.user)
        source = data if data is not None else self.request.GET
        initial = {"held_on": timezone.localdate()}
        for key in ("org", "kind", "held_on"):
            if self.request.GET.get(key):
                initial[key] = self.request.GET[key]
        org = None
        raw_org = source.get("org", "")
        if str(raw_org).isdigit():
            org = orgs.filter(pk=int(raw_org)).first()
        groups = members = None
        if org is not None:
            groups = queries.party_groups(self.request.user, org, active=True)
            members = queries.invitable_members(org)
            group = None
            raw_group = self.request.GET.get("party_group", "")
            if raw_group.isdigit():
                group = groups.filter(pk=int(raw_group)).first()
                if group is not None:
                    initial.update(party_group=group.pk, kind=MeetingKind.GROUP_MEETING)
            initial["invitees"] = list(actions.default_invitees(org, group).values_list("pk", flat=True))
        return ScheduleForm(data, org_queryset=orgs, groups=groups, members=members, initial=initial)

    def get(self, request):
        self.check_permission()
        return self.render(self.form())

    def post(self, request):
        self.check_permission()
        form = self.form(request.POST)
        if form.is_valid():
            data = dict(form.cleaned_data)
            org = data.pop("org")
            data["invitees"] = list(data["invitees"]) or None  # none chosen: the branch's or the group's members
            try:
                meeting = actions.schedule_meeting(org, actor=request.user, **data)
            except DOMAIN_ERRORS as exc:
                _form_error(form, exc)
            else:
                messages.success(request, f"已安排{meeting.get_kind_display()}「{meeting.topic}」。")
                return redirect("orglife:meeting_detail", pk=meeting.pk)
        return self.render(form, status=400)

    def render(self, form, status=200):
        context = {"form": form, "title": "安排组织生活", "schedule": True}
        return render(self.request, "orglife/form.html", context, status=status)


class MeetingDetailView(ScopedView):
    queryset = Meeting.objects.select_related("org", "created_by")

    def get(self, request, pk):
        meeting = self.get_object(pk=pk)
        may_change = user_may_act_on_path(request.user, queries.CHANGE, meeting.org.path)
        upper = meeting.org.parent if meeting.org.parent_id else meeting.org
        context = {
            "meeting": meeting,
            "sheet": queries.attendance_sheet(meeting),
            "statuses": AttendanceStatus.choices,
            "can_change": may_change and not meeting.is_locked,
            "can_submit": may_change and meeting.status in ("held", "returned"),
            "can_amend": may_change and meeting.status == "approved",
            "minutes_html": rich.minutes_html(meeting.minutes),
            "can_review": meeting.status == "submitted"
            and user_may_act_on_path(request.user, actions.REVIEW_PERM, upper.path),
            "can_sign_in_qr": may_change and meeting.status in ("planned", "held"),
            "amendments": list(meeting.amendments.select_related("amended_by")),
            "checklist": _checklist(meeting),
            "files": list(meeting.files.all()),
        }
        return render(request, "orglife/meeting_detail.html", context)


def _checklist(meeting):
    if meeting.kind != MeetingKind.LIFE_MEETING:
        return None
    from dangjian.orglife.forms import ChecklistForm as F
    from dangjian.orglife.models import LifeMeetingChecklist

    obj = LifeMeetingChecklist.objects.filter(meeting=meeting).first()
    labels = [(F.base_fields[f].label, bool(obj and getattr(obj, f))) for f in actions.CHECKLIST_FIELDS[:4]]
    return {"obj": obj, "items_done": labels}


class MeetingSubmitView(ScopedView):
    queryset = Meeting.objects.select_related("org")
    action = "change"

    def get(self, request, pk):
        self.get_object(pk=pk)
        return redirect("orglife:meeting_detail", pk=pk)

    def post(self, request, pk):
        meeting = self.get_object(pk=pk)
        try:
            version = int(request.POST.get("version", ""))
        except ValueError:
            version = -1
        try:
            actions.submit_meeting(meeting, actor=request.user, expected_version=version)
        except DOMAIN_ERRORS as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, "已报送上级党组织审核。")
        return redirect("orglife:meeting_detail", pk=pk)


class MeetingReviewView(ScopedView):
    queryset = Meeting.objects.select_related("org")
    action = "review"

    def get(self, request, pk):
        meeting = self.get_object(pk=pk)
        return self.render(meeting, ReviewForm(initial={"version": meeting.version}))

    def post(self, request, pk):
        meeting = self.get_object(pk=pk)
        form = ReviewForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                actions.review_meeting(
                    meeting, actor=request.user, approve=data["decision"] == "approve", reason=data["reason"],
                    expected_version=data["version"],
                )  # fmt: skip
            except DOMAIN_ERRORS as exc:
                _form_error(form, exc)
            else:
                messages.success(request, "已审核通过。" if data["decision"] == "approve" else "已退回。")
                return redirect("orglife:meeting_detail", pk=pk)
        return self.render(meeting, form, status=400)

    def render(self, meeting, form, status=200):
        context = {"form": form, "meeting": meeting, "title": f"审核会议记录：{meeting.topic}"}
        return render(self.request, "orglife/form.html", context, status=status)


class _MeetingFormView(ScopedView):
    """The record and amend pages: the same fields of a meeting, written through one action each."""

    queryset = Meeting.objects.select_related("org")
    action = "change"
    form_class = RecordForm
    title = ""
    done = ""

    def get(self, request, pk):
        meeting = self.get_object(pk=pk)
        initial = {f: getattr(meeting, f) for f in actions.RECORD_FIELDS}
        initial["minutes"] = rich.for_editor(meeting.minutes)
        initial["version"] = meeting.version
        return self.render(meeting, self.form_class(initial=initial))

    def post(self, request, pk):
        meeting = self.get_object(pk=pk)
        form = self.form_class(request.POST)
        if form.is_valid():
            data = dict(form.cleaned_data)
            version = data.pop("version")
            try:
                self.save(meeting, version, data)
            except DOMAIN_ERRORS as exc:
                _form_error(form, exc)
            else:
                messages.success(request, self.done)
                return redirect("orglife:meeting_detail", pk=meeting.pk)
        return self.render(meeting, form, status=400)

    def save(self, meeting, version, data):
        raise NotImplementedError

    def render(self, meeting, form, status=200):
        context = {"form": form, "meeting": meeting, "title": f"{self.title}：{meeting.topic}", "richtext": True}
        return render(self.request, "orglife/form.html", context, status=status)


class MeetingAmendView(_MeetingFormView):
    form_class = AmendForm
    title = "审核后修改"
    done = "已修改，修改理由已留存。"

    def save(self, meeting, version, data):
        reason = data.pop("reason")
        actions.amend_meeting(meeting, actor=self.request.user, reason=reason, expected_version=version, **data)


class MeetingRecordView(_MeetingFormView):
    form_class = RecordForm
    title = "登记会议记录"
    done = "已登记会议记录。"

    def save(self, meeting, version, data):
        actions.record_meeting(meeting, actor=self.request.user, expected_version=version, **data)


class AttendanceView(ScopedView):
    """GET: the attendance table alone; POST: `status_<member id>`, `reason_<member id>` for every row."""

    queryset = Meeting.objects.select_related("org")
    action = "change"

    def get(self, request, pk):
        meeting = self.get_object(pk=pk)
        return self.render(meeting)

    def post(self, request, pk):
        meeting = self.get_object(pk=pk)
        entries = {}
        for key, value in request.POST.items():
            if key.startswith("status_") and key[7:].isdigit():
                member_id = int(key[7:])
                entries[member_id] = {"status": value, "reason": request.POST.get(f"reason_{member_id}", "")}
        try:
            version = int(request.POST.get("version", ""))
        except ValueError:
            version = -1
        try:
            if meeting.status == "approved":
                actions.amend_attendance(
                    meeting, entries, actor=request.user, reason=request.POST.get("amend_reason", ""),
                    expected_version=version,
                )  # fmt: skip
            else:
                actions.record_attendance(meeting, entries, actor=request.user, expected_version=version)
        except DOMAIN_ERRORS as exc:
            messages.error(request, str(exc))
            return self.render(meeting, status=400)
        if meeting.status == "approved":
            messages.success(request, "已修改出勤情况，修改理由已留存。")
            return redirect("orglife:meeting_detail", pk=meeting.pk)
        sheet = queries.attendance_sheet(meeting)
        note = ""
        if sheet.quorum:
            q = sheet.quorum
            verdict = "已超过半数" if q.met else "未超过半数"
            note = f"{q.label}应到{q.due}人、实到{q.present}人，{verdict}（{q.rule}）。"
        messages.success(request, f"已登记出勤情况。{note}")
        return redirect("orglife:meeting_detail", pk=meeting.pk)

    def render(self, meeting, status=200):
        context = {
            "meeting": meeting,
            "sheet": queries.attendance_sheet(meeting),
            "statuses": AttendanceStatus.choices,
            "can_change": meeting.status != "submitted",
            "amend_mode": meeting.status == "approved",
        }
        return render(self.request, "orglife/attendance.html", context, status=status)


class ComplianceView(ScopedView):
    queryset = Meeting.objects.all()

    def get(self, request):
        self.check_permission()
        today = timezone.localdate()
        year = _year(request.GET.get("year"), today.year)
        through = min(today, date(year, 12, 31))
        page = Paginator(queries.branches(request.user), PER_PAGE).get_page(request.GET.get("page"))
        rows = queries.compliance_rows(list(page.object_list), year, through)
        kinds = [(k, MeetingKind(k).label) for k in queries.REQUIRED_KINDS]
        for row in rows:
            row.cells = [row.gaps_by_kind.get(k, []) for k, _label in kinds]
        context = {
            "rows": rows,
            "page": page,
            "year": year,
            "through": through,
            "years": list(range(today.year, today.year - 5, -1)),
            "kinds": kinds,
            "can_exempt": has_permission(request.user, queries.CHANGE),
        }
        return render(request, "orglife/compliance.html", context)


class ExemptionCreateView(ScopedView):
    queryset = Org.objects.active().filter(kind__in=BRANCH_KINDS)
    action = queries.CHANGE

    def get(self, request, pk):
        org = self.get_object(pk=pk)
        return self.render(org, ExemptionForm())

    def post(self, request, pk):
        org = self.get_object(pk=pk)
        form = ExemptionForm(request.POST)
        if form.is_valid():
            try:
                actions.grant_exemption(org, actor=request.user, **form.cleaned_data)
            except DOMAIN_ERRORS as exc:
                _form_error(form, exc)
            else:
                messages.success(request, "已登记免于开展。")
                return redirect("orglife:compliance")
        return self.render(org, form, status=400)

    def render(self, org, form, status=200):
        context = {"form": form, "org": org, "title": f"登记免于开展：{org.name}"}
        return render(self.request, "orglife/form.html", context, status=status)


# ------------------------------------------------------------------------------------------- calendar

WEEKDAYS = ["一", "二", "三", "四", "五", "六", "日"]
SLOT_STATES = {
    "done": ("已开展", "bg-green-lt"),
    "planned": ("已安排", "bg-blue-lt"),
    "open": ("待安排", "bg-secondary-lt"),
    "missed": ("未开展", "bg-red-lt"),
    "exempted": ("免于开展", "bg-yellow-lt"),
}


class CalendarView(ScopedView):
    """A branch's planning calendar: the year's required meetings as slots (list view) or one month as a
    grid with its meetings and the slots open in it (month view)."""

    queryset = Org.objects.active()
    action = queries.VIEW

    def get(self, request, pk):
        import calendar as cal

        org = self.get_object(pk=pk)
        today = timezone.localdate()
        year = _year(request.GET.get("year"), today.year)
        try:
            month = int(request.GET.get("month", today.month if year == today.year else 1))
        except ValueError:
            month = 1
        month = min(max(month, 1), 12)
        view = "month" if request.GET.get("view") == "month" else "list"
        slots, meetings = queries.calendar_slots(org, year)
        for slot in slots:
            slot.state_code = slot.state(today)
            slot.state_label, slot.badge = SLOT_STATES[slot.state_code]
            mid = min(max(slot.first, today), slot.last)
            slot.suggest = mid.isoformat()
        weeks = []
        if view == "month":
            by_day: dict[date, list] = {}
            for m in meetings:
                by_day.setdefault(m.held_on, []).append(m)
            for week in cal.Calendar().monthdatescalendar(year, month):
                weeks.append([(d, d.month == month, by_day.get(d, []), d == today) for d in week])
        first = date(year, month, 1)
        last = date(year, month, cal.monthrange(year, month)[1])
        month_slots = [s for s in slots if s.first <= last and s.last >= first]
        done = sum(1 for s in slots if s.state_code in ("done", "exempted"))
        context = {
            "org": org,
            "year": year,
            "month": month,
            "view": view,
            "slots": slots,
            "month_slots": month_slots,
            "weeks": weeks,
            "weekdays": WEEKDAYS,
            "prev": (year, month - 1) if month > 1 else (year - 1, 12),
            "next": (year, month + 1) if month < 12 else (year + 1, 1),
            "done": done,
            "can_schedule": user_may_act_on_path(request.user, queries.CHANGE, org.path),
        }
        return render(request, "orglife/calendar.html", context)


class MyOrglifeView(View):
    """我的组织生活: the logged-in member's upcoming meetings and recent attendance."""

    def get(self, request):
        member = queries.member_of(request.user)
        if member is None:
            raise PermissionDenied("您的账号尚未关联党员信息，请联系支部书记。")
        upcoming, recent = queries.my_meetings(member, timezone.localdate())
        return render(request, "orglife/my.html", {"member": member, "upcoming": upcoming, "recent": recent})


class CadenceView(ScopedView):
    """The jurisdiction's cadences (LIFE-05 …): the rules in scope, and a form to add one."""

    queryset = CadenceRule.objects.select_related("org")
    action = queries.CHANGE

    def get(self, request):
        return self.render(CadenceForm(org_queryset=queries.orgs_for_cadence(request.user)))

    def post(self, request):
        self.check_permission()
        form = CadenceForm(request.POST, org_queryset=queries.orgs_for_cadence(request.user))
        if form.is_valid():
            data = dict(form.cleaned_data)
            try:
                actions.set_cadence(data.pop("org"), actor=request.user, **data)
            except DOMAIN_ERRORS as exc:
                _form_error(form, exc)
            else:
                messages.success(request, "已登记组织生活频次。")
                return redirect("orglife:cadences")
        return self.render(form, status=400)

    def render(self, form, status=200):
        context = {
            "form": form,
            "rules": self.get_queryset().order_by("org__path", "kind", "-effective_from"),
            "defaults": [(MeetingKind(k).label, v) for k, v in rules_mod.DEFAULT_CADENCE.items()],
        }
        return render(self.request, "orglife/cadences.html", context, status=status)


# -------------------------------------------------------------------------------------------- QR sign-in


def qr_svg(url: str) -> str:
    import segno

    return segno.make(url, error="m").svg_inline(scale=6, dark="#000", light="#fff")


class MeetingQrView(ScopedView):
    """The sign-in QR code shown at the meeting: the page, which asks for a fresh code every few seconds."""

    queryset = Meeting.objects.select_related("org")
    action = "change"

    def get(self, request, pk):
        meeting = self.get_object(pk=pk)
        context = {"meeting": meeting, **self.code(meeting)}
        return render(request, "orglife/qr.html", context)

    def code(self, meeting):
        try:
            token = actions.issue_sign_in_token(meeting, actor=self.request.user)
        except DOMAIN_ERRORS as exc:
            return {"error": str(exc), "present": self.present(meeting)}
        url = self.request.build_absolute_uri(reverse("orglife:sign_in", args=[token]))
        return {"svg": qr_svg(url), "url": url, "present": self.present(meeting)}

    @staticmethod
    def present(meeting):
        from dangjian.orglife.models import Attendance

        return Attendance.objects.filter(meeting=meeting, status="present").count()


class MeetingQrCodeView(MeetingQrView):
    """The fragment (htmx): a fresh one-time code and the count of members present."""

    def get(self, request, pk):
        meeting = self.get_object(pk=pk)
        return render(request, "orglife/_qr_code.html", {"meeting": meeting, **self.code(meeting)})


class SignInView(View):
    """Opened from the QR code on the member's phone: shows the meeting; the member confirms (POST) and is
    marked present. The token, not an org permission, authorizes; the account must be a linked member."""

    def get(self, request, token):
        member = queries.member_of(request.user)
        if member is None:
            raise PermissionDenied("您的账号尚未关联党员信息，不能扫码签到，请联系支部书记。")
        return render(request, "orglife/sign_in.html", {"token": token, "member": member})

    def post(self, request, token):
        member = queries.member_of(request.user)
        if member is None:
            raise PermissionDenied("您的账号尚未关联党员信息，不能扫码签到，请联系支部书记。")
        try:
            attendance = actions.sign_in(token, user=request.user)
        except RuleViolation as exc:
            context = {"token": token, "member": member, "error": exc.message}
            return render(request, "orglife/sign_in.html", context, status=400)
        context = {"member": member, "done": attendance.meeting}
        return render(request, "orglife/sign_in.html", context)


# ------------------------------------------------------------------------------------ drill-down, gaps


def _window_params(request, today):
    year = _year(request.GET.get("year"), today.year)
    raw = request.GET.get("q", "")
    quarter = int(raw) if raw in ("1", "2", "3", "4") else None
    return year, quarter


class ComplianceOverviewView(ScopedView):
    """County → township → branch: per child of the chosen org, the branches, required meetings, gaps,
    completion rate and colour for a quarter or the year (set-based, orglife.rollup)."""

    queryset = Org.objects.active()
    action = queries.VIEW

    def get(self, request):
        from dangjian.orglife import rollup

        self.check_permission()
        today = timezone.localdate()
        year, quarter = _window_params(request, today)
        scoped = self.get_queryset()
        node = None
        if request.GET.get("org", "").isdigit():
            node = scoped.filter(pk=int(request.GET["org"])).first()
        if node is None:
            node = scoped.exclude(kind__in=BRANCH_KINDS).order_by("path").first() or scoped.order_by("path").first()
        if node is None:
            raise PermissionDenied
        total, children = rollup.drill_down(request.user, node, year, quarter, today)
        ancestors = list(scoped.filter(pk__in=_ancestor_ids(node)).order_by("path"))
        start, through = rules_mod.window(year, quarter, today)
        context = {
            "node": node, "total": total, "children": children, "ancestors": ancestors, "year": year,
            "quarter": quarter, "start": start, "through": through,
            "years": list(range(today.year, today.year - 5, -1)), "quarters": [1, 2, 3, 4],
        }  # fmt: skip
        return render(request, "orglife/overview.html", context)


def _ancestor_ids(org):
    from dangjian.core.tree import ids_in_path

    return ids_in_path(org.path)[:-1]


class GapListView(ScopedView):
    """The county's list of branches with gaps in a quarter or the year, most gaps first."""

    queryset = Org.objects.active()
    action = queries.VIEW

    def get(self, request):
        from dangjian.orglife import rollup

        self.check_permission()
        today = timezone.localdate()
        year, quarter = _window_params(request, today)
        rows = rollup.branches_with_gaps(request.user, None, year, quarter, today)
        labels = dict(MeetingKind.choices)
        for r in rows:
            r.detail = "、".join(f"{labels[k]}缺{n}次" for k, n in r.gaps_by_kind.items())
        page = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
        start, through = rules_mod.window(year, quarter, today)
        context = {
            "page": page, "year": year, "quarter": quarter, "start": start, "through": through,
            "years": list(range(today.year, today.year - 5, -1)), "quarters": [1, 2, 3, 4],
        }  # fmt: skip
        return render(request, "orglife/gaps.html", context)


# --------------------------------------------------------------- democratic appraisal, checklist, talks


class AppraisalView(ScopedView):
    """民主评议党员 of a branch for a year: open it, record assessments, votes and grades, close it."""

    queryset = Org.objects.active()
    action = queries.VIEW

    def get(self, request, pk):
        org = self.get_object(pk=pk)
        return self.render(org)

    def post(self, request, pk):
        from dangjian.orglife.models import Appraisal

        org = self.get_object(pk=pk)
        year = self.year()
        op = request.POST.get("op", "")
        try:
            if op == "open":
                actions.open_appraisal(org, actor=request.user, year=year)
                messages.success(request, f"已开始{year}年民主评议党员。")
            else:
                appraisal = Appraisal.objects.get(org=org, year=year)
                try:
                    version = int(request.POST.get("version", ""))
                except ValueError:
                    version = -1
                entries = {}
                for entry in appraisal.entries.all():
                    values = {f: request.POST.get(f"{f}_{entry.pk}") for f in actions.GRADE_FIELDS}
                    entries[entry.pk] = {k: v for k, v in values.items() if v is not None}
                appraisal = actions.record_appraisal(appraisal, entries, actor=request.user, expected_version=version)
                if op == "close":
                    actions.close_appraisal(appraisal, actor=request.user, expected_version=appraisal.version)
                    messages.success(request, "已确定评议等次。")
                else:
                    messages.success(request, "已保存。")
        except Appraisal.DoesNotExist:
            messages.error(request, "尚未开始本年度民主评议党员。")
            return self.render(org, status=400)
        except DOMAIN_ERRORS as exc:
            messages.error(request, str(exc))
            return self.render(org, status=400)
        return redirect(f"{reverse('orglife:appraisal', args=[org.pk])}?year={year}")

    def year(self):
        return _year(self.request.GET.get("year") or self.request.POST.get("year"), timezone.localdate().year)

    def render(self, org, status=200):
        from dangjian.orglife.models import Appraisal, AppraisalGrade

        year = self.year()
        appraisal = Appraisal.objects.filter(org=org, year=year).first()
        entries = (
            list(appraisal.entries.select_related("member").order_by("member__name_initials")) if appraisal else []
        )
        graded = sum(1 for e in entries if e.graded)
        context = {
            "org": org, "year": year, "appraisal": appraisal, "entries": entries, "grades": AppraisalGrade.choices,
            "allowed": rules_mod.excellent_allowed(graded), "graded": graded,
            "can_change": user_may_act_on_path(self.request.user, queries.CHANGE, org.path),
        }  # fmt: skip
        return render(self.request, "orglife/appraisal.html", context, status=status)


class ChecklistView(ScopedView):
    queryset = Meeting.objects.select_related("org")
    action = "change"

    def get(self, request, pk):
        meeting = self.get_object(pk=pk)
        from dangjian.orglife.models import LifeMeetingChecklist

        current = LifeMeetingChecklist.objects.filter(meeting=meeting).first()
        initial = {f: getattr(current, f) for f in actions.CHECKLIST_FIELDS} if current else {}
        return self.render(meeting, ChecklistForm(initial=initial))

    def post(self, request, pk):
        meeting = self.get_object(pk=pk)
        form = ChecklistForm(request.POST)
        if form.is_valid():
            try:
                actions.save_checklist(meeting, actor=request.user, **form.cleaned_data)
            except DOMAIN_ERRORS as exc:
                _form_error(form, exc)
            else:
                messages.success(request, "已保存组织生活会准备清单。")
                return redirect("orglife:meeting_detail", pk=pk)
        return self.render(meeting, form, status=400)

    def render(self, meeting, form, status=200):
        context = {"form": form, "meeting": meeting, "title": f"组织生活会准备清单：{meeting.topic}"}
        return render(self.request, "orglife/form.html", context, status=status)


class TalkView(ScopedView):
    """谈心谈话 of a branch: the log of the year, the LIFE-10 coverage, and a form to add one."""

    queryset = Org.objects.active()
    action = queries.VIEW

    def members(self, org):
        from dangjian.members.models import Member

        return Member.objects.current().members().filter(org=org).order_by("name_initials")

    def get(self, request, pk):
        org = self.get_object(pk=pk)
        return self.render(org, TalkForm(members=self.members(org), initial={"held_on": timezone.localdate()}))

    def post(self, request, pk):
        org = self.get_object(pk=pk)
        form = TalkForm(request.POST, members=self.members(org))
        if form.is_valid():
            try:
                actions.record_talk(org, actor=request.user, **form.cleaned_data)
            except DOMAIN_ERRORS as exc:
                _form_error(form, exc)
            else:
                messages.success(request, "已登记谈心谈话。")
                return redirect("orglife:talks", pk=pk)
        return self.render(org, form, status=400)

    def render(self, org, form, status=200):
        from dangjian.orglife.models import Talk

        year = _year(self.request.GET.get("year"), timezone.localdate().year)
        covered, required, missing = queries.talk_coverage(org, year)
        context = {
            "org": org, "form": form, "year": year, "covered": covered, "required": required,
            "missing": missing[:50], "missing_count": len(missing),
            "rate": rules_mod.completion_rate(required, required - covered),
            "talks": Talk.objects.filter(org=org, held_on__year=year).select_related("first", "second"),
            "can_change": user_may_act_on_path(self.request.user, queries.CHANGE, org.path),
        }  # fmt: skip
        return render(self.request, "orglife/talks.html", context, status=status)


class PartyGroupView(ScopedView):
    """党小组 of a branch: the groups with their members, a form to set one up, and (?group=) to edit one."""

    queryset = Org.objects.active().filter(kind__in=BRANCH_KINDS)
    action = queries.VIEW

    def editing(self, org):
        raw = self.request.GET.get("group", "")
        return queries.party_groups(self.request.user, org).filter(pk=int(raw)).first() if raw.isdigit() else None

    def get(self, request, pk):
        org = self.get_object(pk=pk)
        group = self.editing(org)
        if group is not None:
            initial = {
                "name": group.name, "established_on": group.established_on, "dissolved_on": group.dissolved_on,
                "leader": group.leader_id, "version": group.version,
                "members": list(group.memberships.values_list("member_id", flat=True)),
            }  # fmt: skip
        else:
            initial = {"established_on": timezone.localdate()}
        return self.render(org, group, PartyGroupForm(members=queries.invitable_members(org), initial=initial))

    def post(self, request, pk):
        org = self.get_object(pk=pk)
        group = self.editing(org)
        form = PartyGroupForm(request.POST, members=queries.invitable_members(org))
        if form.is_valid():
            data = dict(form.cleaned_data)
            version = data.pop("version")
            try:
                actions.save_party_group(org, actor=request.user, group=group, expected_version=version, **data)
            except DOMAIN_ERRORS as exc:
                _form_error(form, exc)
            else:
                messages.success(request, f"已保存党小组「{data['name']}」。")
                return redirect("orglife:party_groups", pk=pk)
        return self.render(org, group, form, status=400)

    def render(self, org, group, form, status=200):
        groups = list(queries.party_groups(self.request.user, org).select_related("leader"))
        members = {}
        for gid, name in queries.party_group_members([g.pk for g in groups]):
            members.setdefault(gid, []).append(name)
        for g in groups:
            g.member_names = members.get(g.pk, [])
        context = {
            "org": org, "groups": groups, "form": form, "editing": group,
            "can_change": user_may_act_on_path(self.request.user, queries.CHANGE, org.path),
        }  # fmt: skip
        return render(self.request, "orglife/party_groups.html", context, status=status)


class MemberRecordView(ScopedView):
    """A member's organizational-life record: appraisal results and attendance. Seen by the member (linked
    account) and by those who keep organizational life over the member's org; grades are not for peers."""

    queryset = Member.objects.select_related("org")
    action = queries.CHANGE

    def get(self, request, pk):
        own = queries.member_of(request.user)
        member = own if own is not None and own.pk == pk else self.get_object(pk=pk)
        entries, attendance = queries.member_record(member)
        can_link = user_may_act_on_path(request.user, "members.change_member", member.org.path)
        context = {"member": member, "entries": entries, "attendance": attendance, "can_link": can_link}
        return render(request, "orglife/member_record.html", context)


class MeetingPdfView(ScopedView):
    """会议记录和签到表 as a PDF."""

    queryset = Meeting.objects.select_related("org")

    def get(self, request, pk):
        from urllib.parse import quote

        from django.http import HttpResponse

        from dangjian.orglife import printing

        meeting = self.get_object(pk=pk)
        response = HttpResponse(printing.minutes_pdf(meeting), content_type="application/pdf")
        filename = f"会议记录-{meeting.held_on:%Y%m%d}-{meeting.pk}.pdf"
        response["Content-Disposition"] = (
            f"inline; filename=\"minutes-{meeting.pk}.pdf\"; filename*=UTF-8''{quote(filename)}"
        )
        response["Cache-Control"] = "no-store"
        return response


# ------------------------------------------------------------------------------------- photos and files


class MeetingFileUploadView(ScopedView):
    queryset = Meeting.objects.select_related("org")
    action = "change"

    def get(self, request, pk):
        self.get_object(pk=pk)
        return redirect("orglife:meeting_detail", pk=pk)

    def post(self, request, pk):
        meeting = self.get_object(pk=pk)
        try:
            actions.attach_file(meeting, request.FILES.get("file"), actor=request.user, title=request.POST.get("title"))
        except DOMAIN_ERRORS as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, "已上传。")
        return redirect("orglife:meeting_detail", pk=pk)


class MeetingFileView(ScopedView):
    """A photo or file of a meeting: scoped, audited; images inline, others as a download."""

    queryset = MeetingFile.objects.select_related("meeting__org")
    action = queries.VIEW

    def get(self, request, pk):
        from pathlib import Path

        from django.conf import settings
        from django.http import FileResponse, Http404

        row = self.get_object(pk=pk)
        path = Path(settings.MEDIA_ROOT) / row.stored_file
        if not path.exists():
            raise Http404
        actions.record_file_download(row, actor=request.user)
        return FileResponse(path.open("rb"), as_attachment=not row.is_image, filename=f"{row.title}{path.suffix}",
                            content_type=row.content_type)  # fmt: skip


class MemberAccountView(ScopedView):
    """Link a login account to a roster member (self-service and QR sign-in): by the account's name."""

    queryset = Member.objects.select_related("org")
    action = "change"

    def get(self, request, pk):
        member = self.get_object(pk=pk)
        return self.render(member, AccountLinkForm())

    def post(self, request, pk):
        from dangjian.accounts.models import User

        member = self.get_object(pk=pk)
        form = AccountLinkForm(request.POST)
        if form.is_valid():
            user = User.objects.filter(username__iexact=form.cleaned_data["username"].strip()).first()
            if user is None:
                form.add_error("username", "没有这个账号")
            else:
                try:
                    actions.link_member_account(user, member, actor=request.user)
                except DOMAIN_ERRORS as exc:
                    _form_error(form, exc)
                else:
                    messages.success(request, f"已将账号 {user.get_username()} 关联到党员 {member.name}。")
                    return redirect("orglife:member_record", pk=member.pk)
        return self.render(member, form, status=400)

    def render(self, member, form, status=200):
        context = {"form": form, "title": f"关联登录账号：{member.name}"}
        return render(self.request, "orglife/form.html", context, status=status)
