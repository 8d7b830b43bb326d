"""Every file field in the town is an upload surface with a quota per owner (files kept, bytes
in all): a founder cannot fill the disk through one service request, application or entry.

The walk finds the surfaces from the models, so a new file field without a quota (and without
a way here to upload to it) fails this test the day it is added."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models
from django.utils import timezone

from beiyang.core.tests.threads import all_at_once
from beiyang.core.uploads import quota

MB = 1024 * 1024


@pytest.fixture(autouse=True)
def own_media_root(settings, tmp_path):
    """A media folder for each test: ids start again after a rollback, and files do not."""
    settings.MEDIA_ROOT = tmp_path / "media"


def pdf(number: int, size: int = 0) -> SimpleUploadedFile:
    """A real-looking PDF, different each time (its bytes name the upload), ``size`` bytes long."""
    head = f"%PDF-1.4\n% upload {number}\n1 0 obj<<>>endobj\n".encode()
    tail = b"\nstartxref\n0\n%%EOF\n"
    padding = b"0" * max(0, size - len(head) - len(tail))
    return SimpleUploadedFile(f"file-{number}.pdf", head + padding + tail, content_type="application/pdf")


def files_on_disk(folder: str, pattern: str = "*") -> int:
    root = Path(settings.MEDIA_ROOT) / folder
    return sum(1 for p in root.rglob(pattern) if p.is_file()) if root.exists() else 0


def post_file(api, url: str, upload, **fields):
    return api.client.post(
        f"/api/v1/{url}", {**fields, "file": upload}, headers={"Authorization": f"Bearer {api.token}"}
    )


def service_surface(make_founder, make_staff, uploads: int) -> tuple[list[int], tuple[str, str]]:
    _user, _company, api = make_founder()
    request_id = api.post(
        "service-requests", {"category": "policy", "title": "咨询", "description": "附件"}
    ).json()["id"]
    codes = [
        post_file(api, f"service-requests/{request_id}/messages", pdf(i), text="附件").status_code
        for i in range(uploads)
    ]
    return codes, (f"service/{request_id}", "*")


def application_surface(make_founder, make_staff, uploads: int) -> tuple[list[int], tuple[str, str]]:
    _user, _company, api = make_founder()
    application = api.post("applications", {"policy": "startup-capital"}).json()
    kinds = application["documents_required"]
    codes = [
        post_file(
            api, f"applications/{application['id']}/documents", pdf(i), doc_type=kinds[i % len(kinds)]
        ).status_code
        for i in range(uploads)
    ]
    return codes, (f"applications/{application['id']}", "*")


def deck_surface(make_founder, make_staff, uploads: int) -> tuple[list[int], tuple[str, str]]:
    from beiyang.competitions.actions import do_create_competition

    admin, _ = make_staff("town_admin")
    soon = timezone.now() + dt.timedelta(days=7)
    competition = do_create_competition(
        admin,
        title="大赛",
        prize_pool_cny=1000,
        rounds=[{"name": "初赛", "starts_at": soon, "ends_at": soon + dt.timedelta(days=1), "advance": 1}],
        rubric=[{"id": "tech", "label": "技术", "weight": 1, "max": 10}],
    )
    _user, _company, api = make_founder()
    entry = api.post(f"competitions/{competition.pk}/entries", {"project": "项目", "summary": "简介"}).json()
    codes = [
        post_file(api, f"competition-entries/{entry['id']}/deck", pdf(i)).status_code for i in range(uploads)
    ]
    return codes, ("competitions", f"entry-{entry['id']}*")


# surface → how to upload there as its owner; ``replaces``: a new file takes the old one's place.
SURFACES = {
    "service.ServiceMessage.file": (service_surface, False),
    "applications.Document.file": (application_surface, False),
    "competitions.Entry.deck": (deck_surface, True),
}


def file_fields() -> list[str]:
    return sorted(
        f"{model._meta.label}.{field.name}"
        for model in apps.get_models()
        for field in model._meta.get_fields()
        if isinstance(field, models.FileField)
    )


def test_every_file_field_has_a_quota_and_is_walked():
    found = file_fields()
    assert found, "the walk found no file fields: it would prove nothing"
    assert set(found) == set(settings.UPLOAD_QUOTAS), "every upload surface needs a quota"
    assert set(found) == set(SURFACES), "every upload surface needs a way to upload to it here"


@pytest.mark.django_db
@pytest.mark.parametrize("surface", sorted(SURFACES))
def test_every_surface_keeps_at_most_its_quota_on_disk(
    surface, make_founder, make_staff, settings, django_capture_on_commit_callbacks
):
    settings.UPLOAD_QUOTAS = {**settings.UPLOAD_QUOTAS, surface: (3, 5)}
    upload, replaces = SURFACES[surface]
    with django_capture_on_commit_callbacks(execute=True):  # as each request's commit would
        codes, where = upload(make_founder, make_staff, 5)
    on_disk = files_on_disk(*where)
    if replaces:
        assert all(code == 200 for code in codes), codes
        assert on_disk == 1, "a new file replaces the old one on disk"
    else:
        assert [code < 300 for code in codes] == [True] * 3 + [False] * 2, codes
        assert codes[3:] == [409, 409]
        assert on_disk == 3


@pytest.mark.django_db
def test_twelve_five_megabyte_attachments_on_one_request_are_not_all_kept(make_founder):
    """The attack: 12 × 5 MB on one service request were all accepted."""
    limit = quota("service.ServiceMessage.file")
    _user, _company, api = make_founder()
    request_id = api.post("service-requests", {"category": "policy", "title": "咨询"}).json()["id"]
    codes = [
        post_file(api, f"service-requests/{request_id}/messages", pdf(i, 5 * MB)).status_code
        for i in range(12)
    ]
    kept = sum(1 for c in codes if c == 201)
    assert kept == min(limit.files, limit.total_bytes // (5 * MB)) < 12, codes
    assert set(codes[kept:]) <= {409, 413}
    assert files_on_disk(f"service/{request_id}") == kept


@pytest.mark.django_db(transaction=True)
def test_attachments_fired_together_stop_at_the_quota(make_founder, settings):
    from beiyang.core.errors import DomainError
    from beiyang.service.actions import do_add_message, do_open_request

    settings.UPLOAD_QUOTAS = {**settings.UPLOAD_QUOTAS, "service.ServiceMessage.file": (4, 30)}
    user, _company, _api = make_founder()
    request = do_open_request(user, category="office", title="找工位")
    results = all_at_once(
        [lambda i=i: do_add_message(user, request.pk, text="附件", upload=pdf(i)) for i in range(10)]
    )
    refused = [r for r in results if isinstance(r, DomainError)]
    assert len(refused) == 6 and all(r.code == "too_many_files" for r in refused), results
    assert files_on_disk(f"service/{request.pk}") == 4


@pytest.mark.django_db
def test_a_rolled_back_deck_keeps_the_old_file(make_founder, make_staff, monkeypatch):
    """The old deck leaves the disk only once the new one is committed."""
    from beiyang.competitions import actions

    codes, _where = deck_surface(make_founder, make_staff, 1)
    assert codes == [200]
    entry = apps.get_model("competitions", "Entry").objects.get()

    def fail(*_args, **_kwargs):
        raise RuntimeError("the audit write failed")

    monkeypatch.setattr(actions, "log_action", fail)
    with pytest.raises(RuntimeError):
        actions.do_upload_deck(entry.company.memberships.first().user, entry.pk, pdf(99))
    entry.refresh_from_db()
    assert entry.deck and Path(entry.deck.path).exists()
