"""PIPL self-service: 我的个人信息 (all data held, a copy, requests to correct, delete or restrict), the privacy
notice, and the branch's list of those requests. Thin: the work is in `privacy_queries` and `privacy_actions`."""

from __future__ import annotations

import json
from urllib.parse import quote

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from dangjian.core.errors import ConcurrentEdit, OutOfScope, RuleViolation
from dangjian.core.scope import has_permission, restrict
from dangjian.security import privacy_actions, privacy_queries, rules
from dangjian.security.models import DataSubjectRequest, PrivacyNotice, ProcessingRestriction, RequestKind


def _member(request):
    from dangjian.orglife.queries import member_of

    return member_of(request.user)


def my_data(request):
    member = _member(request)
    if member is None:
        return render(request, "security/my_data.html", {"member": None})
    notice = privacy_actions.current_notice()
    context = {
        "member": member,
        "own": privacy_queries.own_record(member),
        "groups": privacy_queries.related_records(member),
        "corrections": DataSubjectRequest.objects.filter(member=member).order_by("-submitted_on", "-pk"),
        "restriction": privacy_actions.restriction_of(member),
        "deletable": rules.DELETABLE_PARTS,
        "kept_by_duty": rules.KEPT_BY_DUTY,
        "notice": notice,
        "acknowledged": privacy_actions.has_acknowledged(member, notice),
        "today": timezone.localdate(),
    }
    return render(request, "security/my_data.html", context)


def my_data_copy(request):
    member = _member(request)
    if member is None:
        raise Http404
    privacy_actions.record_copy(member, actor=request.user)
    body = json.dumps(privacy_queries.copy_of(member, request.user), ensure_ascii=False, indent=1, default=str)
    response = HttpResponse(body.encode(), content_type="application/json; charset=utf-8")
    filename = f"个人信息副本-{timezone.localdate():%Y%m%d}.json"
    response["Content-Disposition"] = f"attachment; filename=\"personal-data.json\"; filename*=UTF-8''{quote(filename)}"
    response["Cache-Control"] = "no-store"
    return response


@require_POST
def my_request(request):
    """The member's correction, deletion or restriction request (`kind`; correction when absent)."""
    member = _member(request)
    if member is None:
        raise Http404
    kind = request.POST.get("kind") or RequestKind.CORRECTION
    if kind not in RequestKind.values:
        messages.error(request, "未知的申请事项。")
        return redirect("security:my_data")
    try:
        privacy_actions.submit_request(
            member,
            actor=request.user,
            kind=kind,
            item=request.POST.get("item", ""),
            proposed=request.POST.get("proposed", ""),
            explanation=request.POST.get("explanation", ""),
            parts=request.POST.getlist("parts"),
            today=timezone.localdate(),
        )
    except (RuleViolation, OutOfScope) as exc:
        messages.error(request, exc.message)
    else:
        label = RequestKind(kind).label
        messages.success(request, f"{label}申请已提交至您所在的党支部，将在 {rules.CORRECTION_REPLY_DAYS} 日内答复。")
    return redirect("security:my_data")


def notice(request):
    current = privacy_actions.current_notice()
    member = _member(request)
    if request.method == "POST":
        if current is None or member is None or str(current.version) != request.POST.get("version"):
            messages.error(request, "告知已更新，请阅读最新版本后再确认。")
        else:
            privacy_actions.acknowledge(member, current, actor=request.user)
            messages.success(request, f"已确认阅知第{current.version}版个人信息处理告知。")
        return redirect("security:notice")
    context = {
        "notice": current,
        "member": member,
        "acknowledged": member is not None and privacy_actions.has_acknowledged(member, current),
        "history": PrivacyNotice.objects.only("version", "title", "published_at")[:20],
    }
    return render(request, "security/notice.html", context)


def _corrections(user):
    if not has_permission(user, privacy_actions.ANSWER_PERM):
        raise PermissionDenied
    return restrict(DataSubjectRequest.objects.all(), user, privacy_actions.ANSWER_PERM).select_related("member__org")


def corrections(request):
    qs = _corrections(request.user)
    context = {"open": qs.filter(status="open").order_by("due_on"), "done": qs.exclude(status="open")[:100]}
    context["today"] = timezone.localdate()
    return render(request, "security/corrections.html", context)


def correction(request, pk):
    item = _corrections(request.user).filter(pk=pk).first()
    if item is None:
        raise Http404
    if request.method == "POST":
        try:
            if request.POST.get("decision") == "lift":
                privacy_actions.lift_restriction_of(
                    item, actor=request.user, reason=request.POST.get("reasons", ""), today=timezone.localdate()
                )
                done = "已解除限制处理。"
            else:
                privacy_actions.answer_request(
                    item,
                    actor=request.user,
                    accept=request.POST.get("decision") == "accept",
                    reasons=request.POST.get("reasons", ""),
                    version=int(request.POST.get("version", "0") or 0),
                    today=timezone.localdate(),
                )
                done = "已答复该申请。"
        except (RuleViolation, OutOfScope, ConcurrentEdit) as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, done)
        return redirect("security:correction", pk=item.pk)
    context = {
        "item": item,
        "today": timezone.localdate(),
        "restriction": ProcessingRestriction.objects.filter(request=item).first(),
        "kept_by_duty": rules.KEPT_BY_DUTY,
    }
    return render(request, "security/correction.html", context)
