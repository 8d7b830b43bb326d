"""Two app machines with separate local disks and one database: an upload stored through one
downloads through the other, because both keep uploads in the town's bucket.

The bucket is a real S3-compatible server on loopback (moto's standalone server, a process of
its own speaking the S3 HTTP protocol), as a town would point the app at Aliyun OSS, Tencent
COS or MinIO; nothing is mocked inside the app's process."""

from __future__ import annotations

import subprocess
import sys
import time

import boto3
import httpx
import pytest

from beiyang.applications.tests.test_applications import PDF
from beiyang.bench.common import free_port
from tests.servers import uvicorn_server

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

BUCKET = "beiyang-uploads"


@pytest.fixture
def s3_endpoint():
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(endpoint, timeout=1)
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise AssertionError("the local S3 server did not start") from None
                time.sleep(0.2)
        yield endpoint
    finally:
        server.terminate()
        server.wait(timeout=10)


def _bucket(endpoint: str):
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id="town-key",
        aws_secret_access_key="town-secret",
        region_name="cn-shanghai",
    )


def test_an_upload_through_one_machine_downloads_through_the_other(founder, s3_endpoint, tmp_path):
    _user, _company, api = founder
    _bucket(s3_endpoint).create_bucket(
        Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "cn-shanghai"}
    )
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
    stored = _bucket(s3_endpoint).list_objects_v2(Bucket=BUCKET)["Contents"]
    assert [obj["Size"] for obj in stored] == [len(PDF)]
    # Neither machine kept it on its own disk.
    assert not list((tmp_path / "a").rglob("*.pdf")) and not list((tmp_path / "b").rglob("*.pdf"))
