"""Single WordPress values made to fit our fields: lengths, slugs, dates, addresses, text."""

from __future__ import annotations

import datetime as dt
import hashlib
import html
from urllib.parse import unquote, urlparse

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.text import slugify

from .wxr import Moment


def one_line(text: str, limit: int) -> str:
    return " ".join(text.split())[:limit]


def ascii_slug(text: str, limit: int, prefix: str) -> str:
    """A slug our URL patterns accept (``<slug:...>`` is ASCII only): non-Latin names get a
    stable ``prefix-<hash>`` instead of an empty or clashing slug."""
    slug = slugify(unquote(text))[:limit].strip("-")
    if slug:
        return slug
    return f"{prefix}-{hashlib.sha1(text.encode()).hexdigest()[:10]}"


def aware(moment: Moment, fallback: dt.datetime) -> dt.datetime:
    if moment.utc:
        return moment.utc
    return timezone.make_aware(moment.local) if moment.local else fallback


def calendar_date(moment: Moment, fallback: dt.datetime) -> dt.date:
    """The day the blog showed, from its own clock when the export has it."""
    return moment.local.date() if moment.local else timezone.localdate(aware(moment, fallback))


def plain_text(content: str) -> str:
    text = html.unescape(strip_tags(content.replace("\r\n", "\n")))
    return text.replace("\x00", "").strip()


def email_or_none(value: str) -> str | None:
    value = value.strip().lower()
    try:
        validate_email(value)
    except ValidationError:
        return None
    return value if len(value) <= 254 else None


def web_address(value: str, limit: int = 200) -> str:
    value = value.strip()
    try:
        URLValidator(schemes=["http", "https"])(value)
    except ValidationError:
        return ""
    return value if len(value) <= limit else ""


def source_name(url: str) -> str:
    """The blog's address without scheme or ``www.``, so a re-export after a move still matches."""
    parsed = urlparse(url if "//" in url else f"//{url}")
    host = parsed.netloc.lower().removeprefix("www.")
    return (host + parsed.path.rstrip("/")) or "site"


def error_text(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return "; ".join(exc.messages)
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__
