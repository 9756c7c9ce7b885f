"""Turn the HTML of one WordPress post (``content:encoded``) into ArticlePage body blocks.

The result is raw StreamField data for ``cms_site.articles.blocks.ArticleStreamBlock``:
headings, paragraphs (rich text), images, videos, quotes and exercises. It understands
classic-editor posts (stored without ``<p>``: blank lines separate paragraphs and single
newlines are line breaks), Gutenberg posts (``<!-- wp:name {attrs} -->`` delimiters around
ordinary HTML), shortcodes, and YouTube or Vimeo URLs, iframes and embeds.

Whatever cannot be kept is reported in plain sentences (``warnings``). Every rich-text value is
passed through nh3 last, so nothing but p, b, i, a[href], ul, ol, li, br and h3 can reach the
database. Images come from a resolver callback, so this module needs neither the database nor the
network.
"""

from __future__ import annotations

import html as htmllib
import json
import re
import warnings
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

import nh3
from bs4 import BeautifulSoup, MarkupResemblesLocatorWarning, Tag
from bs4.element import PreformattedString

Resolver = Callable[[str, int | None], int | None]

RICH_TEXT_TAGS = {"p", "b", "i", "a", "ul", "ol", "li", "br", "h3"}
URL_SCHEMES = {"http", "https", "mailto"}
HEADING_MAX = 120
ATTRIBUTION_MAX = 120
EXERCISE_NAME_MAX = 80
MAX_DEPTH = 48  # deeper HTML or block nesting is flattened, which bounds the recursion below
VIDEO_MARK = "wpc-video"  # stands in for a video shortcode until the HTML is parsed

UNSAFE_TAGS = {
    "script", "style", "object", "embed", "applet", "form", "input", "button", "select",
    "textarea", "frame", "frameset", "base", "meta", "link", "svg", "math", "template", "portal",
}  # fmt: skip
SILENT_TAGS = {"head", "title", "noscript", "hr", "source", "track", "map", "area", "param", "col",
               "colgroup"}  # fmt: skip
HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
MEDIA_TAGS = {"img", "iframe", "video", "audio", VIDEO_MARK}
BLOCK_TAGS = HEADINGS | MEDIA_TAGS | SILENT_TAGS | {
    "address", "article", "aside", "blockquote", "body", "caption", "center", "dd", "details",
    "dialog", "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "header", "hgroup",
    "html", "li", "main", "menu", "nav", "ol", "p", "picture", "pre", "section", "summary", "table",
    "tbody", "td", "tfoot", "th", "thead", "tr", "ul",
}  # fmt: skip
LINE_TAGS = {"li", "tr", "dt", "dd"}
BOLD_TAGS = {"b", "strong"}
ITALIC_TAGS = {"i", "em", "cite"}
EXERCISE_NAME_TAGS = {"b", "strong", "i", "em", "span", "u", "a"}

GUTENBERG_DELIMITER = re.compile(
    r"<!--\s+(?P<closer>/)?wp:(?P<name>[a-z][a-z0-9_-]*(?:/[a-z][a-z0-9_-]*)?)\s+"
    r"(?P<attrs>\{(?:(?!-->).)*?\}\s+)?(?P<void>/)?-->",
    re.S,
)
DECORATIVE_BLOCKS = {"core/separator", "core/spacer", "core/more", "core/nextpage"}
CONTAINER_BLOCKS = {"core/group", "core/columns", "core/column", "core/cover", "core/media-text",
                    "core/gallery", "core/details", "core/row", "core/stack"}  # fmt: skip
HTML_BLOCKS = {"core/paragraph", "core/heading", "core/list", "core/list-item", "core/quote",
               "core/pullquote", "core/image", "core/freeform", "core/shortcode", "core/video",
               "core/audio"}  # fmt: skip

SHORTCODE_OPEN = re.compile(
    r"\[(?P<name>[A-Za-z][\w-]*)(?P<attrs>(?:[\s=](?:[^\]\[\"']|\"[^\"]*\"|'[^']*')*?)?)(?P<self>/)?\]"
)
SHORTCODE_ATTR = re.compile(
    r"""([\w-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"']+))|"([^"]*)"|(\S+)"""
)
KNOWN_SHORTCODES = {"caption", "wp_caption", "embed", "youtube", "vimeo", "video", "audio",
                    "gallery", "playlist"}  # fmt: skip
VIDEO_SHORTCODES = {"embed", "youtube", "vimeo", "video"}

