"""Hostile files for the extractors: valid seeds of each format, seeded mutators, a verdict on each read."""

from __future__ import annotations

import functools
import io
import random
import re
import tempfile
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from studyteddy_desktop.domain.document_errors import (DocumentProblem, ExtractionLimitError,
                                                       PasswordRequiredError, WrongPasswordError)
from studyteddy_desktop.ingest.extracted_document import ExtractionLimits
from studyteddy_desktop.ingest.sandboxed_extraction import SandboxedExtraction
from tests.document_samples import (BIOLOGY_PAGES, aes128_from_rc4, aes_encrypted_pdf, blank_pages_pdf,
                                    pdf_pages_with_font_encoding, pdf_with_unicode_map, text_pdf)

FORMATS = ("pdf", "docx", "html", "text")
EXTENSIONS = {"pdf": ".pdf", "docx": ".docx", "html": ".html", "text": ".txt"}
# The parent may notice a timeout a moment late: it polls, then kills and reaps the child.
TIMEOUT_GRACE_SECONDS = 5.0
_WORD_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def docx_bytes(document_xml: str | bytes, *, compression: int = zipfile.ZIP_DEFLATED,
               content_types: bool = True) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=compression) as archive:
        if content_types:
            archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        archive.writestr("word/document.xml", document_xml)
    return buffer.getvalue()


def word_xml(paragraphs: list[str], *, prefix: str = "") -> str:
    body = "".join(f"<w:p><w:r><w:t>{text}</w:t></w:r></w:p>" for text in paragraphs)
    return f'{prefix}<w:document xmlns:w="{_WORD_NS}"><w:body>{body}</w:body></w:document>'


@functools.cache
def cached_seeds() -> dict[str, list[bytes]]:
    with tempfile.TemporaryDirectory(prefix="hostile-seeds-") as folder:
        return build_seeds(Path(folder))


def build_seeds(work_dir: Path) -> dict[str, list[bytes]]:
    """Valid files of each format, the kinds students import, to mutate from."""
    pdfs = [text_pdf(work_dir / "bio.pdf", BIOLOGY_PAGES).read_bytes(),
            text_pdf(work_dir / "locked.pdf", BIOLOGY_PAGES[:1], user_password="s3cret").read_bytes(),
            text_pdf(work_dir / "restricted.pdf", BIOLOGY_PAGES[:1], user_password="").read_bytes(),
            blank_pages_pdf(work_dir / "blank.pdf", 3).read_bytes(),
            pdf_with_unicode_map(b"0042")]
    notes = "\n\n".join(BIOLOGY_PAGES)
    html = ("<!DOCTYPE html><html><head><title>Cells</title><style>p{color:red}</style>"
            "<script>var x = '<p>';</script></head><body><!-- note --><h1>Cells &amp; energy</h1>"
            + "".join(f"<p class='x'>{text}</p>" for text in BIOLOGY_PAGES) + "</body></html>")
    return {
        "pdf": pdfs,
        "docx": [docx_bytes(word_xml(BIOLOGY_PAGES)), docx_bytes(word_xml(["Osmose &amp; Diffusion"]),
                                                                 compression=zipfile.ZIP_STORED)],
        "html": [html.encode(), html.encode("utf-16")],
        "text": [("# Photosynthesis\n\n" + notes).encode(), notes.encode("utf-16"), notes.encode("utf-8-sig"),
                 "Résumé: la cellule végétale.".encode("cp1252"), "細胞の呼吸とATP".encode("shift_jis")],
    }


Mutator = Callable[[random.Random, bytes], bytes]
_DIGIT = re.compile(rb"[0-9]")
# Rewriting a zip bomb's inflated entry would cost the fuzzer seconds and prove nothing new.
_LARGEST_ENTRY_TO_REWRITE = 20 * 1024 * 1024


def _span(rng: random.Random, data: bytes) -> tuple[int, int]:
    start = rng.randrange(len(data) + 1)
    return start, min(len(data), start + rng.randint(1, 4096))


def flip_bits(rng: random.Random, data: bytes) -> bytes:
    mutable = bytearray(data)
    for _ in range(rng.randint(1, 64)):
        if mutable:
            mutable[rng.randrange(len(mutable))] ^= 1 << rng.randrange(8)
    return bytes(mutable)


def truncate(rng: random.Random, data: bytes) -> bytes:
    return data[:rng.randrange(1, max(2, len(data)))]


