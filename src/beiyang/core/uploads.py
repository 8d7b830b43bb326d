"""Uploaded files: what a file is, decided from its bytes (never from the name or the type the
client sends), and a size cap enforced while the body streams in, not after it was read whole."""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.db import transaction
from django.db.models import Count, QuerySet, Sum
from django.db.models.fields.files import FieldFile
from django.http import HttpRequest, QueryDict
from django.utils.datastructures import MultiValueDict

from beiyang.core.errors import InvalidInput

# Room for the multipart framing and the form's other fields around the file itself.
UPLOAD_OVERHEAD_BYTES = 64 * 1024
# Markup a browser would run if it ever rendered the file as a page: no document needs it in
# its first kilobyte, and a polyglot (a %PDF header followed by HTML) is made of exactly that.
_MARKUP = (b"<html", b"<script", b"<!doctype html", b"<svg", b"<iframe", b"<body", b"<meta")
_HEAD, _TAIL = 1024, 2048


def _tail(upload: UploadedFile[bytes]) -> bytes:
    upload.seek(max(0, (upload.size or 0) - _TAIL))
    tail: bytes = upload.read(_TAIL)
    return tail


def _pdf(head: bytes, upload: UploadedFile[bytes]) -> bool:
    # A PDF ends with its cross-reference pointer and the end-of-file marker.
    tail = _tail(upload)
    return head.startswith(b"%PDF-") and b"startxref" in tail and b"%%EOF" in tail


def _png(head: bytes, upload: UploadedFile[bytes]) -> bool:
    return (
        head.startswith(b"\x89PNG\r\n\x1a\n")
        and head[12:16] == b"IHDR"
        and _tail(upload).endswith(b"IEND\xaeB`\x82")
    )


def _jpeg(head: bytes, upload: UploadedFile[bytes]) -> bool:
    return head.startswith(b"\xff\xd8\xff") and b"\xff\xd9" in _tail(upload)


def _ole2(head: bytes, upload: UploadedFile[bytes]) -> bool:
    return head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1") and (upload.size or 0) >= 512


def _ooxml(folder: str) -> Callable[[bytes, UploadedFile[bytes]], bool]:
    def check(head: bytes, upload: UploadedFile[bytes]) -> bool:
        if not head.startswith(b"PK\x03\x04"):
            return False
        upload.seek(0)
        try:
            with zipfile.ZipFile(upload) as archive:
                names = archive.namelist()
        except (zipfile.BadZipFile, OSError, ValueError, EOFError):
            return False
        return "[Content_Types].xml" in names and any(n.startswith(f"{folder}/") for n in names)

    return check


@dataclass(frozen=True)
class FileType:
    mime: str
    inline: bool  # safe to show in the browser (images); everything else downloads
    check: Callable[[bytes, UploadedFile[bytes]], bool]


FILE_TYPES = {
    "pdf": FileType("application/pdf", False, _pdf),
    "png": FileType("image/png", True, _png),
    "jpg": FileType("image/jpeg", True, _jpeg),
    "jpeg": FileType("image/jpeg", True, _jpeg),
    "docx": FileType(
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document", False, _ooxml("word")
    ),
    "xlsx": FileType(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", False, _ooxml("xl")
    ),
    "pptx": FileType(
        "application/vnd.openxmlformats-officedocument.presentationml.presentation", False, _ooxml("ppt")
    ),
    "doc": FileType("application/msword", False, _ole2),
    "xls": FileType("application/vnd.ms-excel", False, _ole2),
}


def extension(name: str) -> str:
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def sniff(upload: UploadedFile[bytes] | None) -> tuple[str, FileType]:
    """The upload's extension and type, once its bytes prove it is what its name says."""
    if upload is None:
        raise InvalidInput("请选择要上传的文件", "Choose a file to upload", field="file", code="file_missing")
    claimed = upload.content_type or ""
    if len(claimed) > 100 or any(ord(c) < 32 or ord(c) == 127 for c in claimed):
        raise InvalidInput(
            "文件的内容类型无效",
            "The file's content type is malformed",
            field="file",
            code="file_content_type",
        )
    ext = extension(upload.name or "")
    if ext not in FILE_TYPES:
        raise InvalidInput(
            f"不支持的文件类型,可上传:{'、'.join(sorted(FILE_TYPES))}",
            f"File type not allowed; one of {', '.join(sorted(FILE_TYPES))}",
            field="file",
            code="file_type",
        )
    if (upload.size or 0) > settings.APPLICATION_MAX_UPLOAD_BYTES:
        raise too_large()
    kind = FILE_TYPES[ext]
    upload.seek(0)
    head = upload.read(_HEAD)
    matches = not any(m in head.lower() for m in _MARKUP) and kind.check(head, upload)
    upload.seek(0)
    if not matches:
        raise InvalidInput(
            "文件内容与扩展名不符或文件已损坏",
            "The file's content does not match its extension, or the file is damaged",
            field="file",
            code="file_type_mismatch",
        )
    return ext, kind


