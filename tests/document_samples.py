"""Builds the files the document tests import: real PDFs, broken ones and hostile ones."""

from __future__ import annotations

import hashlib
from pathlib import Path

from fpdf import FPDF

BIOLOGY_PAGES = [
    "Photosynthesis converts light energy into chemical energy. Chlorophyll in the chloroplasts "
    "absorbs red and blue light. The light reactions split water and release oxygen.",
    "The Calvin cycle fixes carbon dioxide into sugars. The enzyme RuBisCO catalyses the first step. "
    "ATP and NADPH from the light reactions power the cycle.",
    "Mitochondria produce ATP through cellular respiration. The Krebs cycle runs in the matrix, and "
    "the electron transport chain sits in the inner membrane.",
]


def text_pdf(path: Path, pages: list[str], *, user_password: str | None = None) -> Path:
    pdf = FPDF()
    pdf.set_font("Helvetica", size=11)
    for text in pages:
        pdf.add_page()
        pdf.multi_cell(0, 5, text)
    if user_password is not None:
        pdf.set_encryption(owner_password="owner-secret", user_password=user_password)
    pdf.output(str(path))
    return path


def long_pdf(path: Path, page_count: int, chars_per_page: int = 1500) -> Path:
    sentences = [
        f"Section {n} explains how enzymes lower the activation energy of reaction number {n}. "
        f"Temperature and pH change the rate of reaction {n} in measurable ways. "
        for n in range(page_count * 4)
    ]
    pages = []
    for page in range(page_count):
        text = "".join(sentences[page * 4:page * 4 + 12])
        pages.append((text * (chars_per_page // max(len(text), 1) + 1))[:chars_per_page])
    return text_pdf(path, pages)


def image_only_pdf(path: Path, tmp_dir: Path) -> Path:
    from PIL import Image

    picture = tmp_dir / "scan.png"
    Image.new("RGB", (200, 280), (235, 230, 220)).save(picture)
    pdf = FPDF()
    pdf.add_page()
    pdf.image(str(picture), x=10, y=10, w=180)
    pdf.output(str(path))
    return path


def blank_pages_pdf(path: Path, page_count: int) -> Path:
    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(page_count):
        writer.add_blank_page(width=200, height=200)
    with path.open("wb") as handle:
        writer.write(handle)
    return path


def png_renamed_pdf(path: Path, tmp_dir: Path) -> Path:
    from PIL import Image

    Image.new("RGB", (10, 10)).save(path, format="PNG")
    return path


# Hand-written PDFs, for files no PDF library would write: every byte is the test's choice.

def raw_pdf(objects: list[bytes], *, trailer: bytes = b"") -> bytes:
    """A PDF written object by object, so a test controls every byte (object 1 is the catalog)."""
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R %s>>\n" % (len(objects) + 1, trailer)
    out += b"startxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


def _stream(data: bytes) -> bytes:
    return b"<< /Length %d >>\nstream\n" % len(data) + data + b"\nendstream"


def pdf_with_unicode_map(mapped: bytes) -> bytes:
    """One page showing codes 01 02 02, where 02 is "A" and 01 is whatever `mapped` (hex) says."""
    cmap = (b"/CIDInit /ProcSet findresource begin 12 dict begin begincmap /CMapName /Fuzz def "
            b"1 begincodespacerange <00> <FF> endcodespacerange 2 beginbfchar <01> <" + mapped
            + b"> <02> <0041> endbfchar endcmap CMapName currentdict /CMap defineresource pop end end")
    return raw_pdf([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        _stream(b"BT /F1 12 Tf 72 700 Td <010202> Tj ET"),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /ToUnicode 6 0 R >>",
        _stream(cmap),
    ])


def pdf_pages_with_font_encoding(page_count: int, encoding: bytes) -> bytes:
    """Pages sharing one font; for an encoding it does not know, pypdf logs about 2 KB of error a page."""
    kids = b" ".join(b"%d 0 R" % (5 + index) for index in range(page_count))
    page = (b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 3 0 R "
            b"/Resources << /Font << /F1 4 0 R >> >> >>")
    return raw_pdf([b"<< /Type /Catalog /Pages 2 0 R >>",
                    b"<< /Type /Pages /Kids [" + kids + b"] /Count %d >>" % page_count,
                    _stream(b"BT /F1 12 Tf 72 700 Td (Osmosis moves water.) Tj ET"),
                    b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding " + encoding + b" >>",
                    *[page] * page_count])


def aes_encrypted_pdf() -> bytes:
    """AES-256 (revision 5) with an empty user password: opening it needs AES, not a password."""
    validation_salt, key_salt = b"\x01" * 8, b"\x02" * 8
    user_hash = hashlib.sha256(validation_salt).digest() + validation_salt + key_salt
    encryption = (b"<< /Filter /Standard /V 5 /R 5 /Length 256 /P -4 /O <" + b"00" * 48 + b"> /U <"
                  + user_hash.hex().encode() + b"> /OE <" + b"00" * 32 + b"> /UE <" + b"00" * 32
                  + b"> /Perms <" + b"00" * 16 + b"> /CF << /StdCF << /CFM /AESV3 /Length 32 >> >> "
                  b"/StmF /StdCF /StrF /StdCF >>")
    return raw_pdf([b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                    b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>",
                    _stream(b"BT ET"), encryption], trailer=b"/Encrypt 5 0 R /ID [<00> <00>] ")


def aes128_from_rc4(locked: bytes, crypt_filter: bytes = b"/AESV2") -> bytes:
    """An fpdf2 RC4 PDF (revision 3) turned into revision 4 with a crypt filter, AES-128 by default.

    The key and password checks of both revisions agree once metadata is encrypted, so the file
    opens as before, and only its streams need the filter's cipher.
    """
    return (locked.replace(b"/EncryptMetadata false", b"/EncryptMetadata true ").replace(b"/R 3", b"/R 4")
            .replace(b"/V 2", b"/V 4 /CF << /StdCF << /CFM " + crypt_filter + b" /Length 16 >> >>"))
