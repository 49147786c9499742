"""Document files as content-addressed blobs: written whole or not at all, read only by their owner.

The bytes live on the server's disk by default, or in S3-compatible storage when a bucket is
configured; either way they are hashed while they arrive, into a private file, and only a file
whose SHA-256 matches its address is kept.
"""

from __future__ import annotations

import hashlib
import os
import re
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from sqlalchemy.dialects.postgresql import insert

from studyteddy_desktop.db.models import StoredBlob
from studyteddy_desktop.services.core.database import Database
from sync_server.core.errors import ApiError, not_found

SHA256 = re.compile(r"^[0-9a-f]{64}$")
_READ_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class BlobSource:
    """Where a blob's bytes come from: a file to send, or chunks to stream."""

    path: Path | None = None
    chunks: Iterator[bytes] | None = None


class BlobBackend(Protocol):
    def keep(self, sha256: str, verified: Path) -> None:
        """Take over `verified` (its bytes hash to `sha256`) for good."""
        ...

    def source(self, sha256: str) -> BlobSource | None: ...


class DiskBlobs:
    """Files under `root/ab/cd/<sha256>`."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path_of(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def keep(self, sha256: str, verified: Path) -> None:
        target = self.path_of(sha256)
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.replace(verified, target)

    def source(self, sha256: str) -> BlobSource | None:
        path = self.path_of(sha256)
        return BlobSource(path=path) if path.is_file() else None


class S3Blobs:
    """Objects `blobs/<sha256>` in one bucket of any S3-compatible store (AWS, MinIO, Ceph, Garage)."""

    def __init__(self, bucket: str, endpoint_url: str | None = None) -> None:
        import boto3  # only a server configured for S3 needs it

        self.bucket = bucket
        self.client = boto3.client("s3", endpoint_url=endpoint_url)

    @staticmethod
    def key_of(sha256: str) -> str:
        return f"blobs/{sha256}"

    def keep(self, sha256: str, verified: Path) -> None:
        try:
            self.client.upload_file(str(verified), self.bucket, self.key_of(sha256))
        except Exception as error:
            raise ApiError(503, "storage_unavailable", "The file store did not take the file; try again.") from error
        finally:
            verified.unlink(missing_ok=True)

    def source(self, sha256: str) -> BlobSource | None:
        from botocore.exceptions import ClientError

        try:
            body = self.client.get_object(Bucket=self.bucket, Key=self.key_of(sha256))["Body"]
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in {"NoSuchKey", "404"}:
                return None
            raise ApiError(503, "storage_unavailable", "The file store did not answer; try again.") from error
        return BlobSource(chunks=body.iter_chunks(_READ_CHUNK))


class BlobStore:
    """Receives, verifies and records blobs; a user may read a blob only after pushing it themselves."""

    def __init__(self, database: Database, root: Path, max_bytes: int, backend: BlobBackend | None = None) -> None:
        self.database = database
        self.incoming = root / ".incoming"
        self.max_bytes = max_bytes
        self.backend = backend or DiskBlobs(root)

    async def put(self, user_id: uuid.UUID, sha256: str, chunks: AsyncIterator[bytes]) -> int:
        if not SHA256.match(sha256):
            raise ApiError(422, "invalid_hash", "A blob is named by the SHA-256 of its bytes, as 64 hex digits.")
        self.incoming.mkdir(parents=True, exist_ok=True, mode=0o700)
        partial = self.incoming / f"{sha256}.{uuid.uuid4().hex}.partial"
        digest, size = hashlib.sha256(), 0
        try:
            with partial.open("xb") as handle:
                async for chunk in chunks:
                    size += len(chunk)
                    if size > self.max_bytes:
                        raise ApiError(413, "blob_too_large", f"A file can be at most {self.max_bytes} bytes.")
                    digest.update(chunk)
                    handle.write(chunk)
                handle.flush()
                os.fsync(handle.fileno())
            if digest.hexdigest() != sha256:
                raise ApiError(422, "hash_mismatch", "The bytes sent do not have the SHA-256 the address names.")
            self.backend.keep(sha256, partial)
        finally:
            partial.unlink(missing_ok=True)
        with self.database.unit_of_work() as session:
            session.execute(insert(StoredBlob).values(user_id=user_id, sha256=sha256, size_bytes=size)
                            .on_conflict_do_nothing())
        return size

    def open_for(self, user_id: uuid.UUID, sha256: str) -> BlobSource:
        if not SHA256.match(sha256):
            raise not_found("That file")
        with self.database.unit_of_work() as session:
            owned = session.get(StoredBlob, (user_id, sha256))
        source = self.backend.source(sha256) if owned is not None else None
        if source is None:
            raise not_found("That file")
        return source
