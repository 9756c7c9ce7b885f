"""Images of an export, taken from a local copy of ``wp-content/uploads``: never from the network.

A file is accepted only inside the media directory and only when Wagtail's own image form accepts
it (format, size, dimensions). Files already in the library (same content hash) are reused, so a
rerun imports nothing twice.
"""

from __future__ import annotations

import io
import re
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlparse

from django.core.files.uploadedfile import SimpleUploadedFile
from wagtail.images import get_image_model
from wagtail.images.forms import get_image_form
from wagtail.models import Collection
from wagtail.utils.file import hash_filelike

UPLOADS = "wp-content/uploads/"
RESIZED = re.compile(r"-\d+x\d+(?=\.[A-Za-z0-9]+$)")


class MediaLibrary:
    def __init__(self, media_dir: Path | None, attachments: dict[int, str], dry_run: bool = False):
        self.media_dir = media_dir.resolve() if media_dir else None
        self.attachments = attachments
        self.dry_run = dry_run
        self.found: dict[str, int | None] = {}
        self.reasons: dict[str, str] = {}
        self.new_files: set[str] = set()
        self.imported = self.committed = 0

    def resolve(self, url: str, attachment_id: int | None = None) -> int | None:
        """The Wagtail image id for this upload, importing it on first use; None if unavailable.
        A missing image's reason is kept under the URL the post used."""
        source = self.attachments.get(attachment_id, url) if attachment_id else url
        if source not in self.found:
            self.found[source] = self.load(source)
        if source in self.reasons:
            self.reasons[url] = self.reasons[source]
        return self.found[source]

    def featured(self, attachment_id: str) -> tuple[int | None, str]:
        """The featured image's id, and its URL when it was left out."""
        if not attachment_id.isdigit() or int(attachment_id) not in self.attachments:
            return None, ""
        url = self.attachments[int(attachment_id)]
        image_id = self.resolve(url)
        return image_id, url if url in self.reasons else ""

    def explain(self, url: str) -> str:
        return f"image left out ({self.reasons.get(url, 'not available')}): {url}"

    def forget(self) -> None:
        """After a rollback: images saved during it no longer exist."""
        self.found.clear()
        self.imported = self.committed

    def commit(self) -> None:
        self.committed = self.imported

    def load(self, url: str) -> int | None:
        path = self.local_file(url)
        if path is None:
            self.reasons[url] = "not in --media-dir" if self.media_dir else "no --media-dir given"
            return None
        try:
            data = path.read_bytes()
        except OSError as exc:
            self.reasons[url] = f"could not be read: {exc.strerror}"
            return None
        digest = hash_filelike(io.BytesIO(data))
        existing = get_image_model().objects.filter(file_hash=digest).first()
        if existing:
            return existing.pk
        return self.save(path, data, url, digest)

    def save(self, path: Path, data: bytes, url: str, digest: str) -> int | None:
        form = get_image_form(get_image_model())(
            {
                "title": path.stem.replace("-", " ")[:255],
                "collection": Collection.get_first_root_node().pk,
            },
            {"file": SimpleUploadedFile(path.name, data)},
        )
        if not form.is_valid():
            reasons = "; ".join(str(e) for errors in form.errors.values() for e in errors)
            self.reasons[url] = f"refused: {reasons}"
            return None
        if self.dry_run:
            self.imported += digest not in self.new_files
            self.new_files.add(digest)
            return None
        self.imported += 1
        return form.save().pk

    def local_file(self, url: str) -> Path | None:
        if self.media_dir is None:
            return None
        relative = uploads_path(url)
        if relative is None:
            return None
        for candidate in (relative, RESIZED.sub("", relative)):
            path = (self.media_dir / candidate).resolve()
            if path.is_relative_to(self.media_dir) and path.is_file():
                return path
        return None


def uploads_path(url: str) -> str | None:
    """``2021/03/bench.jpg`` for any URL under ``wp-content/uploads/``."""
    path = unquote(urlparse(url).path)
    if UPLOADS not in path:
        return None
    relative = PurePosixPath(path.split(UPLOADS, 1)[1])
    if any(part in ("", ".", "..") for part in relative.parts):
        return None
    return str(relative)