def duplicate_chunk(rng: random.Random, data: bytes) -> bytes:
    start, end = _span(rng, data)
    return data[:end] + data[start:end] * rng.randint(1, 50) + data[end:]


def delete_chunk(rng: random.Random, data: bytes) -> bytes:
    start, end = _span(rng, data)
    return data[:start] + data[end:]


def insert_nuls(rng: random.Random, data: bytes) -> bytes:
    at = rng.randrange(len(data) + 1)
    return data[:at] + b"\x00" * rng.randint(1, 9000) + data[at:]


def insert_invalid_utf8(rng: random.Random, data: bytes) -> bytes:
    at = rng.randrange(len(data) + 1)
    junk = rng.choice([b"\xff\xfe", b"\xc3\x28", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\x80" * 100])
    return data[:at] + junk * rng.randint(1, 20) + data[at:]


def blow_up_number(rng: random.Random, data: bytes) -> bytes:
    digit = _DIGIT.search(data, rng.randrange(len(data) + 1)) or _DIGIT.search(data)
    if digit is None:
        return data
    at = digit.start()
    return data[:at] + rng.choice([b"999999999999", b"-1", b"0", b"2147483648", b"1e308"]) + data[at + 1:]


def replace_token(old: bytes, choices: list[bytes]) -> Mutator:
    def mutate(rng: random.Random, data: bytes) -> bytes:
        return data.replace(old, rng.choice(choices), rng.choice([1, -1]))
    mutate.__name__ = f"replace_{old.decode(errors='replace').strip('/ ')}"
    return mutate


def pdf_deep_nesting(rng: random.Random, data: bytes) -> bytes:
    depth = rng.choice([1_000, 50_000])
    at = data.find(b"stream\n")
    nested = b"[" * depth + b"]" * rng.choice([0, depth])
    return data[:at] + nested + data[at:] if at >= 0 else nested + data


def pdf_aes_crypt_filter(rng: random.Random, data: bytes) -> bytes:
    if rng.random() < 0.5:
        return aes_encrypted_pdf()
    return aes128_from_rc4(data, rng.choice([b"/AESV2", b"/AESV3", b"/Bogus", b"/None"]))


def pdf_surrogate_text(rng: random.Random, data: bytes) -> bytes:
    return pdf_with_unicode_map(rng.choice([b"D835", b"DC00", b"D835DC00", b"FFFE", b"0000", b"110000"]))


def pdf_odd_font_encoding(rng: random.Random, data: bytes) -> bytes:
    encoding = rng.choice([b"/Bogus", b"/WinAnsiEncoding", b"7"])
    return pdf_pages_with_font_encoding(rng.choice([5, 80, 300]), encoding)


def _rewrite_zip(data: bytes, change_xml: Callable[[bytes], bytes]) -> bytes:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if any(info.file_size > _LARGEST_ENTRY_TO_REWRITE for info in archive.infolist()):
                return data
            entries = {info.filename: archive.read(info) for info in archive.infolist()}
    except Exception:  # already broken by an earlier mutation: nothing left to rewrite
        return data
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in entries.items():
            archive.writestr(name, change_xml(content) if name == "word/document.xml" else content)
    return buffer.getvalue()


def docx_hostile_xml(rng: random.Random, data: bytes) -> bytes:
    depth = rng.choice([10_000, 200_000])
    hostile = rng.choice([
        f'<w:document xmlns:w="{_WORD_NS}">' + "<w:p>" * depth + "<w:t>deep</w:t>" + "</w:p>" * depth
        + "</w:document>",
        '<!DOCTYPE d [<!ENTITY a "aaaaaaaaaa">' + "".join(
            f'<!ENTITY {chr(98 + n)} "' + f"&{chr(97 + n)};" * 10 + '">' for n in range(9))
        + f']><w:document xmlns:w="{_WORD_NS}"><w:p><w:t>&j;</w:t></w:p></w:document>',
        '<!DOCTYPE d [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
        f'<w:document xmlns:w="{_WORD_NS}"><w:p><w:t>&e;</w:t></w:p></w:document>',
        word_xml(["a&#0;b", "c"]),
        word_xml(["x"], prefix='<?xml version="1.0" encoding="utf-16"?>'),
        f'<w:document xmlns:w="{_WORD_NS}" big="' + "A" * 5_000_000 + '"/>',
        word_xml(["   " * 1_000_000]),
    ])
    return _rewrite_zip(data, lambda _xml: hostile.encode())


def docx_xml_bytes(rng: random.Random, data: bytes) -> bytes:
    return _rewrite_zip(data, lambda xml: rng.choice([flip_bits, truncate, insert_invalid_utf8])(rng, xml))


def docx_missing_body(rng: random.Random, data: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(rng.choice(["word/other.xml", "Word/Document.xml"]), "<a/>")
    return buffer.getvalue()


def with_zip_headers(data: bytes, *, encrypted: bool = False, method: int | None = None) -> bytes:
    """The zip's first entry marked encrypted, or given another compression method, in both its headers."""
    mutable = bytearray(data)
    local, central = mutable.find(b"PK\x03\x04"), mutable.find(b"PK\x01\x02")
    if local < 0 or central < 0:
        return data
    if encrypted:
        mutable[local + 6] |= 1
        mutable[central + 8] |= 1
    if method is not None:
        mutable[local + 8] = mutable[central + 10] = method
    return bytes(mutable)


def docx_header_flags(rng: random.Random, data: bytes) -> bytes:
    if rng.random() < 0.5:
        return with_zip_headers(data, encrypted=True)
    return with_zip_headers(data, method=rng.choice([1, 6, 9, 12, 14, 98, 99]))


@functools.cache
def zip_bomb_docx(inflated_bytes: int) -> bytes:
    """A Word document whose one paragraph inflates to `inflated_bytes` of spaces, streamed in."""
    head, tail = word_xml(["\x01"]).encode().split(b"\x01")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        with archive.open("word/document.xml", "w", force_zip64=True) as entry:
            entry.write(head)
            block = b" " * 1_048_576
            for _ in range(inflated_bytes // len(block)):
                entry.write(block)
            entry.write(tail)
    return buffer.getvalue()


def docx_zip_bomb(rng: random.Random, data: bytes) -> bytes:
    # Only the larger one is past the declared-size check (four times the 50 MB text limit).
    return zip_bomb_docx(rng.choice([10 * 1_048_576, 250 * 1_048_576]))


def html_hostile(rng: random.Random, data: bytes) -> bytes:
    depth = rng.choice([10_000, 500_000])
    choice = rng.choice([
        "<div>" * depth + "deep" + "</div>" * depth,
        '<p title="' + "A" * rng.choice([1_000_000, 20_000_000]) + '">huge attribute</p>',
        "<p>before</p><![foo[ marked ]]><p>after</p>",
        "<p>before</p><![ 0x [ x ]]><p>after</p>",
        "<p>before</p><![if !supportLists]><p>after</p><![endif]>",
        "<p>open comment <!-- never closed " + "x" * 100_000,
        "<!DOCTYPE x [ <!ENTITY a 'b'> ]><p>doctype subset</p>",
        "<p>&#xD800; &#0; &#99999999; &#x110000; &nbsp &amp &#x;</p>",
        "<script>" + "never closed " * 10_000,
        "<" * 100_000 + "p>",
        "<p " + "a=b " * 100_000 + ">many attributes</p>",
        "<!" * 50_000,
    ])
    at = rng.randrange(len(data) + 1)
    return data[:at] + choice.encode() + data[at:]


def text_hostile(rng: random.Random, data: bytes) -> bytes:
    return rng.choice([
        b"a" * 9000 + b"\x00" + data,
        b"\xff\xfe" + data[:-1] if len(data) % 2 == 0 else b"\xff\xfe" + data,
        b"\xfe\xff" + b"\xd8\x00" * 100,
        bytes(rng.randrange(1, 256) for _ in range(4096)),
        data.replace(b"\n", b"\r") * 50,
        b"x" * 2_000_000,
    ])


GENERIC_MUTATORS: tuple[Mutator, ...] = (flip_bits, truncate, duplicate_chunk, delete_chunk, insert_nuls,
                                         insert_invalid_utf8, blow_up_number)
FORMAT_MUTATORS: dict[str, tuple[Mutator, ...]] = {
    "pdf": (replace_token(b"xref", [b"xre_", b"", b"xref\n0 999999\n"]),
            replace_token(b"startxref", [b"startxref\n0\n", b"startxref\n-5\n", b""]),
            replace_token(b"%%EOF", [b"", b"%%EOF%%EOF"]),
            replace_token(b"/Count ", [b"/Count 99999", b"/Count -"]),
            replace_token(b"/Length ", [b"/Length 9999999", b"/Length -"]),
            replace_token(b"/Root 1 0 R", [b"/Root 99 0 R", b"/Root 1 0 R /Root 2 0 R", b""]),
            replace_token(b"/FlateDecode", [b"/LZWDecode", b"/DCTDecode", b"/JBIG2Decode", b"/Nope"]),
            pdf_deep_nesting, pdf_aes_crypt_filter, pdf_surrogate_text, pdf_odd_font_encoding),
    "docx": (docx_hostile_xml, docx_xml_bytes, docx_missing_body, docx_header_flags, docx_zip_bomb),
    "html": (html_hostile,),
    "text": (text_hostile,),
}


@dataclass(frozen=True)
class HostileFile:
    file_format: str
    data: bytes
    mutations: tuple[str, ...]


def mutate(file_format: str, seed: bytes, rng: random.Random) -> HostileFile:
    """One to three mutations; a format's own mutators are picked as often as the generic ones."""
    chosen = [rng.choice(FORMAT_MUTATORS[file_format] if rng.random() < 0.5 else GENERIC_MUTATORS)
              for _ in range(rng.randint(1, 3))]
    return apply_mutations(file_format, seed, chosen, rng)


def apply_mutations(file_format: str, seed: bytes, mutators: list[Mutator],
                    rng: random.Random) -> HostileFile:
    data = seed
    for mutator in mutators:
        data = mutator(rng, data) or b"\x00"
    return HostileFile(file_format, data, tuple(mutator.__name__ for mutator in mutators))


def inflated_size(hostile: HostileFile) -> int:
    """Bytes a reader must get through: a Word document's entries as declared, otherwise the file's own."""
    if hostile.file_format == "docx":
        try:
            with zipfile.ZipFile(io.BytesIO(hostile.data)) as archive:
                return max(len(hostile.data), sum(info.file_size for info in archive.infolist()))
        except Exception:  # not a readable zip: the reader stops at its first bytes
            pass
    return len(hostile.data)


@dataclass(frozen=True)
class Verdict:
    """How one read ended: `outcome` is text / no_text / needs_password / timeout / failed."""

    outcome: str
    reason: str
    seconds: float
    violation: str | None = None


def read_in_sandbox(path: Path, limits: ExtractionLimits) -> Verdict:
    """Reads the file the way the worker does, and names any broken guarantee."""
    started = time.monotonic()
    try:
        with SandboxedExtraction(path, limits=limits) as extraction:
            extraction.info()
            texts = [page.text for page in extraction.pages()]
        outcome, reason = ("text" if any(texts) else "no_text"), ""
    except (PasswordRequiredError, WrongPasswordError) as problem:
        outcome, reason = "needs_password", problem.message
    except ExtractionLimitError as problem:
        outcome = "timeout" if "took longer" in problem.message else "failed"
        reason = problem.message
    except DocumentProblem as problem:
        outcome, reason = "failed", problem.message
        if "crashed the reader" in problem.message:
            first_line = (problem.details.strip().splitlines() or ["no error output"])[-1]
            return Verdict(outcome, reason, time.monotonic() - started, f"reader crashed: {first_line[:200]}")
    except Exception as error:  # anything else reaches the worker as a crash, not a reason
        return Verdict("failed", "", time.monotonic() - started, f"escaped to the parent: {error!r}"[:300])
    seconds = time.monotonic() - started
    if seconds > limits.max_seconds + TIMEOUT_GRACE_SECONDS:
        limit = f"{limits.max_seconds:.0f} s"
        return Verdict(outcome, reason, seconds, f"took {seconds:.1f} s against a {limit} limit")
    if outcome != "text" and outcome != "no_text" and not reason.strip():
        return Verdict(outcome, reason, seconds, "ended without a reason")
    return Verdict(outcome, reason, seconds)


def read_bytes_in_sandbox(hostile: HostileFile, limits: ExtractionLimits) -> Verdict:
    with tempfile.TemporaryDirectory(prefix="hostile-") as folder:
        path = Path(folder) / f"hostile{EXTENSIONS[hostile.file_format]}"
        path.write_bytes(hostile.data)
        return read_in_sandbox(path, limits)