CONTROL_CHARS = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff]"
)
LINE_BREAKS = re.compile(r"(\n[ \t]*\n\s*|\n)")
LONE_URL = re.compile(r"\s*(https?://\S+)\s*")
EXERCISE_SEPARATOR = re.compile(r"\s+[–—]\s*|[–—]\s+|\s+-\s+")
TRAILING_SEPARATOR = re.compile(r"(?:\s*[–—]|\s+-)\s*$")
EXERCISE_NUMBER = re.compile(r"^\s*(\d{1,3})[.)]\s+")
NUMBERED_LINE = re.compile(r"(?:<p>|<br>)(?:<[bi]>)*\s*\d{1,3}[.)]\s")
ATTRIBUTION_LINE = re.compile(r"\s*(?:[—–―~]|--?)\s*(\S.*)")
YOUTUBE_ID = re.compile(r"[A-Za-z0-9_-]{11}(?![A-Za-z0-9_-])")


@dataclass
class ConvertedContent:
    blocks: list[dict]
    warnings: list[str]
    missing_images: list[str]
    text: str


def no_images(url: str, attachment_id: int | None) -> int | None:
    return None


def convert(html: str, resolve_image: Resolver = no_images) -> ConvertedContent:
    """Convert one post's HTML; never raises on odd input (only the resolver may)."""
    return Converter(resolve_image).run(html or "")


def sanitize_rich_text(html: str) -> str:
    return nh3.clean(
        html,
        tags=RICH_TEXT_TAGS,
        attributes={"a": {"href"}},
        url_schemes=URL_SCHEMES,
        link_rel=None,
        strip_comments=True,
    )


# Text and URL helpers


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\xa0", " "))


