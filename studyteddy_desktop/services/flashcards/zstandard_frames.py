"""Zstandard-compressed parts of current Anki packages, decompressed with a bound on their size."""

from __future__ import annotations

import zstandard

# Far beyond any real collection, yet a crafted package cannot make the import eat the memory.
MAX_DECOMPRESSED_BYTES = 4 * 1024**3
_CHUNK = 1024 * 1024


class ZstandardError(ValueError):
    """Data that is not (whole) Zstandard, or that would decompress beyond the bound."""


def decompress(data: bytes, *, limit: int = MAX_DECOMPRESSED_BYTES) -> bytes:
    """Every frame of `data`, decompressed and joined (Anki writes frames without a content size)."""
    out = bytearray()
    try:
        with zstandard.ZstdDecompressor().stream_reader(data, read_across_frames=True) as reader:
            while chunk := reader.read(_CHUNK):
                out += chunk
                if len(out) > limit:
                    raise ZstandardError(f"it would decompress to more than {limit} bytes")
    except zstandard.ZstdError as error:
        raise ZstandardError(f"the data is not whole Zstandard ({error})") from error
    return bytes(out)
