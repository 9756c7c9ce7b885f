"""Read a WordPress export (WXR) as a stream of plain records, safely.

The file is parsed with defusedxml's SAX driver: a document type declaration, an entity
declaration or an external reference is refused before anything is expanded, so an "XML bomb" or
an attempt to read local files fails with a clear error. Each ``<item>`` is turned into a record
and forgotten, so memory stays flat however long the export is. Errors name the line.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO
from xml.sax import SAXParseException
from xml.sax.handler import ContentHandler, feature_namespaces

from defusedxml import DefusedXmlException, DTDForbidden, EntitiesForbidden
from defusedxml.expatreader import DefusedExpatParser

CHUNK_BYTES = 1 << 16
WP_NAMESPACE = "http://wordpress.org/export/"
NAMESPACES = {
    "http://purl.org/rss/1.0/modules/content/": "content",
    "http://purl.org/dc/elements/1.1/": "dc",
    "http://wellformedweb.org/CommentAPI/": "wfw",
}
NO_DATE = "0000-00-00 00:00:00"


class WxrError(ValueError):
    """The file cannot be imported; the message names the line."""

    def __init__(self, line: int | None, message: str):
        self.line = line
        self.message = message
        super().__init__(f"line {line}: {message}" if line else message)


@dataclass
class Channel:
    title: str = ""
    link: str = ""
    base_site_url: str = ""
    base_blog_url: str = ""
    wxr_version: str = ""


@dataclass
class Author:
    login: str
    email: str
    display_name: str
    line: int


@dataclass
class Term:
    kind: str  # "category" or "tag"
    slug: str
    name: str
    line: int


@dataclass
class Moment:
    """A WordPress timestamp: in UTC (``*_gmt``) and as the blog's clock showed it, when known."""

    utc: dt.datetime | None = None
    local: dt.datetime | None = None


@dataclass
class Comment:
    wp_id: int
    parent_id: int
    author: str
    email: str
    url: str
    ip: str
    date: Moment
    content: str
    approved: str  # "1", "0", "spam" or "trash"
    kind: str  # "comment", "pingback", "trackback"...
    line: int


@dataclass
class Item:
    wp_id: int
    post_type: str
    status: str
    title: str
    slug: str
    link: str
    creator: str
    content: str
    excerpt: str
    date: Moment
    attachment_url: str
    line: int
    terms: list[tuple[str, str, str]] = field(default_factory=list)  # (domain, slug, name)
    meta: dict[str, str] = field(default_factory=dict)
    comments: list[Comment] = field(default_factory=list)


@dataclass
class Node:
    name: str
    attrs: dict[str, str]
    line: int
    parts: list[str] = field(default_factory=list)
    children: list[Node] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "".join(self.parts).strip()

    def child(self, name: str) -> str:
        return next((c.text for c in self.children if c.name == name), "")

    def all(self, name: str) -> list[Node]:
        return [c for c in self.children if c.name == name]


def short_name(uri: str | None, local: str) -> str:
    if not uri:
        return local
    if uri.startswith(WP_NAMESPACE):
        return f"excerpt:{local}" if uri.rstrip("/").endswith("excerpt") else f"wp:{local}"
    prefix = NAMESPACES.get(uri)
    return f"{prefix}:{local}" if prefix else f"{{{uri}}}{local}"


class ExportHandler(ContentHandler):
    """Builds a small tree per channel child and hands it over as soon as it closes."""

    def __init__(self):
        super().__init__()
        self.stack: list[Node] = []
        self.done: list[Node] = []
        self.started = False
        self.locator = None
        self.skipped_lines = 0

    def setDocumentLocator(self, locator):
        self.locator = locator

    def line(self) -> int:
        return self.locator.getLineNumber() + self.skipped_lines if self.locator else 0

    def startElementNS(self, name, qname, attrs):
        attributes = {short_name(*key): value for key, value in attrs.items()}
        node = Node(short_name(*name), attributes, self.line())
        if not self.stack and node.name != "rss":
            raise WxrError(node.line, f"the file starts with <{node.name}>, not <rss>")
        self.started = True
        if len(self.stack) > 2:
            self.stack[-1].children.append(node)
        self.stack.append(node)

    def endElementNS(self, name, qname):
        node = self.stack.pop()
        if len(self.stack) == 2:
            self.done.append(node)

    def characters(self, content):
        if len(self.stack) > 2:
            self.stack[-1].parts.append(content)


class WxrFile:
    """One export file: ``channel`` fills in while ``records()`` streams the rest."""

    def __init__(self, path: Path):
        self.path = path
        self.channel = Channel()

    def records(self, on_bytes: Callable[[int], None] | None = None) -> Iterator[object]:
        for node in self.nodes(on_bytes):
            record = to_record(node, self.channel)
            if record is not None:
                yield record
        if not self.channel.wxr_version:
            raise WxrError(None, "this is not a WordPress export (it has no <wp:wxr_version>)")

    def nodes(self, on_bytes: Callable[[int], None] | None) -> Iterator[Node]:
        handler = ExportHandler()
        parser = DefusedExpatParser(forbid_dtd=True)
        parser.setFeature(feature_namespaces, True)
        parser.setContentHandler(handler)
        handler.setDocumentLocator(parser)
        try:
            with self.path.open("rb") as source:
                for chunk in chunks(source, handler):
                    parser.feed(chunk)
                    yield from drain(handler.done)
                    if on_bytes:
                        on_bytes(len(chunk))
            parser.close()
            yield from drain(handler.done)
            if not handler.started:
                raise WxrError(None, "the file is empty: it holds no XML")
        except SAXParseException as exc:
            line = exc.getLineNumber() + handler.skipped_lines
            raise WxrError(line, f"not well-formed XML ({exc.getMessage()})") from None
        except DefusedXmlException as exc:
            raise WxrError(handler.line(), refusal(exc)) from None


