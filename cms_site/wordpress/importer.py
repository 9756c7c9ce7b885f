"""Turn a WordPress export into articles, comments and redirects.

``scan`` reads the whole file first and raises ``WxrError`` (with a line number) before anything is
written. ``WordPressImport.run`` then streams the file a second time and imports one post per
transaction, so an interrupted import can simply be run again: posts and comments are matched on
their WordPress ids and nothing is imported twice.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlparse

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.db import DataError, transaction
from django.db.models.signals import post_save
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.text import Truncator, slugify
from modelsearch.index import insert_or_update_object
from modelsearch.signal_handlers import post_save_signal_handler
from wagtail.blocks import StreamValue
from wagtail.contrib.redirects.models import Redirect
from wagtail.models import ReferenceIndex
from wagtail.signal_handlers import disable_reference_index_auto_update

from cms_site.articles.models import ArticleIndexPage, ArticlePage, Author, BodyArea, Category
from cms_site.comments import dispatch
from cms_site.comments.models import MAX_COMMENT_LENGTH, ArticleComment, Commenter
from cms_site.comments.ratelimit import STORED_PREFIX, keyed_hash, network
from cms_site.comments.spam_model import spam_score
from recommender.dispatch import deferred_refresh

from .content import convert
from .images import MediaLibrary
from .wxr import Author as WxrAuthor
from .wxr import Comment, Item, WxrError, WxrFile

DRAFT_STATUSES = {"draft", "pending", "future", "private"}
IGNORED_TYPES = {
    "attachment",
    "revision",
    "nav_menu_item",
    "customize_changeset",
    "wp_global_styles",
}
NOT_COMMENTS = {"pingback", "trackback"}
SKIPPED_CATEGORIES = {"uncategorized"}
SLUG_CHARS = 200
Status = ArticleComment.Status
Reason = ArticleComment.Reason
COMMENT_STATUS = {"1": Status.APPROVED, "spam": Status.SPAM, "trash": Status.REJECTED}


@dataclass
class Plan:
    """What a full read of the file found: small tables the import needs, and counts."""

    wxr: WxrFile
    authors: dict[str, WxrAuthor] = field(default_factory=dict)
    attachments: dict[int, str] = field(default_factory=dict)
    items: int = 0
    comments: int = 0


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
        counts = asdict(self)
        counts["warnings"] = len(self.warnings)
        del counts["draft_titles"], counts["page_links"]
        return counts


def scan(path: Path, on_bytes: Callable[[int], None] | None = None) -> Plan:
    """Read and check the whole export; a WxrError names the line that stops the import."""
    if not path.is_file():
        raise WxrError(None, f"{path}: no such file")
    plan = Plan(WxrFile(path))
    for record in plan.wxr.records(on_bytes):
        if isinstance(record, WxrAuthor):
            plan.authors[record.login] = record
        elif isinstance(record, Item):
            if record.post_type == "attachment" and record.attachment_url:
                plan.attachments[record.wp_id] = record.attachment_url
            plan.items += 1
            plan.comments += len(record.comments)
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
        self.authors: dict[str, Author | None] = {}
        self.categories: dict[str, Category] = {}
        self.body_areas = {area.slug: area for area in BodyArea.objects.all()}

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
        """One post and its comments in one transaction; a value the database refuses skips
        that post (reported), and what was remembered during it is forgotten."""
        counts = self.summary.as_json()
        try:
            with transaction.atomic():
                self.import_item(item)
            self.media.commit()
        except (ValidationError, DataError) as exc:
            for name, value in counts.items():
                if name != "warnings":
                    setattr(self.summary, name, value)
            self.summary.skipped += 1
            self.warn(item, [f"not imported: {error_text(exc)}"])
            self.authors.clear()
            self.categories.clear()
            self.media.forget()

    def import_item(self, item: Item) -> None:
        if item.post_type == "page":
            self.summary.pages += 1
            self.summary.page_links.append(item.link or f"page {item.wp_id}")
        elif item.post_type == "post" and item.status in DRAFT_STATUSES | {"publish"}:
            page = self.existing(item) or self.create(item)
            self.import_comments(item, page)
            if page.live:
                self.add_redirects(item, page)
        elif item.post_type not in IGNORED_TYPES:
            self.summary.skipped += 1

    def existing(self, item: Item) -> ArticlePage | None:
        page = ArticlePage.objects.filter(import_id=self.import_id("post", item.wp_id)).first()
        if page:
            self.summary.skipped += 1
        return page

    def create(self, item: Item) -> ArticlePage:
        title = " ".join(item.title.split())[:255] or f"Untitled post {item.wp_id}"
        content = convert(item.content, self.media.resolve)
        hero_image_id, missing_hero = self.media.featured(item.meta.get("_thumbnail_id", ""))
        missing = [url for url in content.missing_images if url in self.media.reasons]
        missing += [missing_hero] if missing_hero else []
        self.warn(item, content.warnings + [self.media.explain(url) for url in missing])
        published = item.status == "publish"
        date = self.aware(item.date, item.date_is_utc) if item.date else timezone.now()
        page = ArticlePage(
            title=title,
            slug=self.free_slug(item, title),
            date=timezone.localdate(date),
            intro=intro(item, content.text, title),
            author=self.author(item.creator),
            hero_image_id=hero_image_id,
            body=StreamValue(ArticlePage.body.field.stream_block, content.blocks, is_lazy=True),
            import_id=self.import_id("post", item.wp_id),
            live=False,
            first_published_at=date if published else None,
        )
        self.add_terms(page, item)
        self.parent.add_child(instance=page)
        revision = page.save_revision(log_action=True, clean=False)  # add_child validated it
        if published:
            revision.publish()
            page.refresh_from_db()
            self.summary.posts += 1
        else:
            self.summary.drafts += 1
            self.summary.draft_titles.append(f"{title} ({item.status})")
        insert_or_update_object(page)
        ReferenceIndex.create_or_update_for_object(page)
        return page

    def free_slug(self, item: Item, title: str) -> str:
        base = slugify(unquote(item.slug), allow_unicode=True) or slugify(title, allow_unicode=True)
        base = base[:SLUG_CHARS] or f"post-{item.wp_id}"
        taken = set(
            self.parent.get_children().filter(slug__startswith=base).values_list("slug", flat=True)
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
            name = (record.display_name if record else login)[:120]
            slug = slugify(login)[:120] or slugify(name)[:120]
            self.authors[login] = Author.objects.get_or_create(slug=slug, defaults={"name": name})[
                0
            ]
        return self.authors[login]

    def add_terms(self, page: ArticlePage, item: Item) -> None:
        categories, areas, tags = [], [], []
        for domain, slug, name in item.terms:
            name = " ".join(name.split())[:80]
            slug = slugify(unquote(slug), allow_unicode=True)[:80] or slugify(name)[:80]
            if not name or slug in SKIPPED_CATEGORIES:
                continue
            if slug in self.body_areas:
                areas.append(self.body_areas[slug])
            elif domain == "category":
                if slug not in self.categories:
                    self.categories[slug] = category(slug, name)
                categories.append(self.categories[slug])
            elif domain == "post_tag":
                tags.append(name[:100])
        page.categories = categories
        page.body_areas = areas
        page.tags.add(*tags)

    def import_comments(self, item: Item, page: ArticlePage) -> None:
        ids = {c.wp_id: self.import_id("comment", c.wp_id) for c in item.comments}
        known = dict(
            ArticleComment.objects.filter(import_id__in=ids.values()).values_list("import_id", "pk")
        )
        waiting = []
        for comment in item.comments:
            if ids[comment.wp_id] in known or comment.kind in NOT_COMMENTS:
                self.summary.skipped += 1
            else:
                waiting.append(comment)
        depths = dict(
            ArticleComment.objects.filter(pk__in=known.values()).values_list("pk", "depth")
        )
        commenters = self.commenters(waiting)
        while waiting:
            ready = [c for c in waiting if self.parent_ready(c, ids, known)] or waiting
            created = self.create_comments(item, page, ready, ids, known, depths, commenters)
            for comment, row in zip(ready, created, strict=True):
                known[ids[comment.wp_id]] = row.pk
                depths[row.pk] = row.depth
            waiting = [c for c in waiting if ids[c.wp_id] not in known]

    @staticmethod
    def parent_ready(comment: Comment, ids: dict[int, str], known: dict[str, int]) -> bool:
        return (
            not comment.parent_id or comment.parent_id not in ids or ids[comment.parent_id] in known
        )

    def create_comments(self, item, page, ready, ids, known, depths, commenters):
        rows = []
        for comment in ready:
            parent_pk = known.get(ids.get(comment.parent_id, ""))
            if comment.parent_id and parent_pk is None:
                self.warn(
                    item, [f"comment {comment.wp_id} replies to a missing comment; kept at the top"]
                )
            rows.append(self.comment_row(comment, page, parent_pk, depths, commenters))
        rows = ArticleComment.objects.bulk_create(rows)
        for row, comment in zip(rows, ready, strict=True):
            row.created_at = row.updated_at = self.aware(comment.date, comment.date_is_utc)
        ArticleComment.objects.bulk_update(rows, ["created_at", "updated_at"])
        self.summary.comments += len(rows)
        return rows

    def comment_row(self, comment, page, parent_pk, depths, commenters) -> ArticleComment:
        status = COMMENT_STATUS.get(comment.approved, Status.PENDING)
        decided = status != Status.PENDING
        date = self.aware(comment.date, comment.date_is_utc)
        body = comment_text(comment.content)
        score, version = (None, "") if decided else spam_score(body)
        return ArticleComment(
            page=page,
            parent_id=parent_pk,
            depth=depths[parent_pk] + 1 if parent_pk else 1,
            commenter=commenters.get(comment.email.strip().lower()),
            author_name=" ".join(comment.author.split())[:80] or "Anonymous",
            website=valid_url(comment.url),
            body=body,
            status=status,
            status_reason=Reason.MODERATOR if decided else Reason.NEW_COMMENTER,
            status_detail="imported from WordPress" + ("" if decided else ", pending there"),
            spam_score=score,
            spam_model_version=version,
            moderated_at=date if decided else None,
            ip_hash=keyed_hash("ip", network(comment.ip, STORED_PREFIX)) if comment.ip else "",
            import_id=self.import_id("comment", comment.wp_id),
        )

    def commenters(self, comments: list[Comment]) -> dict[str, Commenter]:
        emails = {c.email.strip().lower() for c in comments if is_email(c.email.strip())}
        found = {c.email: c for c in Commenter.objects.filter(email__in=emails)}
        Commenter.objects.bulk_create(
            [Commenter(email=email) for email in emails - found.keys()], ignore_conflicts=True
        )
        return {c.email: c for c in Commenter.objects.filter(email__in=emails)}

    def add_redirects(self, item: Item, page: ArticlePage) -> None:
        blog_path = urlparse(self.plan.wxr.channel.base_blog_url).path.rstrip("/")
        new_path = Redirect.normalise_path(page.relative_url(self.site) or page.url_path)
        old_paths = {Redirect.normalise_path(f"{blog_path}/?p={item.wp_id}")}
        if item.link:
            old_paths.add(Redirect.normalise_path(item.link))
        for old_path in sorted(old_paths - {new_path, "/"}):
            _, created = Redirect.objects.get_or_create(
                old_path=old_path,
                site=self.site,
                defaults={"redirect_page": page, "is_permanent": True},
            )
            self.summary.redirects += created

    def import_id(self, kind: str, wp_id: int) -> str:
        return f"wordpress:{self.source}:{kind}:{wp_id}"[:255]

    def warn(self, item: Item, messages: list[str]) -> None:
        title = " ".join(item.title.split())[:60] or "untitled"
        self.summary.warnings += [f"“{title}” (post {item.wp_id}): {m}" for m in messages]

    @staticmethod
    def aware(value: dt.datetime, is_utc: bool) -> dt.datetime:
        return value if is_utc else timezone.make_aware(value)


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


def source_name(url: str) -> str:
    parsed = urlparse(url)
    return (parsed.netloc + parsed.path.rstrip("/")) or "site"


def category(slug: str, name: str) -> Category:
    found = (
        Category.objects.filter(slug=slug).first()
        or Category.objects.filter(name__iexact=name).first()
    )
    return found or Category.objects.create(slug=slug, name=name)


def intro(item: Item, text: str, title: str) -> str:
    excerpt = " ".join(html.unescape(strip_tags(item.excerpt)).split())
    return Truncator(excerpt or " ".join(text.split())).chars(300) or title


def comment_text(content: str) -> str:
    text = html.unescape(strip_tags(content.replace("\r\n", "\n"))).replace("\x00", "")
    return text.strip()[:MAX_COMMENT_LENGTH] or "(empty comment)"


def is_email(value: str) -> bool:
    try:
        validate_email(value)
    except ValidationError:
        return False
    return len(value) <= 254


def error_text(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return "; ".join(exc.messages)
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


def valid_url(value: str) -> str:
    value = value.strip()
    try:
        URLValidator(schemes=["http", "https"])(value)
    except ValidationError:
        return ""
    return value if len(value) <= 200 else ""