def served_type(file_name: str) -> FileType | None:
    """How a stored file is served: by what it was sniffed as (its stored extension)."""
    return FILE_TYPES.get(extension(file_name))


def too_large() -> InvalidInput:
    limit_mb = settings.APPLICATION_MAX_UPLOAD_BYTES // (1024 * 1024)
    return InvalidInput(
        f"文件过大,上限{limit_mb}MB" if limit_mb else "文件过大",
        "The file is too large",
        field="file",
        code="file_too_large",
        status=413,
    )


def request_cap() -> int:
    return settings.APPLICATION_MAX_UPLOAD_BYTES + UPLOAD_OVERHEAD_BYTES


class CappedUploadHandler(FileUploadHandler):
    """First of ``FILE_UPLOAD_HANDLERS``. A multipart body declared over the cap is not read at
    all (the form parses as empty); a file that runs past the cap stops the upload there. Either
    way ``request.upload_refused`` says why, for ``check_upload_accepted``."""

    def handle_raw_input(
        self,
        input_data: Any,
        META: dict[str, Any],
        content_length: int,
        boundary: str,
        encoding: str | None = None,
    ) -> tuple[QueryDict, MultiValueDict[str, Any]] | None:
        if content_length > request_cap():
            self.request.upload_refused = "file_too_large"  # type: ignore[union-attr]
            return QueryDict(encoding=encoding), MultiValueDict()
        return None

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        if start + len(raw_data) > settings.APPLICATION_MAX_UPLOAD_BYTES:
            self.request.upload_refused = "file_too_large"  # type: ignore[union-attr]
            raise StopUpload(connection_reset=True)
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None


def check_upload_accepted(request: HttpRequest) -> None:
    """Raise the 413 when the upload handler refused the body (call before reading the form)."""
    request.POST  # noqa: B018  (parses the body through the handlers, if not done yet)
    if getattr(request, "upload_refused", None):
        raise too_large()


# --- what an owner may keep ------------------------------------------------------------------
# Each file field in the town is an upload surface with a quota: how many files one owner (a
# service request, an application, a competition entry) keeps there and how many bytes in all.
# The per-file cap above bounds one upload; these bound the disk a single owner can fill.
# ``UPLOAD_QUOTAS`` in the settings: {"app_label.Model.field": (files, megabytes)}.


@dataclass(frozen=True)
class Quota:
    files: int
    total_bytes: int


def quota(surface: str) -> Quota:
    files, megabytes = settings.UPLOAD_QUOTAS[surface]
    return Quota(int(files), int(megabytes) * 1024 * 1024)


def kept(files_here: QuerySet[Any]) -> tuple[int, int]:
    """(files, bytes) of a queryset of stored files with a ``size``."""
    totals = files_here.aggregate(files=Count("pk"), stored=Sum("size"))
    return totals["files"], totals["stored"] or 0


def check_room(surface: str, upload: UploadedFile[bytes] | None, *, files: int, stored_bytes: int) -> None:
    """Refuse ``upload`` when the owner's ``files`` and ``stored_bytes`` kept on ``surface``
    (what stays besides it: a file it replaces is not counted) would pass the surface's quota.
    Call with the owner locked, so that uploads fired together are counted one after another."""
    if upload is None:
        return
    limit = quota(surface)
    if files >= limit.files:
        raise InvalidInput(
            f"文件数量已达上限({limit.files}个)",
            f"At most {limit.files} files here",
            field="file",
            code="too_many_files",
            status=409,
        )
    if stored_bytes + (upload.size or 0) > limit.total_bytes:
        megabytes = limit.total_bytes // (1024 * 1024)
        raise InvalidInput(
            f"文件总大小超过上限({megabytes}MB)",
            f"The files here would pass {megabytes} MB in all",
            field="file",
            code="files_too_large",
            status=413,
        )


def replace_file(field_file: FieldFile, name: str, upload: UploadedFile[bytes]) -> None:
    """Store ``upload`` in ``field_file`` (unsaved), and remove the file it replaces from disk
    once the transaction commits: a rolled-back upload keeps the old file, a kept one leaves
    one file, not one per upload."""
    old = field_file.name
    storage = field_file.storage
    field_file.save(name, upload, save=False)
    if old and old != field_file.name:
        transaction.on_commit(lambda: storage.delete(old))