def chunks(source: BinaryIO, handler: ExportHandler) -> Iterator[bytes]:
    """The file in pieces, without the blank lines a faulty WordPress plugin can print before
    ``<?xml``, which would otherwise make the whole export unreadable."""
    first = source.read(CHUNK_BYTES)
    stripped = first.lstrip()
    handler.skipped_lines = first[: len(first) - len(stripped)].count(b"\n")
    if stripped:
        yield stripped
    while chunk := source.read(CHUNK_BYTES):
        yield chunk


def drain(done: list[Node]) -> Iterator[Node]:
    while done:
        yield done.pop(0)


def refusal(exc: DefusedXmlException) -> str:
    if isinstance(exc, DTDForbidden):
        what = "a document type declaration (<!DOCTYPE>)"
    elif isinstance(exc, EntitiesForbidden):
        what = f"an entity declaration ({exc.name!r})"
    else:
        what = "a reference to an external file"
    return (
        f"refused: the file contains {what}, which WordPress exports never have; "
        "it can expand into gigabytes (an XML bomb) or read other files"
    )


CHANNEL_FIELDS = {
    "title": "title",
    "link": "link",
    "wp:base_site_url": "base_site_url",
    "wp:base_blog_url": "base_blog_url",
    "wp:wxr_version": "wxr_version",
}


def to_record(node: Node, channel: Channel) -> object | None:
    if node.name in CHANNEL_FIELDS:
        setattr(channel, CHANNEL_FIELDS[node.name], node.text)
        return None
    if node.name == "wp:author":
        return Author(
            login=node.child("wp:author_login"),
            email=node.child("wp:author_email"),
            display_name=node.child("wp:author_display_name") or node.child("wp:author_login"),
            line=node.line,
        )
    if node.name in ("wp:category", "wp:tag"):
        return to_term(node)
    if node.name == "item":
        return to_item(node)
    return None


def to_term(node: Node) -> Term:
    if node.name == "wp:category":
        return Term(
            "category", node.child("wp:category_nicename"), node.child("wp:cat_name"), node.line
        )
    return Term("tag", node.child("wp:tag_slug"), node.child("wp:tag_name"), node.line)


def to_item(node: Node) -> Item:
    item = Item(
        wp_id=integer(node, "wp:post_id"),
        post_type=node.child("wp:post_type") or "post",
        status=node.child("wp:status") or "draft",
        title=node.child("title"),
        slug=node.child("wp:post_name"),
        link=node.child("link"),
        creator=node.child("dc:creator"),
        content=node.child("content:encoded"),
        excerpt=node.child("excerpt:encoded"),
        date=moment(node, "wp:post_date"),
        attachment_url=node.child("wp:attachment_url"),
        line=node.line,
    )
    item.terms = [
        (c.attrs.get("domain", ""), c.attrs.get("nicename", ""), c.text)
        for c in node.all("category")
    ]
    item.meta = {m.child("wp:meta_key"): m.child("wp:meta_value") for m in node.all("wp:postmeta")}
    item.comments = [to_comment(c) for c in node.all("wp:comment")]
    return item


def to_comment(node: Node) -> Comment:
    return Comment(
        wp_id=integer(node, "wp:comment_id"),
        parent_id=integer(node, "wp:comment_parent", default=0),
        author=node.child("wp:comment_author"),
        email=node.child("wp:comment_author_email"),
        url=node.child("wp:comment_author_url"),
        ip=node.child("wp:comment_author_IP"),
        date=moment(node, "wp:comment_date"),
        content=node.child("wp:comment_content"),
        approved=node.child("wp:comment_approved") or "0",
        kind=node.child("wp:comment_type") or "comment",
        line=node.line,
    )


def moment(node: Node, name: str) -> Moment:
    utc = timestamp(node, f"{name}_gmt")
    return Moment(utc.replace(tzinfo=dt.UTC) if utc else None, timestamp(node, name))


def timestamp(node: Node, name: str) -> dt.datetime | None:
    value = node.child(name)
    if not value or value == NO_DATE:
        return None
    try:
        return dt.datetime.strptime(value, "%Y-%m-%d %H:%M:%S")
    except ValueError:
        raise WxrError(node.line, f"<{name}> is not a date: {value[:40]!r}") from None


def integer(node: Node, name: str, default: int | None = None) -> int:
    value = node.child(name)
    if not value and default is not None:
        return default
    try:
        number = int(value)
    except ValueError:
        raise WxrError(node.line, f"<{name}> must be a whole number, not {value[:40]!r}") from None
    if number < 0:
        raise WxrError(node.line, f"<{name}> must not be negative")
    return number
