"""A read-only Markdown view whose images come only from the local media folder, never the network."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QUrl
from PySide6.QtGui import QImage, QTextDocument
from PySide6.QtWidgets import QTextBrowser, QWidget


class MarkdownView(QTextBrowser):
    def __init__(self, media_dir: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.media_dir = media_dir
        self.setOpenLinks(False)
        self.setOpenExternalLinks(False)
        self._images: dict[str, QImage] = {}

    def show_markdown(self, text: str) -> None:
        self.document().setMarkdown(text, QTextDocument.MarkdownFeature.MarkdownDialectGitHub)

    def loadResource(self, resource_type: int, url: QUrl):  # noqa: N802 (Qt override)
        image_resource = QTextDocument.ResourceType.ImageResource
        if resource_type not in (image_resource, image_resource.value):
            return None
        if url.scheme() not in ("", "file"):
            return None  # a card never fetches anything from the network
        # Only a bare file name inside the media folder; no paths that climb out of it.
        name = Path(url.path()).name
        if not name:
            return None
        image = self._images.get(name)
        if image is None:
            candidate = self.media_dir / name
            image = QImage(str(candidate)) if candidate.is_file() else QImage()
            if not image.isNull() and image.width() > 800:
                image = image.scaledToWidth(800)
            self._images[name] = image
        return image if not image.isNull() else None
