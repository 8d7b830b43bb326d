"""Files in a request's thread."""

from __future__ import annotations

import hashlib

from django.core.files.uploadedfile import UploadedFile

from beiyang.accounts.roles import has_role
from beiyang.core.errors import NotFound
from beiyang.core.uploads import check_room, kept, sniff
from beiyang.service.actions.access import ROLE, access_founder_request, access_staff_request
from beiyang.service.models import ServiceMessage

SURFACE = "service.ServiceMessage.file"


def attach(message: ServiceMessage, upload: UploadedFile | None) -> None:
    if upload is None:
        return
    ext, kind = sniff(upload)  # one check of the bytes for every upload in the town
    # The request is locked by the caller: uploads fired together are counted in turn.
    files, stored = kept(ServiceMessage.objects.filter(request_id=message.request_id).exclude(file=""))
    check_room(SURFACE, upload, files=files, stored_bytes=stored)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    message.sha256 = digest.hexdigest()
    message.original_name = (upload.name or "")[-200:]
    message.size = upload.size
    message.content_type = kind.mime  # what the bytes are, never what the client claimed
    message.file.save(f"file.{ext}", upload, save=False)


def access_attachment(user, request_id: int, message_id: int) -> ServiceMessage:
    """A file in a thread, to the request's founders and the officers who may see it (404 otherwise)."""
    if has_role(user, ROLE):
        request = access_staff_request(user, request_id)
    else:
        request = access_founder_request(user, request_id)
    message = request.messages.filter(pk=message_id).exclude(file="").first()
    if message is None:
        raise NotFound("文件不存在", "No such file", field="message_id")
    return message
