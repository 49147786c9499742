"""Document files in S3-compatible storage: a real S3 API (moto's server) on loopback behind a real server."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
import uuid

import boto3
import httpx
import pytest

from sync_server.core.config import ENV_PREFIX
from tests.sync_server.conftest import free_port, sign_in, start_server, stop_server

CREDENTIALS = {"AWS_ACCESS_KEY_ID": "studyteddy-test", "AWS_SECRET_ACCESS_KEY": "studyteddy-test-secret",
               "AWS_DEFAULT_REGION": "us-east-1"}


@pytest.fixture(scope="module")
def s3_endpoint():
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            httpx.get(url, timeout=1)
            break
        except httpx.HTTPError:
            time.sleep(0.1)
    yield url
    process.terminate()
    process.wait(timeout=10)


def test_files_go_to_the_bucket_and_come_back_only_to_their_owner(s3_endpoint, endpoints, session_redis_url,
                                                                   tmp_path, monkeypatch, make_student):
    for name, value in CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    bucket = f"studyteddy-{uuid.uuid4().hex[:8]}"
    s3 = boto3.client("s3", endpoint_url=s3_endpoint)
    s3.create_bucket(Bucket=bucket)
    server = start_server(tmp_path / "server", endpoints, redis_url=session_redis_url,
                          env={**CREDENTIALS, ENV_PREFIX + "SECRET_KEY": "s" * 48},
                          extra_args=("--s3-bucket", bucket, "--s3-endpoint-url", s3_endpoint))
    try:
        owner, other = make_student(), make_student()
        data = os.urandom(3 * 1024 * 1024 + 17)
        sha = hashlib.sha256(data).hexdigest()
        with server.client(sign_in(server, owner)["access_token"]) as client:
            assert client.put(f"/v1/blobs/{sha}", content=data).status_code == 201
            wrong = client.put(f"/v1/blobs/{hashlib.sha256(b'x').hexdigest()}", content=b"not x")
            back = client.get(f"/v1/blobs/{sha}")
        with server.client(sign_in(server, other)["access_token"]) as client:
            stranger = client.get(f"/v1/blobs/{sha}")
    finally:
        stop_server(server)
    assert back.status_code == 200 and back.content == data
    assert wrong.status_code == 422 and wrong.json()["error"]["code"] == "hash_mismatch"
    assert stranger.status_code == 404
    stored = s3.get_object(Bucket=bucket, Key=f"blobs/{sha}")["Body"].read()
    assert stored == data
    # Nothing of the file stayed on the server's own disk.
    assert not [path for path in (tmp_path / "server").rglob("*") if path.is_file() and path.stat().st_size > 1_000_000]
