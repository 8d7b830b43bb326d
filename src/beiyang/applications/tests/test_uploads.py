"""Uploads: the type comes from the content, never from the client; the structure must match the
extension; a capped number per document type; a body over the cap is refused before it is read."""

import asyncio
import io
import json
import struct
import zipfile
import zlib
from functools import partial

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from beiyang.applications.models import Document
from beiyang.applications.tests.test_applications import PDF
from beiyang.core.tests.threads import all_at_once

pytestmark = pytest.mark.django_db(transaction=True)


def _png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00"))
        + chunk(b"IEND", b"")
    )


PNG = _png()
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"


def _office(part: str) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr(f"{part}/document.xml", "<x/>")
    return out.getvalue()


def _post(client, app_id, content, name, content_type="application/octet-stream", doc_type="founder_id"):
    return client.client.post(
        f"/api/v1/applications/{app_id}/documents",
        {"doc_type": doc_type, "file": SimpleUploadedFile(name, content, content_type=content_type)},
        headers={"Authorization": f"Bearer {client.token}"},
    )


@pytest.fixture
def draft(founder):
    _user, _company, client = founder
    app = client.post("applications", {"policy": "startup-capital"}).json()
    return client, app["id"]


def _download(client, app_id, doc_id):
    return client.get(f"applications/{app_id}/documents/{doc_id}")


def test_the_type_stored_and_served_comes_from_the_content(draft):
    client, app_id = draft
    resp = _post(client, app_id, PDF, "plan.pdf", content_type="text/html")
    assert resp.status_code == 201, resp.json()
    assert Document.objects.get().content_type == "application/pdf"
    served = _download(client, app_id, resp.json()["id"])
    assert served["Content-Type"] == "application/pdf"
    assert served["X-Content-Type-Options"] == "nosniff"
    assert served["Content-Disposition"].startswith("attachment")
    image = _post(client, app_id, PNG, "me.png", content_type="text/html").json()
    shown = _download(client, app_id, image["id"])
    assert shown["Content-Type"] == "image/png" and shown["Content-Disposition"].startswith("inline")
    assert "sandbox" in shown["Content-Security-Policy"]


def test_a_row_stored_with_the_clients_type_is_served_by_what_it_is(draft):
    client, app_id = draft
    doc = _post(client, app_id, PDF, "plan.pdf").json()
    Document.objects.filter(pk=doc["id"]).update(content_type="text/html")
    served = _download(client, app_id, doc["id"])
    assert served["Content-Type"] == "application/pdf" and served["Content-Disposition"].startswith(
        "attachment"
    )


@pytest.mark.parametrize(
    ("content", "name"),
    [
        (b"%PDF-1.4\n<html><script>alert(document.cookie)</script></html>", "x.pdf"),
        (b"%PDF-1.4\n<html><body>no trailer</body></html>\n%%EOF\n", "x.pdf"),
        (b"\x89PNG\r\n\x1a\n<html><script>alert(1)</script></html>", "x.png"),
        (b"\xff\xd8\xff<html><script>alert(1)</script></html>", "x.jpg"),
        (b"PK\x03\x04<html><script>alert(1)</script></html>", "x.docx"),
        (_office("word"), "x.xlsx"),
        (b"\xd0\xcf\x11\xe0<html></html>", "x.doc"),
    ],
)
def test_content_whose_structure_does_not_match_is_refused(draft, content, name):
    client, app_id = draft
    resp = _post(client, app_id, content, name)
    assert resp.status_code == 400 and resp.json()["code"] == "file_type_mismatch", resp.json()
    assert Document.objects.count() == 0


