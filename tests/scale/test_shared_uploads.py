"""Two app machines with separate local disks and one database: an upload stored through one
downloads through the other, because both keep uploads in the town's bucket.

The bucket is a real S3-compatible server on loopback (moto's standalone server, a process of
its own speaking the S3 HTTP protocol), as a town would point the app at Aliyun OSS, Tencent
COS or MinIO; nothing is mocked inside the app's process."""

from __future__ import annotations

import httpx
import pytest

from beiyang.applications.tests.test_applications import PDF
from tests.s3 import local_s3_server, make_bucket, s3_client
from tests.servers import uvicorn_server

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

BUCKET = "beiyang-uploads"


@pytest.fixture
def s3_endpoint():
    with local_s3_server() as endpoint:
        yield endpoint


def test_an_upload_through_one_machine_downloads_through_the_other(founder, s3_endpoint, tmp_path):
    _user, _company, api = founder
    make_bucket(s3_endpoint, BUCKET)
    application = api.post("applications", {"policy": "startup-capital"}).json()
    storage_env = {
        "STORAGE_S3_ENDPOINT_URL": s3_endpoint,
        "STORAGE_S3_BUCKET": BUCKET,
        "STORAGE_S3_ACCESS_KEY_ID": "town-key",
        "STORAGE_S3_SECRET_ACCESS_KEY": "town-secret",
        "STORAGE_S3_REGION": "cn-shanghai",
        "STORAGE_S3_ADDRESSING_STYLE": "path",
    }
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    headers = {"Authorization": f"Bearer {api.token}"}
    with (
        uvicorn_server({**storage_env, "BEIYANG_VAR_DIR": str(tmp_path / "a")}) as first,
        uvicorn_server({**storage_env, "BEIYANG_VAR_DIR": str(tmp_path / "b")}) as second,
    ):
        uploaded = httpx.post(
            f"{first}/api/v1/applications/{application['id']}/documents",
            data={"doc_type": "business_plan"},
            files={"file": ("plan.pdf", PDF, "application/pdf")},
            headers=headers,
            timeout=30,
        )
        assert uploaded.status_code == 201, uploaded.text
        document_id = uploaded.json()["id"]
        downloaded = httpx.get(
            f"{second}/api/v1/applications/{application['id']}/documents/{document_id}",
            headers=headers,
            timeout=30,
        )
        assert downloaded.status_code == 200, downloaded.text
        assert downloaded.content == PDF
        # Still the app's to authorise: no key, no file.
        anonymous = httpx.get(
            f"{second}/api/v1/applications/{application['id']}/documents/{document_id}", timeout=30
        )
        assert anonymous.status_code == 401
    stored = s3_client(s3_endpoint).list_objects_v2(Bucket=BUCKET)["Contents"]
    assert [obj["Size"] for obj in stored] == [len(PDF)]
    # Neither machine kept it on its own disk.
    assert not list((tmp_path / "a").rglob("*.pdf")) and not list((tmp_path / "b").rglob("*.pdf"))
