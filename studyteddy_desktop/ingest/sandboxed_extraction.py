"""Extraction in a child process with wall-clock, memory and page limits.

A hostile or broken file can hang, exhaust memory or crash the parser; here that only ever
costs the child, and the worker gets a clear DocumentProblem instead.
"""

from __future__ import annotations

import atexit
import json
import queue
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path

from studyteddy_desktop.domain.document_errors import PROBLEMS_BY_NAME, DamagedFileError, ExtractionLimitError
from studyteddy_desktop.ingest.extracted_document import DocumentInfo, ExtractedPage, ExtractionLimits

_END = object()


class _SpareChild:
    """One extraction child started ahead of need, its readers imported, waiting for a request.

    Starting Python and importing pypdf takes about a quarter second; a waiting child saves that
    on every document, which adds up over a folder of small files. A spare whose parent goes away
    reads end-of-file instead of a request and exits.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._child: subprocess.Popen[bytes] | None = None

    def prepare(self) -> None:
        with self._lock:
            if self._child is None or self._child.poll() is not None:
                self._child = _start_child()

    def take(self) -> subprocess.Popen[bytes]:
        with self._lock:
            child, self._child = self._child, None
            if child is None or child.poll() is not None:
                child = _start_child()
            self._child = _start_child()
            return child

    def discard(self) -> None:
        with self._lock:
            child, self._child = self._child, None
        if child is not None:
            child.kill()
            child.communicate()


def _start_child() -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "studyteddy_desktop.ingest.sandbox_child"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


_spare_child = _SpareChild()
atexit.register(_spare_child.discard)


def prepare_extraction() -> None:
    """Start the spare extraction child now, so that the first document does not wait for it."""
    _spare_child.prepare()


class SandboxedExtraction:
    """Use as a context manager: `info()` first, then iterate `pages()` as the child reads them."""

    def __init__(self, path: Path, *, password: str | None = None,
                 limits: ExtractionLimits | None = None) -> None:
        self.path = path
        self.password = password
        self.limits = limits or ExtractionLimits()
        self._messages: queue.Queue[object] = queue.Queue()
        self._child: subprocess.Popen[bytes] | None = None
        self._deadline = 0.0
        self._info: DocumentInfo | None = None
        self._error_tail = b""
        self._error_reader: threading.Thread | None = None

    def __enter__(self) -> SandboxedExtraction:
        self._child = _spare_child.take()
        request = {"path": str(self.path), "password": self.password, **asdict(self.limits)}
        assert self._child.stdin is not None
        self._child.stdin.write((json.dumps(request) + "\n").encode())
        self._child.stdin.close()
        self._deadline = time.monotonic() + self.limits.max_seconds
        # Drain the pipe on a thread, so the child never waits on a slow consumer.
        threading.Thread(target=self._read_messages, name="extraction-reader", daemon=True).start()
        # And stderr: pypdf logs about 2 KB per page for a font encoding it does not know, so a
        # long PDF filled the pipe, and the child waited on it until the time limit stopped it.
        self._error_reader = threading.Thread(target=self._read_errors, name="extraction-errors", daemon=True)
        self._error_reader.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        if self._child is not None and self._child.poll() is None:
            self._child.kill()
        if self._child is not None:
            self._child.wait()
            if self._error_reader is not None:
                self._error_reader.join(timeout=5)
            for stream in (self._child.stdout, self._child.stderr):
                if stream is not None:
                    stream.close()

    def _read_messages(self) -> None:
        assert self._child is not None and self._child.stdout is not None
        for line in self._child.stdout:
            try:
                self._messages.put(json.loads(line))
            except json.JSONDecodeError:
                continue
        self._messages.put(_END)

    def _read_errors(self) -> None:
        assert self._child is not None and self._child.stderr is not None
        while chunk := self._child.stderr.read1(65536):
            self._error_tail = (self._error_tail + chunk)[-4000:]

    def _next_message(self) -> dict:
        remaining = self._deadline - time.monotonic()
        try:
            message = self._messages.get(timeout=max(0.0, remaining))
        except queue.Empty:
            self.__exit__()
            raise ExtractionLimitError(
                f"Reading this file took longer than {self.limits.max_seconds:.0f} seconds, so it was "
                "stopped. The file may be damaged or built to be hard to read.") from None
        if message is _END:
            assert self._child is not None
            code = self._child.wait()
            if self._error_reader is not None:
                self._error_reader.join(timeout=5)
            error_output = self._error_tail.decode("utf-8", "replace")[-2000:]
            raise DamagedFileError(
                "Reading this file crashed the reader" + (f" (signal {-code})" if code < 0 else "")
                + ". The file is probably damaged.", details=error_output)
        assert isinstance(message, dict)
        if message["type"] == "error":
            problem = PROBLEMS_BY_NAME.get(message["kind"], DamagedFileError)
            raise problem(message["message"], details=message.get("details") or "")
        return message

    def info(self) -> DocumentInfo:
        if self._info is None:
            message = self._next_message()
            if message["type"] != "info":
                raise DamagedFileError("The reader answered out of order.")
            self._info = DocumentInfo(message["format_name"], message["mime_type"], message["page_count"],
                                      message["paged"], message.get("title"))
        return self._info

    def pages(self) -> Iterator[ExtractedPage]:
        self.info()
        while True:
            message = self._next_message()
            if message["type"] == "done":
                return
            yield ExtractedPage(number=message["number"], text=message["text"])


def extract_document(path: Path, *, password: str | None = None,
                     limits: ExtractionLimits | None = None) -> tuple[DocumentInfo, list[ExtractedPage]]:
    """The whole document at once; for callers that do not need to overlap work with reading."""
    with SandboxedExtraction(path, password=password, limits=limits) as extraction:
        return extraction.info(), list(extraction.pages())
