"""Org pages: the lazy tree, search, an org's page, and the create/edit/move/dissolve forms.

Thin: every queryset comes from `restrict` (through ScopedMixin or orgs.queries), every change
goes through orgs.actions.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from dangjian.core.errors import ConcurrentEdit, OutOfScope, RuleViolation
from dangjian.core.scope import user_may_act_on_path
from dangjian.core.views import ScopedView
from dangjian.orgs import actions, queries, rules
from dangjian.orgs.forms import DissolveForm, MoveForm, OfficerForm, OrgForm, TermForm
from dangjian.orgs.models import Org

DOMAIN_ERRORS = (RuleViolation, ConcurrentEdit, OutOfScope)


def _node_context(user, pairs):
    ids = [o.pk for o, _ in pairs]
    with_children = queries.has_children_map(ids)
    return [{"org": o, "totals": t, "has_children": o.pk in with_children} for o, t in pairs]


def _form_error(form, exc):
    field = getattr(exc, "field", None)
    form.add_error(field if field in form.fields else None, str(exc))


class TreeView(ScopedView):
    queryset = Org.objects.active()

    def get(self, request):
        self.check_permission()
        tops = list(queries.top_orgs(request.user))
        nodes = _node_context(request.user, queries.nodes_with_totals(tops))
        return render(request, "orgs/tree.html", {"nodes": nodes})


class ChildrenView(ScopedView):
    queryset = Org.objects.all()

    def get(self, request, pk):
        org = self.get_object(pk=pk)
        nodes = _node_context(request.user, queries.children(request.user, org))
        return render(request, "orgs/_nodes.html", {"nodes": nodes})


class SearchView(ScopedView):
    queryset = Org.objects.active()

    def get(self, request):
        self.check_permission()
        text = request.GET.get("q", "")[:64]
        hits = list(queries.search(request.user, text))
        if request.GET.get("format") == "json":
            return JsonResponse(
                {
                    "results": [
                        {
                            "id": o.pk,
                            "url": reverse("orgs:detail", args=[o.pk]),
                            "label": o.name,
                            "initials": o.name_initials,
                            "kind": o.get_kind_display(),
                        }
                        for o in hits
                    ]
                }
            )
        template = "orgs/_search_results.html" if request.htmx else "orgs/search.html"
        return render(request, template, {"hits": hits, "q": text})


class DetailView(ScopedView):
    queryset = Org.objects.all()

    def get(self, request, pk):
        org = self.get_object(pk=pk)
        totals, kind_counts = queries.subtree_totals_and_kinds(org)
        term = queries.current_term(org)
        officers = queries.current_officers(org)
        committee_size = len(officers) if term and term.has_committee else None
        findings = (
            rules.structure_findings(
                kind=org.kind,
                full_members=org.full_member_count if org.is_branch else totals.full_members,
                members=org.member_count if org.is_branch else totals.members,
                has_committee=bool(term and term.has_committee),
                committee_size=committee_size,
                term_ends_on=term.ends_on if term else None,
                today=timezone.localdate(),
            )
            if not org.is_dissolved
            else []
        )
        user = request.user
        context = {
            "org": org,
            "ancestors": queries.ancestors(user, org),
            "children": _node_context(user, queries.children(user, org)),
            "totals": totals,
            "kind_counts": kind_counts,
            "term": term,
            "officers": officers,
            "findings": findings,
            "can": {
                "add": user_may_act_on_path(user, "orgs.add_org", org.path) and not org.is_branch,
                "change": user_may_act_on_path(user, "orgs.change_org", org.path),
                "move": user_may_act_on_path(user, "orgs.move_org", org.path) and org.parent_id is not None,
                "dissolve": user_may_act_on_path(user, "orgs.dissolve_org", org.path),
            },
        }
        return render(request, "orgs/detail.html", context)


class CreateView(ScopedView):
    queryset = Org.objects.active()
    action = "add"

    def dispatch(self, request, pk):
        self.parent = self.get_object(pk=pk)
        return super().dispatch(request, pk)

    def get(self, request, pk):
        form = OrgForm(initial={"established_on": timezone.localdate(), "sector": self.parent.sector})
        return self.render(form)

    def post(self, request, pk):
        form = OrgForm(request.POST)
        if form.is_valid():
            data = {k: v for k, v in form.cleaned_data.items() if k != "version"}
            try:
                org = actions.create_org(self.parent, actor=request.user, **data)
            except DOMAIN_ERRORS as exc:
                _form_error(form, exc)
            else:
                messages.success(request, f"已创建党组织「{org.name}」。")
                return redirect("orgs:detail", pk=org.pk)
        return self.render(form, status=400)

    def render(self, form, status=200):
        return render(
            self.request,
            "orgs/form.html",
            {"form": form, "org": self.parent, "title": f"在「{self.parent.name}」下新建党组织"},
            status=status,
        )


class EditView(ScopedView):
    queryset = Org.objects.active()
    action = "change"

    def get(self, request, pk):
        org = self.get_object(pk=pk)
        form = OrgForm(instance=org, initial={"version": org.version})
        return self.render(org, form)

    def post(self, request, pk):
        org = self.get_object(pk=pk)
        original = Org.objects.get(pk=org.pk)
        form = OrgForm(request.POST, instance=Org.objects.get(pk=org.pk))
        if form.is_valid():
            changes = {k: v for k, v in form.cleaned_data.items() if k != "version" and getattr(original, k) != v}
            try:
                if changes:
                    actions.update_org(
                        original, actor=request.user, expected_version=form.cleaned_data.get("version"), **changes
                    )
            except DOMAIN_ERRORS as exc:
                _form_error(form, exc)
            else:
                messages.success(request, "已保存。" if changes else "没有需要保存的修改。")
                return redirect("orgs:detail", pk=org.pk)
        return self.render(original, form, status=400)

    def render(self, org, form, status=200):
        return render(
            self.request, "orgs/form.html", {"form": form, "org": org, "title": f"编辑「{org.name}」"}, status=status
        )


class MoveView(ScopedView):
    queryset = Org.objects.active()
    action = "move"

    def form(self, data=None, org=None):
        parents = queries.visible(self.request.user, "move")
        return MoveForm(data, parent_queryset=parents, initial={"version": org.version if org else None})

    def get(self, request, pk):
        org = self.get_object(pk=pk)
        return self.render(org, self.form(org=org))

    def post(self, request, pk):
        org = self.get_object(pk=pk)
        form = self.form(request.POST, org=org)
        if form.is_valid():
            try:
                actions.move_org(
                    org,
                    form.cleaned_data["new_parent"],
                    actor=request.user,
                    on=form.cleaned_data.get("on"),
                    expected_version=form.cleaned_data["version"],
                )
            except DOMAIN_ERRORS as exc:
                _form_error(form, exc)
            else:
                messages.success(request, f"已将「{org.name}」调整到「{form.cleaned_data['new_parent'].name}」之下。")
                return redirect("orgs:detail", pk=org.pk)
        return self.render(org, form, status=400)

    def render(self, org, form, status=200):
        return render(self.request, "orgs/move.html", {"form": form, "org": org}, status=status)


class DissolveView(ScopedView):
    queryset = Org.objects.active()
    action = "dissolve"

    def get(self, request, pk):
        org = self.get_object(pk=pk)
        form = DissolveForm(initial={"version": org.version, "on": timezone.localdate()})
        return self.render(org, form)

    def post(self, request, pk):
        org = self.get_object(pk=pk)
        form = DissolveForm(request.POST)
        if form.is_valid():
            try:
                actions.dissolve_org(
                    org,
                    actor=request.user,
                    on=form.cleaned_data["on"],
                    reason=form.cleaned_data["reason"],
                    expected_version=form.cleaned_data["version"],
                )
            except DOMAIN_ERRORS as exc:
                _form_error(form, exc)
            else:
                messages.success(request, f"已撤销「{org.name}」。")
                return redirect("orgs:detail", pk=org.pk)
        return self.render(org, form, status=400)

    def render(self, org, form, status=200):
        return render(self.request, "orgs/dissolve.html", {"form": form, "org": org}, status=status)


class TermCreateView(ScopedView):
    queryset = Org.objects.active()
    action = "change"

    def get(self, request, pk):
        org = self.get_object(pk=pk)
        return self.render(org, TermForm(initial={"elected_on": timezone.localdate()}))

    def post(self, request, pk):
        org = self.get_object(pk=pk)
        form = TermForm(request.POST)
        if form.is_valid():
            term = actions.start_term(org, actor=request.user, **form.cleaned_data)
            messages.success(request, f"已登记换届，任期至{term.ends_on:%Y年%m月%d日}。")
            return redirect("orgs:detail", pk=org.pk)
        return self.render(org, form, status=400)

    def render(self, org, form, status=200):
        return render(
            self.request, "orgs/form.html", {"form": form, "org": org, "title": "登记换届选举"}, status=status
        )


class OfficerCreateView(ScopedView):
    queryset = Org.objects.active()
    action = "change"

    def get(self, request, pk):
        org = self.get_object(pk=pk)
        return self.render(org, OfficerForm(initial={"starts_on": timezone.localdate()}))

    def post(self, request, pk):
        org = self.get_object(pk=pk)
        form = OfficerForm(request.POST)
        if form.is_valid():
            actions.appoint_officer(org, actor=request.user, term=queries.current_term(org), **form.cleaned_data)
            messages.success(request, "已登记班子成员。")
            return redirect("orgs:detail", pk=org.pk)
        return self.render(org, form, status=400)

    def render(self, org, form, status=200):
        return render(
            self.request, "orgs/form.html", {"form": form, "org": org, "title": "登记班子成员"}, status=status
        )
