"""REST endpoints for roster imports: upload (validated at once), report, commit, roll back."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.mixins import ListModelMixin, RetrieveModelMixin
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from dangjian.api.base import ScopedGenericViewSet
from dangjian.core import tasks
from dangjian.members import importer
from dangjian.members.models import ImportBatch

IMPORT = "members.import_member"


class ImportBatchSerializer(serializers.ModelSerializer):
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    total_rows = serializers.IntegerField(read_only=True)
    to_create = serializers.IntegerField(read_only=True)
    to_update = serializers.IntegerField(read_only=True)
    unchanged = serializers.IntegerField(read_only=True)
    error_rows = serializers.IntegerField(read_only=True)
    warning_rows = serializers.IntegerField(read_only=True)
    problems = serializers.ListField(child=serializers.DictField(), read_only=True)

    class Meta:
        model = ImportBatch
        fields = [
            "id", "filename", "digest", "status", "status_display", "total_rows", "to_create", "to_update",
            "unchanged", "error_rows", "warning_rows", "problems", "message", "created_at", "committed_at",
            "rolled_back_at",
        ]  # fmt: skip
        read_only_fields = fields


class UploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="党员名册 xlsx（使用导入模板）")


class ImportBatchViewSet(ListModelMixin, RetrieveModelMixin, ScopedGenericViewSet):
    """党员名册导入：上传即逐行校验；无错误时确认导入（整批写入或全部不写入）；已导入的批次可撤销。"""

    queryset = ImportBatch.objects.order_by("-created_at")
    serializer_class = ImportBatchSerializer
    action_verbs = {"list": IMPORT, "retrieve": IMPORT, "create": IMPORT, "commit": IMPORT, "rollback": IMPORT}
    parser_classes = [MultiPartParser]

    @extend_schema(request={"multipart/form-data": UploadSerializer}, responses={201: ImportBatchSerializer})
    def create(self, request, *args, **kwargs):
        self.get_queryset()
        data = UploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        batch = importer.store_upload(data.validated_data["file"], user=request.user)
        job = tasks.start("member_import_preview", f"校验：{batch.filename}", "dangjian.members.importer.preview_job",
                          user=request.user, params={"batch": batch.pk, "user": request.user.pk})  # fmt: skip
        ImportBatch.objects.filter(pk=batch.pk).update(preview_job=job)
        batch.refresh_from_db()
        return Response(ImportBatchSerializer(batch).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: ImportBatchSerializer})
    @action(detail=True, methods=["post"])
    def commit(self, request, pk=None):
        batch = self.get_object()
        importer.commit(batch, user=request.user)
        batch.refresh_from_db()
        return Response(ImportBatchSerializer(batch).data)

    @extend_schema(request=None, responses={200: ImportBatchSerializer})
    @action(detail=True, methods=["post"])
    def rollback(self, request, pk=None):
        batch = self.get_object()
        importer.rollback(batch, user=request.user)
        batch.refresh_from_db()
        return Response(ImportBatchSerializer(batch).data)
