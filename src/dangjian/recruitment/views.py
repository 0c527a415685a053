"""Recruitment pages: the branch board, starting a case, the case page (25-step timeline, next steps as
buttons, one form per step), the upper committee's queues and decisions, the county overview, local options.
Thin: scope through ScopedView, changes through recruitment.actions."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from dangjian.core.errors import ConcurrentEdit, OutOfScope, RuleViolation
from dangjian.core.scope import has_permission, restrict, user_may_act_on_path
from dangjian.core.views import ScopedView
from dangjian.members import actions as member_actions
from dangjian.members.choices import MemberStatus, Stage
from dangjian.members.models import Member
from dangjian.orgs.models import Org
from dangjian.recruitment import actions, importer, queries, rules
from dangjian.recruitment.forms import DecisionForm, OptionForm, QuotaForm, StartForm, StepForm, TransferForm
from dangjian.recruitment.models import CaseImport, CaseState, ImportState, LocalOption, RecruitmentCase

DOMAIN_ERRORS = (RuleViolation, ConcurrentEdit, OutOfScope)
PER_PAGE = 50


def _form_error(form, exc):
    field = getattr(exc, "field", None)
    rule = getattr(exc, "rule_id", "")
    text = f"{exc.message}（{rule}）" if rule else exc.message
    form.add_error(field if field in form.fields else None, text)


def _org_param(request):
    raw = request.GET.get("org", "")
    if not raw.isdigit():
        return None
    return restrict(Org.objects.all(), request.user, "view").filter(pk=int(raw)).first()


class BoardView(ScopedView):
    queryset = RecruitmentCase.objects.all()

    def get(self, request):
        self.check_permission()
        today = timezone.localdate()
        org = _org_param(request)
        context = {
            "columns": queries.board(request.user, today, org),
            "org": org,
            "today": today,
            "lead": queries.lead_days(),
            "can_start": has_permission(request.user, queries.CHANGE),
            "can_approve": has_permission(request.user, queries.APPROVE),
        }
        return render(request, "recruitment/board.html", context)


class CaseStartView(ScopedView):
    queryset = RecruitmentCase.objects.all()
    action = "change"

    def member(self, pk):
        qs = Member.objects.select_related("org").filter(status=MemberStatus.NORMAL)
        return (
            restrict(qs.exclude(stage__in=[Stage.PROBATIONARY, Stage.FULL]), self.request.user, "view")
            .filter(pk=pk)
            .first()
        )

    def orgs(self):
        return restrict(
            Org.objects.active().filter(kind__in=["branch", "joint_branch", "general_branch"]),
            self.request.user,
            queries.CHANGE,
        ).order_by("path")

    def get(self, request):
        self.check_permission()
        initial = {"on": timezone.localdate()}
        if request.GET.get("member", "").isdigit():
            initial["member"] = int(request.GET["member"])
        form = StartForm(initial=initial)
        return self.render(form)

    def post(self, request):
        self.check_permission()
        form = StartForm(request.POST)
        org = None
        if request.POST.get("org", "").isdigit():
            org = self.orgs().filter(pk=int(request.POST["org"])).first()
        if form.is_valid():
            d = form.cleaned_data
            try:
                if d.get("member"):
                    member = self.member(d["member"])
                    if member is None:
                        raise RuleViolation(
                            "DEV-01", "名册中没有该人员，或该人员已是党员、不在您的管辖范围内", field="member"
                        )
                    case = actions.start_case(
                        member, actor=request.user, on=d["on"], documents=d["documents"], note=d["note"]
                    )
                elif org is None:
                    raise RuleViolation("DEV-01", "请选择新申请人所在党支部", field=None)
                else:
                    person = {"name": d["name"], "sex": d["sex"], "birth_date": d["birth_date"]}
                    if d.get("id_number"):
                        person["id_number"] = d["id_number"]
                    case = actions.start_new_applicant(
                        org, actor=request.user, on=d["on"], documents=d["documents"], note=d["note"], **person
                    )
            except DOMAIN_ERRORS as exc:
                _form_error(form, exc)
            else:
                messages.success(request, f"已登记{case.member.name}的入党申请。")
                return redirect("recruitment:case", pk=case.pk)
        return self.render(form, status=400)

    def render(self, form, status=200):
        context = {"form": form, "orgs": self.orgs(), "title": "登记入党申请"}
        return render(self.request, "recruitment/start.html", context, status=status)


class CaseDetailView(ScopedView):
    queryset = RecruitmentCase.objects.select_related("member", "org", "approving_org")

    def get(self, request, pk):
        case = self.get_object(pk=pk)
        today = timezone.localdate()
        can_change = user_may_act_on_path(request.user, queries.CHANGE, case.org.path)
        approver = actions.approving_org(case.org)
        context = {
            "case": case,
            "card": queries.card(case, today),
            "timeline": queries.timeline(case),
            "next_actions": queries.next_actions(case) if can_change else [],
            "violations": queries.violation_labels(case),
            "people": case.people.select_related("member").order_by("role", "assigned_on"),
            "approver": approver,
            "can_decide": bool(
                case.awaiting and approver and user_may_act_on_path(request.user, queries.APPROVE, approver.path)
            ),
            "can_change": can_change,
            "archive": queries.archive_documents(case, request.user),
        }
        return render(request, "recruitment/case.html", context)


class MemberTabView(ScopedView):
    """The 发展信息 tab of a member's page (members/detail.html, recruitment_tags), fetched by htmx when first
    shown: the person's cases and the latest one's timeline. A member outside the viewer's scope, or a viewer
    who may not see recruitment cases over the member's org, gets a 404."""

    queryset = Member.objects.select_related("org")

    def get(self, request, member_pk):
        user = request.user
        if not has_permission(user, queries.VIEW):
            raise PermissionDenied
        member = self.get_object(pk=member_pk)
        if not user_may_act_on_path(user, queries.VIEW, member.org.path):
            raise Http404
        member_actions.record_read(
            member, actor=user, part="tab:recruitment", session=member_actions.reader_session(request)
        )
        cases = queries.cases_of_member(member)
        can_start = member.stage not in (Stage.PROBATIONARY, Stage.FULL) and not any(c.is_open for c in cases)
        context = {
            "cases": cases,
            "member": member,
            "can_start": can_start and user_may_act_on_path(user, queries.CHANGE, member.org.path),
            "timeline": queries.timeline(cases[0]) if cases else [],
        }
        return render(request, "recruitment/_member_tab.html", context)


