"""The extraction child process: limits itself, reads one file, streams its pages as JSON lines.

Run by sandboxed_extraction.py as `python -m studyteddy_desktop.ingest.sandbox_child`; the
request (path, password, limits) arrives on stdin so a password never shows in `ps`. It runs at
low priority: reading stays far ahead of embedding with the time the embedder leaves, and a
file built to be slow to parse cannot take the desktop's CPU from the student.
"""

from __future__ import annotations

import json
import os
import resource
import sys
from pathlib import Path


def _limit_self(max_memory_bytes: int, max_cpu_seconds: int) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (max_memory_bytes, max_memory_bytes))
    resource.setrlimit(resource.RLIMIT_CPU, (max_cpu_seconds, max_cpu_seconds + 5))
    # No file this process opens may grow: it only reads, and writes to its stdout pipe.
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def _emit(message: dict) -> None:
    sys.stdout.write(json.dumps(message, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def main() -> int:
    # Started ahead of need, this child waits for its request with its readers already imported;
    # at low priority those imports never compete with the embedding running beside them.
    os.nice(10)
    from dataclasses import asdict

    import pypdf  # noqa: F401  (imported by the PDF reader on first use; here, before the request)

    from studyteddy_desktop.domain.document_errors import DocumentProblem, ExtractionLimitError
    from studyteddy_desktop.ingest.extracted_document import ExtractionLimits
    from studyteddy_desktop.ingest.format_registry import open_extractor

    line = sys.stdin.readline()
    if not line.strip():
        return 0  # the worker stopped before it needed this child
    request = json.loads(line)
    _limit_self(int(request["max_memory_bytes"]), int(request["max_seconds"]) + 1)

    limits = ExtractionLimits(max_pages=int(request["max_pages"]), max_seconds=float(request["max_seconds"]),
                              max_memory_bytes=int(request["max_memory_bytes"]),
                              max_text_file_bytes=int(request["max_text_file_bytes"]))
    try:
        extractor = open_extractor(Path(request["path"]), password=request.get("password"), limits=limits)
        _emit({"type": "info", **asdict(extractor.info())})
        for page in extractor.pages():
            _emit({"type": "page", "number": page.number, "text": page.text})
    except DocumentProblem as problem:
        _emit({"type": "error", "kind": type(problem).__name__, "message": problem.message,
               "details": problem.details})
        return 0
    except FileNotFoundError:
        _emit({"type": "error", "kind": "SourceFileMissingError",
               "message": "The file was moved or deleted before Study Teddy could read it.", "details": ""})
        return 0
    except MemoryError:
        _emit({"type": "error", "kind": ExtractionLimitError.__name__,
               "message": "Reading this file needs more memory than Study Teddy allows for one document.",
               "details": ""})
        return 0
    except RecursionError:
        _emit({"type": "error", "kind": "DamagedFileError",
               "message": "This file is built in a way that cannot be read safely (it nests too deeply).",
               "details": ""})
        return 0
    _emit({"type": "done"})
    return 0


if __name__ == "__main__":
    sys.exit(main())
