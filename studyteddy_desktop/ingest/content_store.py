"""Imported files, kept by content hash: the same bytes are stored once, whatever their name."""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

_BUFFER = 1024 * 1024
_PRIVATE_DIR_MODE = 0o700


@dataclass(frozen=True)
class StoredFile:
    sha256: str
    relative_path: str
    size_bytes: int


class ContentStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def add(self, source: Path) -> StoredFile:
        """Copy `source` in while hashing it; atomic, so a crash never leaves half a file."""
        # Students' documents: only their account may list or read them (mkstemp makes files 0600).
        self.root.mkdir(mode=_PRIVATE_DIR_MODE, parents=True, exist_ok=True)
        digest = hashlib.sha256()
        size = 0
        handle, temporary = tempfile.mkstemp(dir=self.root, prefix=".incoming-")
        try:
            with source.open("rb") as reader, os.fdopen(handle, "wb") as writer:
                while block := reader.read(_BUFFER):
                    digest.update(block)
                    writer.write(block)
                    size += len(block)
                writer.flush()
                os.fsync(writer.fileno())
            sha256 = digest.hexdigest()
            relative = f"{sha256[:2]}/{sha256}{source.suffix.lower()[:16]}"
            target = self.root / relative
            target.parent.mkdir(mode=_PRIVATE_DIR_MODE, exist_ok=True)
            if target.exists():
                os.unlink(temporary)
            else:
                os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        return StoredFile(sha256=sha256, relative_path=relative, size_bytes=size)

    def path_of(self, relative_path: str) -> Path:
        resolved = (self.root / relative_path).resolve()
        if self.root.resolve() not in resolved.parents:
            raise ValueError(f"{relative_path!r} is outside the store")
        return resolved

    def remove(self, relative_path: str) -> None:
        self.path_of(relative_path).unlink(missing_ok=True)

    def copy_out(self, relative_path: str, destination: Path) -> None:
        shutil.copyfile(self.path_of(relative_path), destination)
