"""Document files as content-addressed blobs on disk: written whole or not at all, read only by their owner."""

from __future__ import annotations

import hashlib
import os
import re
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

from sqlalchemy.dialects.postgresql import insert

from studyteddy_desktop.db.models import StoredBlob
from studyteddy_desktop.services.core.database import Database
from sync_server.core.errors import ApiError, not_found

SHA256 = re.compile(r"^[0-9a-f]{64}$")


class BlobStore:
    """Files under `root/ab/cd/<sha256>`; a user may read a blob only after pushing it themselves."""

    def __init__(self, database: Database, root: Path, max_bytes: int) -> None:
        self.database = database
        self.root = root
        self.max_bytes = max_bytes

    def path_of(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256[2:4] / sha256

    async def put(self, user_id: uuid.UUID, sha256: str, chunks: AsyncIterator[bytes]) -> int:
        if not SHA256.match(sha256):
            raise ApiError(422, "invalid_hash", "A blob is named by the SHA-256 of its bytes, as 64 hex digits.")
        target = self.path_of(sha256)
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        partial = target.with_name(f"{sha256}.{uuid.uuid4().hex}.partial")
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
            os.replace(partial, target)
        finally:
            partial.unlink(missing_ok=True)
        with self.database.unit_of_work() as session:
            session.execute(insert(StoredBlob).values(user_id=user_id, sha256=sha256, size_bytes=size)
                            .on_conflict_do_nothing())
        return size

    def open_for(self, user_id: uuid.UUID, sha256: str) -> Path:
        if not SHA256.match(sha256):
            raise not_found("That file")
        with self.database.unit_of_work() as session:
            owned = session.get(StoredBlob, (user_id, sha256))
        path = self.path_of(sha256)
        if owned is None or not path.is_file():
            raise not_found("That file")
        return path
