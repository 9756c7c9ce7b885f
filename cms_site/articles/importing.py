"""Bulk import of published articles from the evaluation JSON-lines format.

The file is validated completely before anything is written, so a malformed line names its file
and line number and leaves the database as it was. Rows are then written in batches, each in its
own transaction; a rerun skips rows whose ``id`` (or, without one, slug) already exists.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import F, QuerySet
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.html import escape
from django.utils.text import Truncator, slugify
from taggit.models import Tag
from wagtail.models import Page
from wagtail.rich_text import RichText
from wagtail.search.backends import get_search_backend

from .models import ArticleIndexPage, ArticlePage, ArticlePageTag

MAX_TITLE_CHARS = 255
MAX_TAG_CHARS = 100
DEFAULT_MAX_BODY_CHARS = 1_000_000
SLUG_CHARS = 200


class ImportFileError(ValueError):
    """A problem with the input file, naming the file and line."""


@dataclass
class ImportRow:
    line_no: int
    import_id: str
    title: str
    body: str
    tags: list[str] = field(default_factory=list)


@dataclass
class ImportResult:
    created: int = 0
    skipped: int = 0


def read_rows(path: Path, max_body_chars: int = DEFAULT_MAX_BODY_CHARS) -> list[ImportRow]:
    if not path.is_file():
        raise ImportFileError(f"{path}: no such file")
    rows, seen = [], set()
    with path.open(encoding="utf-8", errors="strict") as handle:
        try:
            for line_no, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                row = parse_line(line, line_no, max_body_chars)
                if row.import_id in seen:
                    raise ValueError(f"duplicate id {row.import_id!r}")
                seen.add(row.import_id)
                rows.append(row)
        except UnicodeDecodeError as exc:
            raise ImportFileError(f"{path}: not UTF-8 text ({exc.reason})") from exc
        except ValueError as exc:
            raise ImportFileError(f"{path}:{line_no}: {exc}") from exc
    if not rows:
        raise ImportFileError(f"{path}: the file has no articles")
    return rows


def parse_line(line: str, line_no: int, max_body_chars: int) -> ImportRow:
    try:
        data = json.loads(line, object_hook=without_nul)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not valid JSON ({exc.msg})") from None
    if not isinstance(data, dict):
        raise ValueError("each line must be a JSON object")
    title = " ".join(str(data.get("title") or "").split())
    if not title:
        raise ValueError("missing title")
    if len(title) > MAX_TITLE_CHARS:
        raise ValueError(f"title is longer than {MAX_TITLE_CHARS} characters")
    body = data.get("body") or ""
    if not isinstance(body, str):
        raise ValueError("body must be a string")
    if len(body) > max_body_chars:
        raise ValueError(f"body has {len(body):,} characters; the limit is {max_body_chars:,}")
    tags = data.get("tags") or []
    if not isinstance(tags, list) or not all(isinstance(tag, str) for tag in tags):
        raise ValueError("tags must be a list of strings")
    cleaned = (tag.strip()[:MAX_TAG_CHARS] for tag in tags if tag.strip())
    tags = list({tag.lower(): tag for tag in cleaned}.values())
    import_id = str(data.get("id") or "").strip()[:255] or slugify(title)[:SLUG_CHARS]
    return ImportRow(line_no, import_id, title, body, tags)


def without_nul(data: dict) -> dict:
    """PostgreSQL text cannot hold NUL characters; they carry no meaning in an article."""
    return {key: strip_nul(value) for key, value in data.items()}


def strip_nul(value):
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, list):
        return [strip_nul(item) for item in value]
    return value


def import_rows(
    rows: list[ImportRow],
    parent: ArticleIndexPage,
    batch_size: int = 500,
    on_batch: Callable[[int], None] | None = None,
) -> ImportResult:
    result = ImportResult()
    for start in range(0, len(rows), batch_size):
        batch = rows[start : start + batch_size]
        with transaction.atomic():
            created = import_batch(batch, Page.objects.select_for_update().get(pk=parent.pk))
        result.created += created
        result.skipped += len(batch) - created
        if on_batch:
            on_batch(len(batch))
    return result


def by_import_id(queryset: QuerySet, import_ids: Iterable[str]) -> QuerySet:
    """Rows with these import ids, found through the partial unique index on ``import_id``.
    SQLite only uses a partial index when the query repeats its condition, so it is repeated."""
    return queryset.filter(import_id__in=list(import_ids)).exclude(import_id="")


def import_batch(batch: list[ImportRow], parent: Page) -> int:
    existing = set(
        by_import_id(ArticlePage.objects, (row.import_id for row in batch)).values_list(
            "import_id", flat=True
        )
    )
    fresh = [row for row in batch if row.import_id not in existing]
    if not fresh:
        return 0
    pages = create_page_rows(fresh, parent)
    articles = [create_article_row(page, row) for page, row in zip(pages, fresh, strict=True)]
    attach_tags(articles, fresh)
    saved = (
        ArticlePage.objects.filter(pk__in=[article.pk for article in articles])
        .select_related("author")
        .prefetch_related("tags", "categories", "body_areas")
    )
    get_search_backend().add_bulk(ArticlePage, saved)
    return len(articles)


def create_page_rows(rows: list[ImportRow], parent: Page) -> list[Page]:
    content_type = ContentType.objects.get_for_model(ArticlePage)
    slugs = unique_slugs(parent, [row.title for row in rows])
    last = parent.get_last_child()
    step = Page._str2int(last.path[-Page.steplen :]) if last else 0
    now = timezone.now()
    pages = [
        Page(
            title=row.title,
            draft_title=row.title,
            slug=slug,
            content_type=content_type,
            path=Page._get_path(parent.path, parent.depth + 1, step + offset),
            depth=parent.depth + 1,
            numchild=0,
            url_path=f"{parent.url_path}{slug}/",
            locale_id=parent.locale_id,
            live=True,
            has_unpublished_changes=False,
            first_published_at=now,
            last_published_at=now,
        )
        for offset, (row, slug) in enumerate(zip(rows, slugs, strict=True), start=1)
    ]
    Page.objects.bulk_create(pages)
    Page.objects.filter(pk=parent.pk).update(numchild=F("numchild") + len(pages))
    return pages


def create_article_row(page: Page, row: ImportRow) -> ArticlePage:
    article = ArticlePage(
        page_ptr=page,
        intro=Truncator(" ".join(row.body.split())).chars(300) or row.title,
        body=[("paragraph", RichText(f"<p>{escape(text)}</p>")) for text in paragraphs(row.body)],
        date=page.first_published_at.date(),
        import_id=row.import_id,
    )
    article.save_base(raw=True, force_insert=True)
    return article


def paragraphs(body: str) -> Iterable[str]:
    for chunk in body.replace("\r\n", "\n").split("\n\n"):
        text = " ".join(chunk.split())
        if text:
            yield text


def unique_slugs(parent: Page, titles: list[str]) -> list[str]:
    bases = [slugify(title, allow_unicode=True)[:SLUG_CHARS] or "article" for title in titles]
    return deduplicated(bases, set(parent.get_children().values_list("slug", flat=True)))


def deduplicated(bases: list[str], taken: set[str]) -> list[str]:
    """Each base slug, or base-2, base-3... when it is taken or repeats an earlier one."""
    slugs = []
    for base in bases:
        slug, n = base, 2
        while slug in taken:
            slug, n = f"{base[: SLUG_CHARS - 6]}-{n}", n + 1
        taken.add(slug)
        slugs.append(slug)
    return slugs


def attach_tags(articles: list[ArticlePage], rows: list[ImportRow]) -> None:
    names = {tag for row in rows for tag in row.tags}
    if not names:
        return
    tags = tags_by_name(names)
    ArticlePageTag.objects.bulk_create(
        ArticlePageTag(content_object_id=article.pk, tag=tags[name.lower()])
        for article, row in zip(articles, rows, strict=True)
        for name in row.tags
    )


def tags_by_name(names: set[str]) -> dict[str, Tag]:
    wanted = {name.lower(): name for name in names}
    found = {
        tag.name.lower(): tag
        for tag in Tag.objects.annotate(lower_name=Lower("name")).filter(lower_name__in=wanted)
    }
    missing = [name for key, name in wanted.items() if key not in found]
    if missing:
        new_tags = [
            Tag(name=name, slug=slug)
            for name, slug in zip(missing, tag_slugs(missing), strict=True)
        ]
        Tag.objects.bulk_create(new_tags)
        found.update({tag.name.lower(): tag for tag in new_tags})
    return found


def tag_slugs(names: list[str]) -> list[str]:
    bases = [slugify(name, allow_unicode=True)[:90] or "tag" for name in names]
    return deduplicated(
        bases, set(Tag.objects.filter(slug__in=bases).values_list("slug", flat=True))
    )