class StepView(ScopedView):
    queryset = RecruitmentCase.objects.select_related("member", "org")
    action = "change"

    def people(self, case):
        qs = Member.objects.current().members().filter(org_id=case.org_id).exclude(pk=case.member_id)
        return qs.order_by("name")

    def get(self, request, pk, event):
        case = self.get_object(pk=pk)
        if event not in rules.EVENTS or event == "apply":
            raise Http404
        initial = {
            "on": timezone.localdate(),
            "version": case.version,
            "documents": rules.REQUIRED_DOCUMENTS.get(event, ()),
        }
        return self.render(case, event, StepForm(event=event, people=self.people(case), initial=initial))

    def post(self, request, pk, event):
        case = self.get_object(pk=pk)
        if event not in rules.EVENTS or event == "apply":
            raise Http404
        form = StepForm(request.POST, event=event, people=self.people(case))
        if form.is_valid():
            try:
                actions.record_step(case, event, actor=request.user, **form.action_kwargs())
            except DOMAIN_ERRORS as exc:
                _form_error(form, exc)
            else:
                messages.success(request, f"已登记「{queries.event_label(event)}」。")
                return redirect("recruitment:case", pk=case.pk)
        return self.render(case, event, form, status=400)

    def render(self, case, event, form, status=200):
        number = rules.EVENTS[event][0]
        holidays, workdays = actions.calendar_days()
        provisional = event == "publish_notice" and not (holidays or workdays)
        context = {
            "form": form,
            "case": case,
            "title": f"{queries.event_label(event)}：{case.member.name}",
            "step_no": number,
            "required": [rules.DOCUMENTS[d] for d in rules.REQUIRED_DOCUMENTS.get(event, ())],
            "provisional": provisional,
        }
        return render(self.request, "recruitment/form.html", context, status=status)


class QueueView(ScopedView):
    queryset = RecruitmentCase.objects.all()
    action = "approve"

    def get(self, request):
        self.check_permission()
        return render(request, "recruitment/queues.html", {"queues": queries.queues(request.user)})


