"""Pages for a member's archive records: add and delete, upload and download documents."""

from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render

from dangjian.core.errors import OutOfScope, RuleViolation
from dangjian.core.views import ScopedView
from dangjian.members import records
from dangjian.members.models import Member, MemberDocument
from dangjian.members.record_forms import RECORD_FORMS, DocumentForm


class RecordAddView(ScopedView):
    queryset = Member.objects.select_related("org")
    action = "change"

    def setup_kind(self, kind):
        if kind not in RECORD_FORMS:
            raise Http404
        return RECORD_FORMS[kind]

    def get(self, request, pk, kind):
        form_class, title = self.setup_kind(kind)
        member = self.get_object(pk=pk)
        return render(request, "members/form.html", {"form": form_class(), "member": member, "title": title})

    def post(self, request, pk, kind):
        form_class, title = self.setup_kind(kind)
        member = self.get_object(pk=pk)
        form = form_class(request.POST)
        if form.is_valid():
            try:
                records.add_record(member, kind, actor=request.user, **form.cleaned_data)
            except (RuleViolation, OutOfScope) as exc:
                form.add_error(
                    getattr(exc, "field", None) if getattr(exc, "field", None) in form.fields else None, str(exc)
                )
            else:
                messages.success(request, f"已{title[:2]}。")
                return redirect("members:detail", pk=member.pk)
        return render(request, "members/form.html", {"form": form, "member": member, "title": title}, status=400)


class RecordDeleteView(ScopedView):
    queryset = Member.objects.select_related("org")
    action = "change"

    def post(self, request, pk, kind, record_id):
        member = self.get_object(pk=pk)
        model = records.RECORD_MODELS.get(kind)
        if model is None:
            raise Http404
        record = get_object_or_404(model, pk=record_id, member=member)
        records.delete_record(record, actor=request.user)
        messages.success(request, "已删除。")
        return redirect("members:detail", pk=member.pk)


class DocumentAddView(ScopedView):
    queryset = Member.objects.select_related("org")
    action = "change"

    def get(self, request, pk):
        member = self.get_object(pk=pk)
        return render(request, "members/upload.html", {"form": DocumentForm(), "member": member})

    def post(self, request, pk):
        member = self.get_object(pk=pk)
        form = DocumentForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                records.attach_document(
                    member, form.cleaned_data["file"], actor=request.user, kind=form.cleaned_data["kind"],
                    title=form.cleaned_data["title"],
                )  # fmt: skip
            except (RuleViolation, OutOfScope) as exc:
                form.add_error("file" if getattr(exc, "field", None) == "file" else None, str(exc))
            else:
                messages.success(request, "已上传。")
                return redirect("members:detail", pk=member.pk)
        return render(request, "members/upload.html", {"form": form, "member": member}, status=400)


class DocumentView(ScopedView):
    """Download a scan: the member must be in scope; every download is audited."""

    queryset = Member.objects.select_related("org")

    def get(self, request, pk, document_id):
        member = self.get_object(pk=pk)
        document = get_object_or_404(MemberDocument, pk=document_id, member=member)
        path = records.document_path(document)
        if not path.exists():
            raise Http404
        records.record_download(document, actor=request.user)
        suffix = path.suffix
        return FileResponse(path.open("rb"), as_attachment=True, filename=f"{document.title}{suffix}",
                            content_type=document.content_type)  # fmt: skip


class DocumentDeleteView(ScopedView):
    queryset = Member.objects.select_related("org")
    action = "change"

    def post(self, request, pk, document_id):
        member = self.get_object(pk=pk)
        document = get_object_or_404(MemberDocument, pk=document_id, member=member)
        records.delete_document(document, actor=request.user)
        messages.success(request, "已删除材料。")
        return redirect("members:detail", pk=member.pk)
