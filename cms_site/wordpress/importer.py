"""Turn a WordPress export into articles, comments and redirects.

``scan`` reads the whole file first and raises ``WxrError`` (with a line number) before anything is
written. ``WordPressImport.run`` then streams the file a second time and imports one post per
transaction, so an interrupted import can simply be run again: posts and comments are matched on
their WordPress ids and nothing is imported twice.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from pathlib import Path
from urllib.parse import unquote, urlparse

from django.core.exceptions import ValidationError
from django.db import DataError, IntegrityError, transaction
from django.db.models.signals import post_save
from django.utils import timezone
from django.utils.text import Truncator, slugify
from modelsearch.index import insert_or_update_object
from modelsearch.signal_handlers import post_save_signal_handler
from wagtail.blocks import StreamValue
from wagtail.contrib.redirects.models import Redirect
from wagtail.models import ReferenceIndex
from wagtail.signal_handlers import disable_reference_index_auto_update

from cms_site.articles.importing import by_import_id
from cms_site.articles.models import ArticleIndexPage, ArticlePage, Author, BodyArea, Category
from cms_site.reader_comments import dispatch
from recommender.dispatch import deferred_refresh

from .content import convert
from .images import MediaLibrary
from .threads import ThreadImport
from .values import (
    ascii_slug,
    aware,
    calendar_date,
    error_text,
    one_line,
    plain_text,
    source_name,
)
from .wxr import Author as WxrAuthor
from .wxr import Item, WxrError, WxrFile

DRAFT_STATUSES = {"draft", "pending", "future", "private"}
IGNORED_TYPES = {
    "attachment",
    "revision",
    "nav_menu_item",
    "customize_changeset",
    "wp_global_styles",
}
SKIPPED_CATEGORIES = {"uncategorized"}
SLUG_CHARS = 200
MAX_PATH = 255  # Redirect.old_path
REFUSED = (ValidationError, DataError, IntegrityError, RecursionError)


@dataclass
class Plan:
    """What a full read of the file found: small tables the import needs, and counts."""

    wxr: WxrFile
    authors: dict[str, WxrAuthor] = field(default_factory=dict)
    attachments: dict[int, str] = field(default_factory=dict)
    items: int = 0


@dataclass
class Summary:
    posts: int = 0
    drafts: int = 0
    pages: int = 0
    comments: int = 0
    redirects: int = 0
    images: int = 0
    skipped: int = 0
    warnings: list[str] = field(default_factory=list)
    draft_titles: list[str] = field(default_factory=list)
    page_links: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, int]:
        sizes = self.checkpoint()
        del sizes["draft_titles"], sizes["page_links"]
        return sizes

    def checkpoint(self) -> dict[str, int]:
        """Every count, and the length of every list."""
        return {
            f.name: len(v) if isinstance(v := getattr(self, f.name), list) else v
            for f in fields(self)
        }

    def restore(self, checkpoint: dict[str, int]) -> None:
        """Back to a checkpoint; the warnings stay, since they explain what was undone."""
        for name, value in checkpoint.items():
            current = getattr(self, name)
            if isinstance(current, list):
                del current[value if name != "warnings" else len(current) :]
            else:
                setattr(self, name, value)


def scan(path: Path, on_bytes: Callable[[int], None] | None = None) -> Plan:
    """Read and check the whole export; a WxrError names the line that stops the import."""
    if not path.is_file():
        raise WxrError(None, "no such file")
    plan = Plan(WxrFile(path))
    for record in plan.wxr.records(on_bytes):
        if isinstance(record, WxrAuthor):
            plan.authors[record.login] = record
        elif isinstance(record, Item):
            if record.post_type == "attachment" and record.attachment_url:
                plan.attachments[record.wp_id] = record.attachment_url
            plan.items += 1
    return plan


class WordPressImport:
    def __init__(
        self,
        plan: Plan,
        parent: ArticleIndexPage,
        media_dir: Path | None = None,
        dry_run: bool = False,
    ):
        self.plan = plan
        self.parent = parent
        self.site = parent.get_site()
        self.dry_run = dry_run
        self.media = MediaLibrary(media_dir, plan.attachments, dry_run=dry_run)
        self.summary = Summary()
        self.source = source_name(plan.wxr.channel.base_site_url or plan.wxr.channel.link)
        self.authors: dict[str, Author] = {}
        self.categories: dict[str, Category] = {}
        self.body_areas = {area.slug: area for area in BodyArea.objects.all()}
        self.imported_now: set[int] = set()

    def run(self, on_item: Callable[[], None] | None = None) -> Summary:
        with deferred_refresh("WordPress import"), indexed_once_per_article():
            if self.dry_run:
                with transaction.atomic():
                    self.import_all(on_item)
                    transaction.set_rollback(True)
            else:
                self.import_all(on_item)
        self.summary.images = self.media.imported
        if self.summary.comments and not self.dry_run:
            dispatch.enqueue("retrain_spam_filter_if_due")
        return self.summary

    def import_all(self, on_item: Callable[[], None] | None) -> None:
        for record in self.plan.wxr.records():
            if isinstance(record, Item):
                self.import_safely(record)
                if on_item:
                    on_item()

    def import_safely(self, item: Item) -> None:
        """One post and its comments in one transaction. A post the site refuses is skipped and
        reported, and what was remembered while importing it is forgotten."""
        checkpoint = self.summary.checkpoint()
        try:
            with transaction.atomic():
                self.import_item(item)
            self.media.commit()
        except REFUSED as exc:
            self.summary.restore(checkpoint)
            self.summary.skipped += 1
            self.warn(item, [f"not imported: {error_text(exc)}"])
            self.authors.clear()
            self.categories.clear()
            self.media.forget()

    def import_item(self, item: Item) -> None:
        if item.post_type == "page":
            self.summary.pages += 1
            self.summary.skipped += len(item.comments)
            self.summary.page_links.append(item.link or f"page {item.wp_id}")
        elif item.post_type == "post" and item.status in DRAFT_STATUSES | {"publish"}:
            page = self.existing(item) or self.create(item)
            self.import_comments(item, page)
            if page.live:
                self.add_redirects(item, page)
        elif item.post_type not in IGNORED_TYPES:
            self.summary.skipped += 1

    def existing(self, item: Item) -> ArticlePage | None:
        import_id = self.import_id("post", item.wp_id)
        page = by_import_id(ArticlePage.objects, [import_id]).first()
        if page:
            self.summary.skipped += 1
            if item.wp_id in self.imported_now:
                self.warn(item, ["the post appears twice in the file; kept the first"])
        return page

    def create(self, item: Item) -> ArticlePage:
        title = one_line(item.title, 255) or f"Untitled post {item.wp_id}"
        content = convert(item.content, self.media.resolve)
        hero_image_id, missing_hero = self.media.featured(item.meta.get("_thumbnail_id", ""))
        missing = [url for url in content.missing_images if url in self.media.reasons]
        missing += [missing_hero] if missing_hero else []
        self.warn(item, content.warnings + [self.media.explain(url) for url in missing])
        published = item.status == "publish"
        page = ArticlePage(
            title=title,
            slug=self.free_slug(item, title),
            date=calendar_date(item.date, timezone.now()),
            intro=intro(item, content.text, title),
            author=self.author(item.creator),
            hero_image_id=hero_image_id,
            body=StreamValue(ArticlePage.body.field.stream_block, content.blocks, is_lazy=True),
            import_id=self.import_id("post", item.wp_id),
            live=False,
            first_published_at=aware(item.date, timezone.now()) if published else None,
        )
        self.add_terms(page, item)
        self.parent.add_child(instance=page)
        self.save_revision(page, item, title, published)
        insert_or_update_object(page)
        ReferenceIndex.create_or_update_for_object(page)
        self.imported_now.add(item.wp_id)
        return page

    def save_revision(self, page: ArticlePage, item: Item, title: str, published: bool) -> None:
        revision = page.save_revision(log_action=True, clean=False)  # add_child ran full_clean
        if published:
            revision.publish()
            page.refresh_from_db()
            self.summary.posts += 1
        else:
            self.summary.drafts += 1
            self.summary.draft_titles.append(f"{title} ({item.status})")

    def free_slug(self, item: Item, title: str) -> str:
        base = slugify(unquote(item.slug), allow_unicode=True) or slugify(title, allow_unicode=True)
        base = base[:SLUG_CHARS] or f"post-{item.wp_id}"
        taken = set(
            self.parent.get_children()
            .filter(slug__startswith=base[: SLUG_CHARS - 6])
            .values_list("slug", flat=True)
        )
        slug, n = base, 2
        while slug in taken:
            slug, n = f"{base[: SLUG_CHARS - 6]}-{n}", n + 1
        return slug

    def author(self, login: str) -> Author | None:
        if not login:
            return None
        if login not in self.authors:
            record = self.plan.authors.get(login)
            name = one_line(record.display_name if record else login, 120) or login[:120]
            slug = ascii_slug(login, 120, "author")
            self.authors[login] = Author.objects.get_or_create(slug=slug, defaults={"name": name})[
                0
            ]
        return self.authors[login]

    def add_terms(self, page: ArticlePage, item: Item) -> None:
        categories, areas, tags = [], [], []
        for domain, nicename, label in item.terms:
            name = one_line(label, 80)
            slug = ascii_slug(nicename or name, 80, "category")
            if not name or slug in SKIPPED_CATEGORIES:
                continue
            if slug in self.body_areas:
                areas.append(self.body_areas[slug])
            elif domain == "category":
                if slug not in self.categories:
                    self.categories[slug] = category(slug, name)
                categories.append(self.categories[slug])
            elif domain == "post_tag":
                tags.append(name)
        page.categories = categories
        page.body_areas = areas
        page.tags.add(*tags)

    def import_comments(self, item: Item, page: ArticlePage) -> None:
        thread = ThreadImport(
            page,
            item.comments,
            lambda wp_id: self.import_id("comment", wp_id),
            aware(item.date, timezone.now()),
        ).run()
        self.summary.comments += thread.created
        self.summary.skipped += thread.skipped
        self.warn(item, thread.warnings)

    def add_redirects(self, item: Item, page: ArticlePage) -> None:
        blog_path = urlparse(self.plan.wxr.channel.base_blog_url).path.rstrip("/")
        new_path = Redirect.normalise_path(page.relative_url(self.site) or page.url_path)
        old_paths = {Redirect.normalise_path(f"{blog_path}/?p={item.wp_id}")}
        if item.link:
            old_paths.add(Redirect.normalise_path(item.link))
        for old_path in sorted(old_paths - {new_path, "/"}):
            if len(old_path) > MAX_PATH:
                self.warn(item, [f"no redirect from {old_path[:60]}…: longer than {MAX_PATH}"])
                continue
            _, created = Redirect.objects.get_or_create(
                old_path=old_path,
                site=self.site,
                defaults={"redirect_page": page, "is_permanent": True},
            )
            self.summary.redirects += created

    def import_id(self, kind: str, wp_id: int) -> str:
        return f"wordpress:{self.source}:{kind}:{wp_id}"[:255]

    def warn(self, item: Item, messages: list[str]) -> None:
        title = one_line(item.title, 60) or "untitled"
        self.summary.warnings += [f"“{title}” (post {item.wp_id}): {m}" for m in messages]


@contextmanager
def indexed_once_per_article() -> Iterator[None]:
    """Creating, revising and publishing a page saves it three times, and Wagtail updates its
    search and reference indexes on every save; the import updates them once per article."""
    paused = post_save.disconnect(post_save_signal_handler, sender=ArticlePage)
    try:
        with disable_reference_index_auto_update():
            yield
    finally:
        if paused:
            post_save.connect(post_save_signal_handler, sender=ArticlePage)


def category(slug: str, name: str) -> Category:
    found = (
        Category.objects.filter(slug=slug).first()
        or Category.objects.filter(name__iexact=name).first()
    )
    return found or Category.objects.create(slug=slug, name=name)


def intro(item: Item, text: str, title: str) -> str:
    excerpt = " ".join(plain_text(item.excerpt).split())
    return Truncator(excerpt or " ".join(text.split())).chars(300) or title