class DecideView(ScopedView):
    queryset = RecruitmentCase.objects.select_related("member", "org")
    action = "approve"

    def get(self, request, pk):
        case = self.get_object(pk=pk)
        form = DecisionForm(initial={"approve": "1", "on": timezone.localdate(), "version": case.version})
        return self.render(case, form)

    def post(self, request, pk):
        case = self.get_object(pk=pk)
        form = DecisionForm(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            try:
                if not case.awaiting:
                    raise RuleViolation("DEV-STATE", "该档案没有待上级党委办理的事项")
                actions.decide(
                    case,
                    case.awaiting,
                    actor=request.user,
                    approve=d["approve"],
                    on=d["on"],
                    reason=d["reason"],
                    expected_version=d["version"],
                )
            except DOMAIN_ERRORS as exc:
                _form_error(form, exc)
            else:
                messages.success(request, "已办理。" if d["approve"] else "已退回。")
                return redirect("recruitment:queues")
        return self.render(case, form, status=400)

    def render(self, case, form, status=200):
        label = rules.DECISIONS.get(case.awaiting, (0, "上级党委办理"))[1]
        context = {
            "form": form,
            "case": case,
            "title": f"{label}：{case.member.name}",
            "approver": actions.approving_org(case.org),
        }
        return render(self.request, "recruitment/form.html", context, status=status)


class TransferView(ScopedView):
    queryset = RecruitmentCase.objects.select_related("member", "org")
    action = "change"

    def get(self, request, pk):
        case = self.get_object(pk=pk)
        return self.render(case, TransferForm(initial={"on": timezone.localdate()}))

    def post(self, request, pk):
        case = self.get_object(pk=pk)
        form = TransferForm(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            to_org = restrict(Org.objects.all(), request.user, queries.CHANGE).filter(pk=d["to_org"]).first()
            try:
                if to_org is None:
                    raise OutOfScope("转入党组织不存在或不在您的管辖范围内。")
                actions.transfer_case(case, to_org, actor=request.user, on=d["on"], note=d["note"])
            except DOMAIN_ERRORS as exc:
                _form_error(form, exc)
            else:
                messages.success(request, f"已将发展档案转入{to_org.name}，培养时间连续计算。")
                return redirect("recruitment:case", pk=case.pk)
        return self.render(case, form, status=400)

    def render(self, case, form, status=200):
        context = {"form": form, "case": case, "title": f"发展档案转接：{case.member.name}"}
        return render(self.request, "recruitment/form.html", context, status=status)


class OverviewView(ScopedView):
    queryset = RecruitmentCase.objects.all()

    def get(self, request):
        self.check_permission()
        today = timezone.localdate()
        org = _org_param(request)
        params = {k: request.GET.get(k, "") for k in ("state", "overdue", "broken", "open", "rule", "approved")}
        params["org_obj"] = org
        page = Paginator(queries.filtered(request.user, params, today), PER_PAGE).get_page(request.GET.get("page"))
        memo: dict = {}
        counts = Paginator(queries.counts_per_org(request.user, org), PER_PAGE).get_page(request.GET.get("cpage"))
        query = request.GET.copy()
        query.pop("page", None)
        context = {
            "page": page,
            "cards": [queries.card(c, today, memo) for c in page.object_list],
            "counts": counts,
            "totals": queries.totals(request.user, today, org),
            "quotas": queries.quotas(request.user, today.year, org),
            "can_quota": has_permission(request.user, actions.OPTIONS),
            "year": today.year,
            "states": CaseState.choices,
            "rule_codes": sorted(rules.CODE_MESSAGES.items()),
            "params": params,
            "org": org,
            "query": query.urlencode(),
        }
        return render(request, "recruitment/overview.html", context)


class OptionsView(ScopedView):
    queryset = LocalOption.objects.select_related("org")
    action = "change"

    def get(self, request):
        self.check_permission()
        return self.render(OptionForm())

    def post(self, request):
        self.check_permission()
        form = OptionForm(request.POST)
        org = _org_param_post(request)
        if form.is_valid():
            try:
                if org is None:
                    raise OutOfScope("请选择适用的党组织。")
                actions.set_local_option(org, actor=request.user, **form.cleaned_data)
            except DOMAIN_ERRORS as exc:
                _form_error(form, exc)
            else:
                messages.success(request, "已登记本地规定。")
                return redirect("recruitment:options")
        return self.render(form, status=400)

    def render(self, form, status=200):
        context = {
            "form": form,
            "options": self.get_queryset().order_by("org__path", "code", "effective_from")[:500],
            "orgs": restrict(
                Org.objects.active().exclude(kind__in=["branch", "joint_branch"]), self.request.user, actions.OPTIONS
            ).order_by("path")[:500],
            "defaults": [(c, rules.LOCAL_OPTION_LABELS[c], v) for c, v in rules.LOCAL_OPTION_DEFAULTS.items()],
        }
        return render(self.request, "recruitment/options.html", context, status=status)


class QuotaView(ScopedView):
    """DEV-P8: the county sets each subtree's yearly development quota and sees the intake against it."""

    queryset = LocalOption.objects.select_related("org")
    action = "change"

    def year(self):
        raw = self.request.GET.get("year", "")
        return int(raw) if raw.isdigit() and 2000 <= int(raw) <= 2100 else timezone.localdate().year

    def get(self, request):
        self.check_permission()
        year = self.year()
        initial = {"year": year}
        org = _org_param(request)
        if org is not None:
            current = next((q for q in queries.quotas(request.user, year, org) if q["org_id"] == org.pk), None)
            if current:
                initial.update(quota=current["quota"], version=current["version"], note=current["note"])
        return self.render(QuotaForm(initial=initial), year, org)

    def post(self, request):
        self.check_permission()
        form = QuotaForm(request.POST)
        org = _org_param_post(request)
        if form.is_valid():
            d = form.cleaned_data
            try:
                if org is None:
                    raise OutOfScope("请选择党组织。")
                actions.set_quota(
                    org, d["year"], d["quota"], actor=request.user, note=d["note"], expected_version=d.get("version")
                )
            except DOMAIN_ERRORS as exc:
                _form_error(form, exc)
            else:
                messages.success(request, f"已设置{org.name}{d['year']}年发展党员计划指标。")
                return redirect(f"{reverse('recruitment:quota')}?year={d['year']}")
        year = form.cleaned_data.get("year") if form.is_valid() else self.year()
        return self.render(form, year or self.year(), org, status=400)

    def render(self, form, year, org=None, status=200):
        context = {
            "form": form,
            "year": year,
            "chosen": org,
            "rows": queries.quotas(self.request.user, year),
            "orgs": restrict(Org.objects.active(), self.request.user, actions.OPTIONS).order_by("path")[:500],
        }
        return render(self.request, "recruitment/quota.html", context, status=status)


def _org_param_post(request):
    raw = request.POST.get("org", "")
    if not raw.isdigit():
        return None
    return restrict(Org.objects.all(), request.user, actions.OPTIONS).filter(pk=int(raw)).first()


IMPORT_PERM = "recruitment.change_recruitmentcase"


def _xlsx(data: bytes, filename: str):
    import io

    from django.http import FileResponse

    content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return FileResponse(io.BytesIO(data), as_attachment=True, filename=filename, content_type=content_type)


class ImportView(ScopedView):
    """Upload a spreadsheet of existing cases: every row is checked at once (errors and rule warnings, row by
    row, on the batch page); the batch is then committed all or nothing, and can be rolled back."""

    queryset = CaseImport.objects.select_related("created_by")
    action = IMPORT_PERM

    def get(self, request, error: str = "", status: int = 200):
        self.check_permission()
        context = {
            "columns": list(importer.COLUMNS),
            "required": importer.REQUIRED,
            "batches": self.get_queryset().order_by("-created_at")[:20],
            "error": error,
        }
        return render(request, "recruitment/import.html", context, status=status)

    def post(self, request):
        self.check_permission()
        upload = request.FILES.get("file")
        if upload is None:
            return self.get(request, "请选择要导入的 xlsx 文件。", 400)
        try:
            batch = importer.store_upload(upload, user=request.user)
            importer.run_preview(batch, user=request.user)
        except importer.ImportFileError as exc:
            return self.get(request, str(exc), 400)
        except DOMAIN_ERRORS as exc:
            return self.get(request, str(exc), 400)
        return redirect("recruitment:import_batch", pk=batch.pk)


class ImportTemplateView(ScopedView):
    queryset = CaseImport.objects.all()
    action = IMPORT_PERM

    def get(self, request):
        import io

        self.check_permission()
        buffer = io.BytesIO()
        importer.write_template(buffer)
        return _xlsx(buffer.getvalue(), "发展党员档案导入模板.xlsx")


class ImportBatchView(ScopedView):
    queryset = CaseImport.objects.select_related("created_by", "org")
    action = IMPORT_PERM

    def get(self, request, pk):
        batch = self.get_object(pk=pk)
        rows = Paginator(batch.report, 100).get_page(request.GET.get("page"))
        context = {
            "batch": batch,
            "rows": rows,
            "can_commit": batch.state == ImportState.PREVIEWED and batch.error_rows == 0,
            "can_rollback": batch.state == ImportState.COMMITTED,
        }
        return render(request, "recruitment/import_batch.html", context)


class ImportCommitView(ScopedView):
    queryset = CaseImport.objects.all()
    action = IMPORT_PERM

    def post(self, request, pk):
        batch = self.get_object(pk=pk)
        try:
            n = importer.commit(batch, user=request.user)
        except DOMAIN_ERRORS as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, f"已导入 {n} 份发展党员档案。")
        return redirect("recruitment:import_batch", pk=batch.pk)


class ImportRollbackView(ScopedView):
    queryset = CaseImport.objects.all()
    action = IMPORT_PERM

    def post(self, request, pk):
        batch = self.get_object(pk=pk)
        try:
            n = importer.rollback(batch, user=request.user)
        except DOMAIN_ERRORS as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, f"已撤销本批导入：删除 {n} 份发展党员档案。")
        return redirect("recruitment:import_batch", pk=batch.pk)


class ImportReportView(ScopedView):
    queryset = CaseImport.objects.all()
    action = IMPORT_PERM

    def get(self, request, pk):
        import io

        batch = self.get_object(pk=pk)
        buffer = io.BytesIO()
        importer.write_report(buffer, batch)
        return _xlsx(buffer.getvalue(), f"发展档案导入结果-{batch.pk}.xlsx")