def shorten(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if cut.rfind(" ") > limit // 2:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:–—-") + "…"


def has_text(html: str) -> bool:
    return bool(htmllib.unescape(re.sub(r"<[^>]*>", "", html)).strip())


def tidy_rich_text(html: str) -> str:
    html = re.sub(r"(?:\s*<br>\s*)+", "<br>", html)
    html = re.sub(r"(<(?:p|li)>(?:<[bi]>)*)(?:\s|<br>)+", r"\1", html)
    html = re.sub(r"(?:\s|<br>)+((?:</[bi]>)*</(?:p|li)>)", r"\1", html)
    html = re.sub(r"(?:\s|<br>)+(<(?:ul|ol)>)|(</(?:ul|ol)>)(?:\s|<br>)+", r"\1\2", html)
    return re.sub(r"(^|>)([^<]+)", lambda m: m[1] + re.sub(" {2,}", " ", m[2]), html)


def tidy_plain(text: str) -> str:
    paragraphs = []
    for chunk in re.split(r"\n\s*\n", text):
        lines = [squash(line).strip() for line in chunk.split("\n")]
        if any(lines):
            paragraphs.append("\n".join(line for line in lines if line))
    return "\n\n".join(paragraphs)


def rich_text_plain(html: str) -> str:
    """Plain text of rich text that nh3 has already cleaned (so tags can be cut with a regex)."""
    text = re.sub(r"<br>|</li>|</?(?:ul|ol)>", "\n", html)
    return tidy_plain(htmllib.unescape(re.sub(r"<[^>]*>", "", text)))


def url_scheme(url: str) -> str:
    probe = re.sub(r"[\s\x00-\x1f]", "", url).lower()
    match = re.match(r"([a-z][a-z0-9+.-]*):", probe)
    return match[1] if match else ""


def host_of(url: str) -> str:
    try:
        host = urlsplit(url).hostname
    except ValueError:
        host = None
    return host or "an unknown host"


def video_url(url: str) -> str | None:
    """The canonical YouTube or Vimeo address for any link, player or embed URL of one video."""
    try:
        parts = urlsplit(url.strip())
        host = (parts.hostname or "").lower()
    except ValueError:
        return None
    if parts.scheme not in ("http", "https", ""):
        return None
    host = re.sub(r"^(?:www\.|m\.)", "", host)
    segments = [s for s in parts.path.split("/") if s]
    if host in ("youtube.com", "youtu.be", "youtube-nocookie.com"):
        return youtube_url(host, segments, parts.query)
    if host in ("vimeo.com", "player.vimeo.com"):
        return vimeo_url(segments, parts.query)
    return None


def youtube_url(host: str, segments: list[str], query: str) -> str | None:
    if host == "youtu.be":
        video = segments[0] if segments else ""
    elif segments == ["watch"]:
        video = parse_qs(query).get("v", [""])[0]
    elif len(segments) >= 2 and segments[0] in ("embed", "v", "shorts", "live", "e"):
        video = segments[1]
    else:
        return None
    match = YOUTUBE_ID.match(video)  # old /v/ URLs run on with "&hl=en"
    return f"https://www.youtube.com/watch?v={match[0]}" if match else None


def vimeo_url(segments: list[str], query: str) -> str | None:
    numbers = [i for i, segment in enumerate(segments) if segment.isdigit()]
    if not numbers:
        return None
    index = numbers[0]
    rest = segments[index + 1 : index + 2] or parse_qs(query).get("h", [])
    secret = rest[0] if rest and re.fullmatch(r"[0-9a-f]{6,}", rest[0]) else ""
    return f"https://vimeo.com/{segments[index]}" + (f"/{secret}" if secret else "")


def is_smiley(tag: Tag) -> bool:
    classes = tag.get("class") or []
    return tag.name == "img" and any(c in ("wp-smiley", "emoji") for c in classes)


def is_block_tag(node) -> bool:
    return isinstance(node, Tag) and node.name in BLOCK_TAGS and not is_smiley(node)


def is_inline(node) -> bool:
    if not isinstance(node, Tag):
        return True
    return not is_block_tag(node) and not any(map(is_block_tag, node.find_all(True)))


def shortcode_attrs(text: str) -> tuple[dict[str, str], list[str]]:
    named, positional = {}, []
    for m in SHORTCODE_ATTR.finditer(text.lstrip("=")):
        if m[1]:
            named[m[1].lower()] = next(v for v in (m[2], m[3], m[4]) if v is not None)
        else:
            positional.append(m[5] if m[5] is not None else m[6])
    return named, positional


def gutenberg_name(name: str) -> str:
    return name if "/" in name else f"core/{name}"


def gutenberg_attrs(text: str | None) -> dict:
    try:
        attrs = json.loads(text) if text else {}
    except (ValueError, RecursionError):
        return {}
    return attrs if isinstance(attrs, dict) else {}


@dataclass
class GutenbergBlock:
    name: str
    attrs: dict = field(default_factory=dict)
    parts: list[str | GutenbergBlock] = field(default_factory=list)

    def html(self) -> str:
        return "".join(p if isinstance(p, str) else p.html() for p in self.parts)


def parse_gutenberg(text: str) -> GutenbergBlock:
    """The block tree of a Gutenberg post; unbalanced delimiters are tolerated."""
    root = GutenbergBlock("")
    stack, position = [root], 0
    for m in GUTENBERG_DELIMITER.finditer(text):
        stack[-1].parts.append(text[position : m.start()])
        position = m.end()
        name = gutenberg_name(m["name"])
        if m["closer"]:
            if name in [b.name for b in stack[1:]]:
                while stack.pop().name != name:
                    pass
            continue
        block = GutenbergBlock(name, gutenberg_attrs(m["attrs"]))
        stack[-1].parts.append(block)
        if not m["void"] and len(stack) <= MAX_DEPTH:
            stack.append(block)
    stack[-1].parts.append(text[position:])
    return root


class Converter:
    def __init__(self, resolve_image: Resolver):
        self.resolve_image = resolve_image
        self.blocks: list[dict] = []
        self.notes: Counter[str] = Counter()
        self.missing: list[str] = []
        self.autop = True
        self.attachment_hint: int | None = None

    def run(self, html: str) -> ConvertedContent:
        text = CONTROL_CHARS.sub("", html.replace("\r\n", "\n").replace("\r", "\n"))
        if GUTENBERG_DELIMITER.search(text):
            self.gutenberg_root(parse_gutenberg(text))
        else:
            self.flow_html(text, autop=True)
        blocks = self.numbered_exercises(self.blocks)
        text = "\n\n".join(filter(None, map(self.block_text, blocks)))
        return ConvertedContent(blocks, self.warnings(), self.missing, text)

    def warn(self, message: str) -> None:
        self.notes[message] += 1

    def warnings(self) -> list[str]:
        return [m if n == 1 else f"{m} ({n} times)" for m, n in self.notes.items()]

    # Gutenberg

    def gutenberg_root(self, root: GutenbergBlock) -> None:
        for part in root.parts:
            if isinstance(part, str):
                self.flow_html(part, autop=True)  # classic content between blocks
            else:
                self.gutenberg_block(part)

    def gutenberg_block(self, block: GutenbergBlock) -> None:
        name = block.name
        if name in DECORATIVE_BLOCKS:
            return
        if name in CONTAINER_BLOCKS:
            for part in block.parts:
                if isinstance(part, str):
                    self.flow_html(part, autop=False)
                else:
                    self.gutenberg_block(part)
        elif name == "core/embed" or name.startswith("core-embed/"):
            self.embed_block(block)
        elif name in HTML_BLOCKS:
            attachment = block.attrs.get("id")
            self.attachment_hint = attachment if isinstance(attachment, int) else None
            self.flow_html(block.html(), autop=name in ("core/freeform", "core/shortcode"))
            self.attachment_hint = None
        else:
            self.unsupported_block(block)

    def embed_block(self, block: GutenbergBlock) -> None:
        soup = self.parse(block.html())
        url = block.attrs.get("url")
        if not isinstance(url, str) or not url.strip():
            found = LONE_URL.search(soup.get_text(" "))
            url = found[1] if found else ""
        if not url:
            self.warn(f"dropped an embed block '{block.name}' without a URL")
            return
        self.embed(url, keep_link=True)
        for caption in soup.find_all("figcaption"):
            self.caption(caption)

    def unsupported_block(self, block: GutenbergBlock) -> None:
        soup = self.parse(block.html())
        if self.emit_loose_text(soup):
            self.warn(f"kept the text of an unsupported block '{block.name}'")
        elif block.parts:
            self.warn(f"dropped an unsupported block '{block.name}' that had no text")
        else:
            self.warn(f"dropped the dynamic block '{block.name}'")
        self.spill_media(soup)

    # Parsing, shortcodes and the unsafe

    def flow_html(self, html: str, autop: bool) -> None:
        if not html.strip():
            return
        self.autop = autop
        self.flow(list(self.parse(self.expand_shortcodes(html)).children))

    def parse(self, html: str) -> BeautifulSoup:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", MarkupResemblesLocatorWarning)
            soup = BeautifulSoup(html, "html.parser")
        for node in soup.find_all(string=lambda s: isinstance(s, PreformattedString)):
            node.extract()
        for tag in soup.find_all(UNSAFE_TAGS):
            if not tag.decomposed:
                self.remove_unsafe(soup, tag)
        for tag in soup.find_all(True):
            for attribute in tag.attrs:
                if attribute.lower().startswith("on"):
                    self.warn(f"removed an inline event handler ({attribute.lower()})")
        self.flatten_deep(soup)
        return soup

    def flatten_deep(self, soup: BeautifulSoup) -> None:
        deep, stack = [], [(soup, 0)]
        while stack:
            node, depth = stack.pop()
            for child in node.find_all(True, recursive=False):
                stack.append((child, depth + 1))
                if depth + 1 > MAX_DEPTH:
                    deep.append(child)
        if deep:
            self.warn(f"flattened HTML nested more than {MAX_DEPTH} levels deep")
        for tag in deep:
            tag.unwrap()

    def remove_unsafe(self, soup: BeautifulSoup, tag: Tag) -> None:
        url = self.legacy_video(tag) if tag.name in ("object", "embed") else None
        if url:
            tag.replace_with(soup.new_tag(VIDEO_MARK, attrs={"data-url": url})).decompose()
        else:
            article = "an" if tag.name[0] in "aeiou" else "a"
            self.warn(f"removed {article} <{tag.name}> element")
            tag.decompose()

    def legacy_video(self, tag: Tag) -> str | None:
        """Old YouTube embed code: <object><param name="movie" value="…"><embed src="…">."""
        candidates = [tag.get("src"), tag.get("data")]
        candidates += [p.get("value") for p in tag.find_all("param")]
        candidates += [e.get("src") for e in tag.find_all("embed")]
        return next((video_url(c) for c in candidates if c and video_url(c)), None)

    def expand_shortcodes(self, text: str) -> str:
        out, position = [], 0
        while m := SHORTCODE_OPEN.search(text, position):
            name, end, content = m["name"], m.end(), None
            closer = -1 if m["self"] else text.find(f"[/{name}]", end)
            if closer != -1:
                content, end = text[end:closer], closer + len(name) + 3
            if not self.is_shortcode(name, m["attrs"], content is not None):
                out.append(text[position : m.end()])
                position = m.end()
                continue
            out.append(text[position : m.start()])
            if out[-1].endswith("[") and text.startswith("]", end):  # [[name]] is literal
                out[-1] = out[-1][:-1]
                out.append(text[m.start() : end])
                end += 1
            else:
                out.append(self.shortcode(name, m["attrs"], content))
            position = end
        out.append(text[position:])
        return "".join(out)

    @staticmethod
    def is_shortcode(name: str, attrs: str, enclosing: bool) -> bool:
        """Only likely shortcodes, so that "[sic]" or "[1]" in the text survive."""
        known = name.lower() in KNOWN_SHORTCODES
        return known or enclosing or "=" in attrs or any(c in name for c in "-_")

    def shortcode(self, name: str, attrs: str, content: str | None) -> str:
        named, positional = shortcode_attrs(attrs)
        kind = name.lower()
        if kind in ("caption", "wp_caption"):
            return self.caption_shortcode(named, content or "")
        if kind in VIDEO_SHORTCODES:
            return self.video_shortcode(kind, named, positional, (content or "").strip())
        if content and content.strip():
            self.warn(f"removed the shortcode [{name}] and kept its content")
            return self.expand_shortcodes(content)
        self.warn(f"removed the shortcode [{name}]")
        return ""

    def caption_shortcode(self, named: dict[str, str], content: str) -> str:
        media = re.match(r"\s*((?:<a\b[^>]*>\s*)?<img\b[^>]*>(?:\s*</a>)?)(.*)", content, re.S)
        image, caption = (media[1], media[2]) if media else (content, "")
        caption = named.get("caption") or caption
        attachment = re.sub(r"\D", "", named.get("id", ""))
        return (
            f'<figure data-wpc-attachment="{attachment}">{image}'
            f"<figcaption>{caption}</figcaption></figure>"
        )

    def video_shortcode(self, kind: str, named: dict, positional: list[str], content: str) -> str:
        values = [content, named.get("src"), named.get("url"), *positional, *named.values()]
        values = [v.strip() for v in values if v and v.strip()]
        url = next(
            (v for v in values if re.match(r"(?:https?:)?//", v)), values[0] if values else ""
        )
        if kind == "vimeo" and url.isdigit():
            url = f"https://vimeo.com/{url}"
        elif kind == "youtube" and YOUTUBE_ID.fullmatch(url):
            url = f"https://www.youtube.com/watch?v={url}"
        if not url:
            self.warn(f"removed the shortcode [{kind}] that had no URL")
            return ""
        link = ' data-keep-link=""' if kind == "embed" else ""
        return f'<{VIDEO_MARK} data-url="{htmllib.escape(url)}"{link}></{VIDEO_MARK}>'

    # Block-level structure

    def flow(self, nodes: Iterable) -> None:
        run: list = []
        for node in nodes:
            if is_inline(node):
                run.append(node)
                continue
            self.flush(run)
            run = []
            self.block(node)
        self.flush(run)

    HANDLERS = {"ul": "list_block", "ol": "list_block", "blockquote": "quote", "figure": "figure",
                "img": "image", "iframe": "iframe", "figcaption": "caption",
                VIDEO_MARK: "video_mark"}  # fmt: skip

    def block(self, tag: Tag) -> None:
        name = tag.name
        if name in self.HANDLERS:
            getattr(self, self.HANDLERS[name])(tag)
        elif name in HEADINGS:
            self.heading(tag)
        elif name in ("video", "audio"):
            self.warn(f"dropped a <{name}> element (only YouTube and Vimeo videos are kept)")
        elif name in ("table", "pre"):
            self.loose_block(tag)
        elif name not in SILENT_TAGS:
            self.flow(list(tag.children))

    def flush(self, run: list) -> None:
        for lines in self.split_paragraphs(run):
            pending: list[list] = []
            for line in lines:
                url = self.lone_url(line)
                if url and video_url(url):
                    self.emit_paragraph(pending)
                    pending = []
                    self.embed(url)
                else:
                    pending.append(line)
            self.emit_paragraph(pending)

    def split_paragraphs(self, run: list) -> list[list[list]]:
        """Paragraphs of lines of pieces, as wpautop would cut a run of inline content."""
        paragraphs: list[list[list]] = [[[]]]
        for node in run:
            if isinstance(node, Tag) and node.name == "br":
                paragraphs[-1].append([])
            elif isinstance(node, Tag) or not self.autop:
                paragraphs[-1][-1].append(node)
            else:
                for piece in LINE_BREAKS.split(str(node)):
                    if piece.count("\n") > 1:
                        paragraphs.append([[]])
                    elif piece.startswith("\n"):
                        paragraphs[-1].append([])
                    elif piece:
                        paragraphs[-1][-1].append(piece)
        return paragraphs

    @staticmethod
    def lone_url(line: list) -> str | None:
        pieces = [p for p in line if not (isinstance(p, str) and not p.strip())]
        if len(pieces) != 1:
            return None
        piece = pieces[0]
        if isinstance(piece, str):
            match = LONE_URL.fullmatch(piece)
            return match[1] if match else None
        if piece.name == "a" and LONE_URL.fullmatch(piece.get_text()):
            return piece.get("href") or piece.get_text().strip()
        return None

    def emit_paragraph(self, lines: list[list]) -> None:
        if lines:
            self.emit_rich("<p>" + "<br>".join(map(self.render_pieces, lines)) + "</p>")

    def emit_rich(self, html: str) -> bool:
        value = self.rich_text(html)
        if has_text(value):
            self.blocks.append({"type": "paragraph", "value": value})
            return True
        return False

    @staticmethod
    def rich_text(html: str) -> str:
        return sanitize_rich_text(tidy_rich_text(html))

    def heading(self, tag: Tag) -> None:
        text = squash(self.plain(tag)).strip()
        if len(text) > HEADING_MAX:
            self.warn(f"shortened a heading to {HEADING_MAX} characters")
            text = shorten(text, HEADING_MAX)
        if text:
            self.blocks.append({"type": "heading", "value": text})
        self.spill_media(tag)

    def list_block(self, tag: Tag) -> None:
        if tag.name == "ol" and self.exercise_list(tag):
            return
        self.emit_rich(self.list_html(tag))
        self.spill_media(tag)

    def list_html(self, tag: Tag) -> str:
        items = []
        for child in tag.children:
            if isinstance(child, Tag) and child.name == "li":
                inner = "".join(self.inline(c, in_item=True) for c in child.children)
            else:
                inner = self.inline(child)
            if has_text(inner):
                items.append(f"<li>{inner}</li>")
        return f"<{tag.name}>{''.join(items)}</{tag.name}>"

    def quote(self, tag: Tag) -> None:
        attribution = self.take_citation(tag)
        text = self.plain(tag)
        if not attribution:
            text, attribution = self.split_attribution(text)
        attribution = shorten(squash(attribution).strip(" —–―-~"), ATTRIBUTION_MAX)
        if text:
            value = {"text": text, "attribution": attribution}
            self.blocks.append({"type": "quote", "value": value})
        self.spill_media(tag)

    def take_citation(self, quote: Tag) -> str:
        """The text of a trailing <cite>, removed from the quote (with a dash-only parent)."""
        cites = quote.find_all("cite")
        if not cites:
            return ""
        cite = cites[-1]
        strings = quote.find_all(string=True)
        inside = [i for i, s in enumerate(strings) if any(p is cite for p in s.parents)]
        last = inside[-1] if inside else -1
        if any(s.strip(" \n\t—–-~\xa0") for s in strings[last + 1 :]):
            return ""
        text, parent = cite.get_text(), cite.parent
        cite.extract()
        if parent is not quote and not parent.get_text().strip(" \n\t—–-~\xa0"):
            parent.extract()
        return text

    @staticmethod
    def split_attribution(text: str) -> tuple[str, str]:
        lines = text.split("\n")
        match = ATTRIBUTION_LINE.fullmatch(lines[-1])
        if match and len(lines) > 1:
            return "\n".join(lines[:-1]).strip(), match[1]
        return text, ""

    def loose_block(self, tag: Tag) -> None:
        what = "a table" if tag.name == "table" else "a <pre> block"
        autop, self.autop = self.autop, self.autop or tag.name == "pre"
        if self.emit_loose_text(tag):
            self.warn(f"kept the text of {what} as a paragraph")
        self.autop = autop
        self.spill_media(tag)

    def emit_loose_text(self, tag: Tag) -> bool:
        return self.emit_rich(f"<p>{self.inline_children(tag)}</p>")

    def spill_media(self, tag: Tag) -> None:
        """Media found inside a block that became text follow that block."""
        for media in tag.find_all(MEDIA_TAGS):
            if not is_smiley(media):
                self.block(media)

    # Media

    def figure(self, figure: Tag) -> None:
        images = [img for img in figure.find_all("img") if not is_smiley(img)]
        if len(images) != 1:
            self.flow(list(figure.children))
            return
        caption = figure.find("figcaption")
        attachment = re.sub(r"\D", "", figure.get("data-wpc-attachment", ""))
        text = squash(self.plain(caption)).strip() if caption else ""
        self.image(images[0], text, int(attachment) if attachment else None)
        if caption:
            self.caption(caption)
        for iframe in figure.find_all(["iframe", VIDEO_MARK]):
            self.block(iframe)

    def caption(self, tag: Tag) -> None:
        self.emit_rich(f"<p><i>{self.inline_children(tag)}</i></p>")

    def image(self, img: Tag, caption: str = "", attachment: int | None = None) -> None:
        if is_smiley(img):
            return
        raw = img.get("data-lazy-src") or img.get("data-src") or img.get("src") or ""
        if not raw.strip():
            self.warn("dropped an image without a source")
            return
        url = self.safe_url(raw, "image source")
        if url is None:
            return
        attachment = self.attachment_id(img) or attachment or self.attachment_hint
        image_id = self.resolve_image(url, attachment)
        if image_id is None:
            if url not in self.missing:
                self.missing.append(url)
            return
        alt = squash(img.get("alt") or "").strip() or caption
        if not alt:
            self.warn(f"an image has no alt text (add it in the editor): {url}")
        value = {"image": image_id, "alt_text": alt, "decorative": False}
        self.blocks.append({"type": "image", "value": value})

    def attachment_id(self, img: Tag) -> int | None:
        for name in img.get("class") or []:
            match = re.fullmatch(r"wp-image-(\d+)", name)
            if match:
                return int(match[1])
        return None

    def iframe(self, tag: Tag) -> None:
        raw = tag.get("src") or tag.get("data-src") or ""
        url = self.safe_url(raw, "iframe source") if raw.strip() else None
        video = video_url(url) if url else None
        if video:
            self.blocks.append({"type": "video", "value": video})
        elif url:
            self.warn(f"dropped an iframe from {host_of(url)} (not a known video host)")
        elif not raw.strip():
            self.warn("dropped an iframe without a source")

    def video_mark(self, tag: Tag) -> None:
        self.embed(tag.get("data-url", ""), keep_link=tag.has_attr("data-keep-link"))

    def embed(self, url: str, keep_link: bool = False) -> None:
        video = video_url(url)
        if video:
            self.blocks.append({"type": "video", "value": video})
            return
        safe = self.safe_url(url, "embed URL")
        if safe and keep_link:
            self.warn(f"kept a link to an embed from {host_of(safe)} (not a known video host)")
            href = htmllib.escape(safe)
            self.emit_rich(f'<p><a href="{href}">{htmllib.escape(safe, quote=False)}</a></p>')
        elif safe:
            self.warn(f"dropped an embed from {host_of(safe)} (not a known video host)")

    def safe_url(self, raw: str, what: str, kept: str = "") -> str | None:
        url = re.sub(r"[\t\n\r]", "", raw).strip()
        scheme = url_scheme(url)
        if scheme in ("javascript", "vbscript", "data"):
            self.warn(f"removed a {scheme}: {what}{kept}")
            return None
        if scheme and scheme not in URL_SCHEMES:
            self.warn(f"removed a {what} with the unsupported scheme '{scheme}:'{kept}")
            return None
        return "https:" + url if url.startswith("//") else url or None

    # Inline content

    def render_pieces(self, pieces: list) -> str:
        return "".join(self.inline(piece) for piece in pieces)

    def inline_children(self, tag: Tag, in_link: bool = False) -> str:
        return "".join(self.inline(child, in_link=in_link) for child in tag.children)

    def inline(self, node, in_item: bool = False, in_link: bool = False) -> str:
        """Safe HTML for one node; block-level content becomes lines, media is left to callers."""
        if isinstance(node, str):
            return self.text_html(str(node))
        name = node.name
        if name == "br":
            return "<br>"
        if is_smiley(node):
            return htmllib.escape(squash(node.get("alt") or ""), quote=False)
        if name in MEDIA_TAGS or name in SILENT_TAGS:
            return ""
        if name in ("ul", "ol") and in_item:
            return self.list_html(node)
        if name == "tr":
            cells = node.find_all(["td", "th"], recursive=False)
            cells = [self.inline_children(cell, in_link) for cell in cells]
            return "<br>" + " | ".join(c for c in cells if has_text(c)) + "<br>"
        inner = self.inline_children(node, in_link or name == "a")
        if name in BOLD_TAGS:
            return f"<b>{inner}</b>" if has_text(inner) else inner
        if name in ITALIC_TAGS:
            return f"<i>{inner}</i>" if has_text(inner) else inner
        if name == "a" and not in_link:
            return self.link(node, inner)
        return f"<br>{inner}<br>" if name in BLOCK_TAGS else inner

    def link(self, tag: Tag, inner: str) -> str:
        raw = tag.get("href")
        if raw is None or not has_text(inner):
            return inner
        url = self.safe_url(raw, "link", " (kept its text)")
        return f'<a href="{htmllib.escape(url)}">{inner}</a>' if url else inner

    def text_html(self, text: str) -> str:
        lines = text.split("\n") if self.autop else [text]
        return "<br>".join(htmllib.escape(squash(line), quote=False) for line in lines)

    def plain(self, node) -> str:
        return tidy_plain("".join(self.plain_pieces(node)))

    def plain_pieces(self, node) -> Iterable[str]:
        if isinstance(node, str):
            yield str(node) if self.autop else str(node).replace("\n", " ")
        elif node.name == "br":
            yield "\n"
        elif is_smiley(node):
            yield node.get("alt") or ""
        elif node.name not in SILENT_TAGS:
            edge = "\n\n" if node.name in BLOCK_TAGS else ""
            yield "" if node.name in LINE_TAGS else edge
            for child in node.children:
                yield from self.plain_pieces(child)
            yield "\n" if node.name in LINE_TAGS else edge

    # Exercises

    def exercise_list(self, ol: Tag) -> bool:
        items = [c for c in ol.children if not (isinstance(c, str) and not c.strip())]
        if not items or any(not isinstance(c, Tag) or c.name != "li" for c in items):
            return False
        exercises = [self.exercise(list(li.children)) for li in items]
        if None in exercises:
            return False
        self.blocks.extend(exercises)
        return True

    def exercise(self, nodes: list) -> dict | None:
        """An exercise from "Name – instructions" (the name optionally bold), else None."""
        nodes = self.unwrap_single(nodes)
        if any(isinstance(n, Tag) and n.find_all(["ul", "ol", *MEDIA_TAGS]) for n in nodes):
            return None
        split = self.split_exercise_name(nodes)
        if split is None:
            return None
        name, rest = split
        instructions = self.rich_text(f"<p>{self.render_pieces(rest)}</p>")
        if not has_text(instructions):
            return None
        value = {"name": name, "equipment": [], "instructions": instructions, "dosage": "",
                 "image": None, "video": None}  # fmt: skip
        return {"type": "exercise", "value": value}

    @staticmethod
    def unwrap_single(nodes: list) -> list:
        significant = [n for n in nodes if not (isinstance(n, str) and not n.strip())]
        while len(significant) == 1 and isinstance(significant[0], Tag):
            if significant[0].name not in ("p", "div", "span"):
                break
            nodes = list(significant[0].children)
            significant = [n for n in nodes if not (isinstance(n, str) and not n.strip())]
        return nodes

    @staticmethod
    def split_exercise_name(nodes: list) -> tuple[str, list] | None:
        name = ""
        for index, node in enumerate(nodes):
            if isinstance(node, str):
                match = EXERCISE_SEPARATOR.search(node)
                if match:
                    rest = [str(node)[match.end() :], *nodes[index + 1 :]]
                    return Converter.exercise_name(name + node[: match.start()], rest)
                name += node
            elif isinstance(node, Tag) and node.name in EXERCISE_NAME_TAGS:
                text = node.get_text()
                match = TRAILING_SEPARATOR.search(text)
                if match:
                    return Converter.exercise_name(name + text[: match.start()], nodes[index + 1 :])
                if EXERCISE_SEPARATOR.search(text):
                    return None
                name += text
            else:
                return None
            if len(name) > EXERCISE_NAME_MAX * 2:
                return None
        return None

    @staticmethod
    def exercise_name(name: str, rest: list) -> tuple[str, list] | None:
        name = squash(name).strip().rstrip(":").strip()
        if not name or len(name) > EXERCISE_NAME_MAX or not any(c.isalpha() for c in name):
            return None
        return name, rest

    def numbered_exercises(self, blocks: list[dict]) -> list[dict]:
        """Runs of lines or paragraphs "1. Name – …", "2. Name – …" become exercises.

        Paragraphs are cut into lines (at <br>) first; lines that end up in no run of two or
        more are joined back into the paragraph they came from.
        """
        self.autop = False
        units = [unit for block in blocks for unit in self.numbered_units(block)]
        resolved: list[dict] = []
        run: list[dict] = []
        for unit in units:
            if unit.get("exercise") and run and unit["number"] == run[-1]["number"] + 1:
                run.append(unit)
                continue
            resolved += self.close_run(run)
            run = [unit] if unit.get("exercise") else []
            resolved += [] if run else [unit]
        resolved += self.close_run(run)
        return self.join_lines(resolved)

    def numbered_units(self, block: dict) -> list[dict]:
        if not NUMBERED_LINE.search(block["value"] if block["type"] == "paragraph" else ""):
            return [{"block": block}]
        paragraph = self.single_paragraph(block)
        if paragraph is None:
            return [{"block": block}]
        units = []
        for line in self.lines_of(paragraph):
            html = "".join(str(n) if isinstance(n, Tag) else htmllib.escape(n, False) for n in line)
            number = self.strip_number(line)
            exercise = self.exercise(line) if number is not None else None
            units.append(
                {"line": html, "source": id(block), "number": number, "exercise": exercise}
            )
        return units if any(u["exercise"] for u in units) else [{"block": block}]

    @staticmethod
    def single_paragraph(block: dict) -> Tag | None:
        if block["type"] != "paragraph" or not block["value"].startswith("<p>"):
            return None
        paragraph = BeautifulSoup(block["value"], "html.parser").p
        return None if paragraph is None or paragraph.find_next_sibling() else paragraph

    @staticmethod
    def close_run(run: list[dict]) -> list[dict]:
        if len(run) >= 2:
            return [{"block": unit["exercise"]} for unit in run]
        return [dict(unit, exercise=None) for unit in run]

    def join_lines(self, units: list[dict]) -> list[dict]:
        blocks: list[dict] = []
        lines: list[str] = []
        source = None
        for unit in [*units, {}]:
            if "line" in unit and unit["source"] == source:
                lines.append(unit["line"])
                continue
            if lines:
                value = self.rich_text("<p>" + "<br>".join(lines) + "</p>")
                blocks.append({"type": "paragraph", "value": value})
            lines, source = ([unit["line"]], unit["source"]) if "line" in unit else ([], None)
            if "block" in unit:
                blocks.append(unit["block"])
        return blocks

    @staticmethod
    def lines_of(paragraph: Tag) -> list[list]:
        lines: list[list] = [[]]
        for child in paragraph.children:
            if isinstance(child, Tag) and child.name == "br":
                lines.append([])
            elif lines[-1] or not (isinstance(child, str) and not child.strip()):
                lines[-1].append(child)
        return [line for line in lines if line]

    @staticmethod
    def strip_number(line: list) -> int | None:
        """Remove the leading "3." from a line (in place) and return 3, or None."""
        first = line[0]
        string = first if isinstance(first, str) else first.find(string=True)
        match = EXERCISE_NUMBER.match(string) if string else None
        if not match:
            return None
        rest = string[match.end() :]
        if string is first:
            line[0] = rest
        else:
            string.replace_with(rest)
        return int(match[1])

    # Plain text of the result

    def block_text(self, block: dict) -> str:
        kind, value = block["type"], block["value"]
        if kind == "heading":
            return value
        if kind == "paragraph":
            return rich_text_plain(value)
        if kind == "quote":
            return value["text"]
        if kind == "exercise":
            return f"{value['name']} – {rich_text_plain(value['instructions'])}"
        return ""
