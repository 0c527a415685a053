"""A member's archive records: rewards and punishments, family, hardship aid, documents."""

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from dangjian.core.errors import OutOfScope, RuleViolation
from dangjian.core.models import AuditEvent
from dangjian.members import records
from dangjian.members.models import MemberDocument

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_add_and_delete_records_through_the_pages(client_as, people):
    client = client_as("village_secretary")
    zhang = people["zhang"]
    r = client.post(
        reverse("members:record_add", args=[zhang.pk, "reward"]),
        {"kind": "reward", "title": "优秀共产党员", "on": "2025-07-01", "authority": "中共东山镇委员会"},
    )
    assert r.status_code == 302
    client.post(reverse("members:record_add", args=[zhang.pk, "family"]), {"relation": "配偶", "name": "李桂兰"})
    client.post(
        reverse("members:record_add", args=[zhang.pk, "aid"]),
        {"kind": "患病", "description": "慢性病", "since": "2025-01-01"},
    )
    html = client.get(reverse("members:detail_tab", args=[zhang.pk, "records"])).content.decode()
    for text in ("优秀共产党员", "李桂兰", "慢性病"):
        assert text in html
    reward = zhang.rewards_punishments.get()
    client.post(reverse("members:record_delete", args=[zhang.pk, "reward", reward.pk]))
    assert not zhang.rewards_punishments.exists()
    assert AuditEvent.objects.filter(action="member.reward.delete").exists()


def test_unknown_record_kind_is_404(client_as, people):
    assert (
        client_as("village_secretary").get(reverse("members:record_add", args=[people["zhang"].pk, "x"])).status_code
        == 404
    )


def test_aid_dates_are_checked(people):
    with pytest.raises(RuleViolation):
        records.add_record(people["zhang"], "aid", actor=None, kind="患病", description="x",
                           since=date(2025, 5, 1), until=date(2025, 1, 1))  # fmt: skip


def test_records_respect_scope(people, personas):
    with pytest.raises(OutOfScope):
        records.add_record(people["zhao"], "family", actor=personas["village_secretary"], relation="配偶", name="x")


def test_documents_upload_download_and_audit(client_as, people, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client = client_as("village_secretary")
    zhang = people["zhang"]
    upload = SimpleUploadedFile("入党申请书.pdf", PDF, content_type="application/pdf")
    r = client.post(
        reverse("members:document_add", args=[zhang.pk]), {"kind": "入党申请书", "title": "", "file": upload}
    )
    assert r.status_code == 302
    document = MemberDocument.objects.get()
    assert document.title == "入党申请书"
    assert records.document_path(document).read_bytes() == PDF
    download = client.get(reverse("members:document", args=[zhang.pk, document.pk]))
    assert b"".join(download.streaming_content) == PDF
    assert AuditEvent.objects.filter(action="member.document.download").exists()
    assert (
        client_as("town_secretary").get(reverse("members:document", args=[people["zhao"].pk, document.pk])).status_code
        == 404
    )


def test_only_pdf_and_images_are_accepted(client_as, people, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    upload = SimpleUploadedFile("x.pdf", b"<html>not a pdf</html>", content_type="application/pdf")
    r = client_as("village_secretary").post(reverse("members:document_add", args=[people["zhang"].pk]),
                                            {"kind": "其他", "file": upload})  # fmt: skip
    assert r.status_code == 400
    assert "只能上传 PDF、JPG 或 PNG 文件" in r.content.decode()
    assert not MemberDocument.objects.exists()


def test_document_of_another_member_is_404(client_as, people, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    document = records.attach_document(
        people["zhang"], SimpleUploadedFile("a.pdf", PDF), actor=None, kind="其他", title="a"
    )
    client = client_as("village_secretary")
    assert client.get(reverse("members:document", args=[people["li"].pk, document.pk])).status_code == 404