@pytest.mark.parametrize(
    ("content", "name", "mime"),
    [
        (PNG, "a.png", "image/png"),
        (JPEG, "a.jpeg", "image/jpeg"),
        (
            _office("word"),
            "a.docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        (_office("xl"), "a.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (
            _office("ppt"),
            "a.pptx",
            "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        ),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504, "a.xls", "application/vnd.ms-excel"),
    ],
)
def test_well_formed_files_of_each_type(draft, content, name, mime):
    client, app_id = draft
    resp = _post(client, app_id, content, name, content_type="text/html")
    assert resp.status_code == 201, resp.json()
    assert Document.objects.get().content_type == mime


@pytest.mark.parametrize("content_type", ["application/pdf\x00text/html", "application/" + "x" * 300])
def test_a_crafted_content_type_is_refused(draft, content_type):
    client, app_id = draft
    resp = _post(client, app_id, PDF, "plan.pdf", content_type=content_type)
    assert resp.status_code == 400 and resp.json()["code"] == "file_content_type", resp.json()
    assert Document.objects.count() == 0


def test_at_most_a_set_number_of_documents_per_type(draft, settings):
    settings.APPLICATION_MAX_DOCUMENTS_PER_TYPE = 2
    client, app_id = draft
    assert _post(client, app_id, PDF, "1.pdf").status_code == 201
    assert _post(client, app_id, PDF, "2.pdf").status_code == 201
    third = _post(client, app_id, PDF, "3.pdf")
    assert third.status_code == 409 and third.json()["code"] == "too_many_documents"
    assert "2" in third.json()["message"]
    assert _post(client, app_id, PDF, "plan.pdf", doc_type="business_plan").status_code == 201


def test_parallel_uploads_stop_at_the_limit(draft, settings):
    settings.APPLICATION_MAX_DOCUMENTS_PER_TYPE = 2
    client, app_id = draft
    answers = all_at_once([partial(_post, client, app_id, PDF, f"{i}.pdf") for i in range(6)])
    assert sorted(a.status_code for a in answers) == [201, 201, 409, 409, 409, 409]
    assert Document.objects.filter(application_id=app_id).count() == 2


def test_an_upload_over_the_cap_is_refused_with_413(draft, settings):
    settings.APPLICATION_MAX_UPLOAD_BYTES = 1000
    client, app_id = draft
    resp = _post(client, app_id, PDF + b"%" * 5000, "big.pdf")
    assert resp.status_code == 413 and resp.json()["code"] == "file_too_large", resp.json()
    assert Document.objects.count() == 0


def test_the_page_says_when_an_upload_is_over_the_cap(founder, settings):
    settings.APPLICATION_MAX_UPLOAD_BYTES = 1000
    user, _company, client = founder
    app = client.post("applications", {"policy": "startup-capital"}).json()
    page = Client()
    page.force_login(user)
    html = page.post(
        f"/applications/{app['id']}/",
        {"step": "upload", "doc_type": "founder_id", "file": SimpleUploadedFile("a.pdf", PDF + b"%" * 5000)},
        follow=True,
    ).content.decode()
    assert "文件过大" in html and Document.objects.count() == 0


class _CountingStream(io.BytesIO):
    def read(self, size=-1):
        data = super().read(size)
        self.consumed = getattr(self, "consumed", 0) + len(data)
        return data


def _parse(body: bytes, content_type: str, declared: int | None = None):
    from django.http.multipartparser import MultiPartParser
    from django.test import RequestFactory

    from beiyang.core.uploads import CappedUploadHandler

    request = RequestFactory().post("/x")
    stream = _CountingStream(body)
    meta = {"CONTENT_TYPE": content_type, "CONTENT_LENGTH": str(declared or len(body))}
    parser = MultiPartParser(meta, stream, [CappedUploadHandler(request)], "utf-8")
    _post, files = parser.parse()
    return request, stream, files


def _multipart(size: int) -> tuple[bytes, str]:
    from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart

    body = encode_multipart(BOUNDARY, {"file": SimpleUploadedFile("big.pdf", b"%" * size)})
    return body, MULTIPART_CONTENT


def test_the_upload_handler_reads_nothing_of_a_body_declared_over_the_cap(settings):
    settings.APPLICATION_MAX_UPLOAD_BYTES = 10_000
    body, content_type = _multipart(450_000)  # past the cap with the form's room (64 KB) too
    request, stream, files = _parse(body, content_type)
    assert getattr(stream, "consumed", 0) == 0
    assert not files and request.upload_refused == "file_too_large"


def test_the_upload_handler_stops_reading_at_the_cap(settings):
    settings.APPLICATION_MAX_UPLOAD_BYTES = 10_000
    body, content_type = _multipart(400_000)
    # Declared under the request's cap (as a lying or chunked client may), the file runs past it.
    request, stream, files = _parse(body, content_type, declared=50_000)
    assert not files and request.upload_refused == "file_too_large"
    assert stream.consumed < len(body) // 2, (stream.consumed, len(body))


def _asgi(app, headers, chunks):
    """Drive an ASGI app with a POST; return (messages sent, body chunks the app consumed)."""
    sent, consumed = [], []
    pending = list(chunks)

    async def receive():
        if not pending:
            return {"type": "http.disconnect"}
        chunk = pending.pop(0)
        consumed.append(chunk)
        return {"type": "http.request", "body": chunk, "more_body": bool(pending)}

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": "/api/v1/x", "headers": headers}
    asyncio.run(app(scope, receive, send))
    return sent, consumed


async def _reading_app(scope, receive, send):
    while True:
        message = await receive()
        if message["type"] == "http.disconnect" or not message.get("more_body"):
            break
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"ok"})


def test_a_45_mb_body_is_refused_before_it_is_read(settings):
    from beiyang.web.body_limit import BodyLimit

    app = BodyLimit(_reading_app, limit=20 * 1024 * 1024)
    sent, consumed = _asgi(app, [(b"content-length", str(45 * 1024 * 1024).encode())], [b"x" * 1024] * 3)
    assert consumed == [] and sent[0]["status"] == 413
    body = json.loads(sent[1]["body"])
    assert body["code"] == "payload_too_large" and body["message"] and body["message_en"]


def test_a_chunked_body_is_cut_at_the_cap():
    from beiyang.web.body_limit import BodyLimit

    app = BodyLimit(_reading_app, limit=10_000)
    sent, consumed = _asgi(app, [], [b"x" * 4000] * 20)
    assert len(consumed) == 3 and [m["status"] for m in sent if "status" in m] == [413]
    small, _ = _asgi(app, [(b"content-length", b"8000")], [b"x" * 4000] * 2)
    assert small[0]["status"] == 200
