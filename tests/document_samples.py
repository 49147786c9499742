"""Builds the files the document tests import: real PDFs, broken ones and hostile ones."""

from __future__ import annotations

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
