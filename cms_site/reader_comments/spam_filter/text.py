"""Text clean-up shared by training, prediction and evaluation."""

from __future__ import annotations

import re
import unicodedata

# Zero-width and byte-order marks carry no meaning for readers but do leak dataset artefacts.
_INVISIBLE = re.compile("[\u200b-\u200f\u2028-\u202f\u2060-\u206f\ufeff\u00ad]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_SPACE = re.compile(r"\s+")


def clean_text(text: str, max_chars: int | None = None) -> str:
    """Normalise unicode, drop invisible and control characters, collapse whitespace."""
    if not isinstance(text, str):
        raise TypeError(f"expected str, got {type(text).__name__}")
    if max_chars is not None:
        text = text[: max_chars * 2]  # bound the work before normalising
    text = unicodedata.normalize("NFKC", text)
    text = _CONTROL.sub(" ", _INVISIBLE.sub("", text))
    text = _SPACE.sub(" ", text).strip()
    return text[:max_chars] if max_chars is not None else text


def dedup_key(text: str) -> str:
    """Key under which two texts count as the same comment (whitespace and case ignored)."""
    return clean_text(text).casefold()
