"""Small WordPress exports (WXR 1.2) written for the tests, item by item."""

from __future__ import annotations

from pathlib import Path
from xml.sax.saxutils import escape

SITE = "https://strongback.example"
HEAD = f"""<?xml version="1.0" encoding="UTF-8" ?>
<rss version="2.0"
  xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/"
  xmlns:content="http://purl.org/rss/1.0/modules/content/"
  xmlns:wfw="http://wellformedweb.org/CommentAPI/"
  xmlns:dc="http://purl.org/dc/elements/1.1/"
  xmlns:wp="http://wordpress.org/export/1.2/">
<channel>
  <title>Strong Back Journal</title>
  <link>{SITE}</link>
  <wp:wxr_version>1.2</wp:wxr_version>
  <wp:base_site_url>{SITE}</wp:base_site_url>
  <wp:base_blog_url>{SITE}</wp:base_blog_url>
  <wp:author>
    <wp:author_id>2</wp:author_id>
    <wp:author_login><![CDATA[mara]]></wp:author_login>
    <wp:author_email><![CDATA[mara@strongback.example]]></wp:author_email>
    <wp:author_display_name><![CDATA[Mara Quist, DPT]]></wp:author_display_name>
  </wp:author>
  <wp:category>
    <wp:term_id>3</wp:term_id>
    <wp:category_nicename><![CDATA[mobility]]></wp:category_nicename>
    <wp:category_parent><![CDATA[]]></wp:category_parent>
    <wp:cat_name><![CDATA[Mobility]]></wp:cat_name>
  </wp:category>
"""
TAIL = "</channel>\n</rss>\n"


def cdata(text: str) -> str:
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def comment(
    wp_id: int,
    body: str,
    *,
    parent: int = 0,
    approved: str = "1",
    author: str = "Reader",
    email: str = "reader@mail.example",
    url: str = "",
    date: str = "2023-05-02 09:30:00",
    kind: str = "comment",
) -> str:
    return f"""
    <wp:comment>
      <wp:comment_id>{wp_id}</wp:comment_id>
      <wp:comment_author>{cdata(author)}</wp:comment_author>
      <wp:comment_author_email>{cdata(email)}</wp:comment_author_email>
      <wp:comment_author_url>{escape(url)}</wp:comment_author_url>
      <wp:comment_author_IP>{cdata("203.0.113.7")}</wp:comment_author_IP>
      <wp:comment_date>{cdata(date)}</wp:comment_date>
      <wp:comment_date_gmt>{cdata(date)}</wp:comment_date_gmt>
      <wp:comment_content>{cdata(body)}</wp:comment_content>
      <wp:comment_approved>{cdata(approved)}</wp:comment_approved>
      <wp:comment_type>{cdata(kind)}</wp:comment_type>
      <wp:comment_parent>{parent}</wp:comment_parent>
    </wp:comment>"""


def item(
    wp_id: int,
    title: str,
    content: str = "<p>A short post.</p>",
    *,
    slug: str = "",
    status: str = "publish",
    post_type: str = "post",
    date: str = "2023-05-01 08:00:00",
    gmt: str | None = None,
    excerpt: str = "",
    terms: tuple[tuple[str, str, str], ...] = (),
    comments: tuple[str, ...] = (),
    meta: dict[str, str] | None = None,
    attachment_url: str = "",
) -> str:
    slug = slug or title.lower().replace(" ", "-")
    categories = "".join(
        f'\n    <category domain="{domain}" nicename="{nicename}">{cdata(name)}</category>'
        for domain, nicename, name in terms
    )
    postmeta = "".join(
        f"\n    <wp:postmeta><wp:meta_key>{cdata(key)}</wp:meta_key>"
        f"<wp:meta_value>{cdata(value)}</wp:meta_value></wp:postmeta>"
        for key, value in (meta or {}).items()
    )
    if attachment_url:
        postmeta += f"\n    <wp:attachment_url>{cdata(attachment_url)}</wp:attachment_url>"
    if gmt is None:
        gmt = date if status == "publish" else "0000-00-00 00:00:00"
    return f"""
  <item>
    <title>{cdata(title)}</title>
    <link>{SITE}/2023/05/{slug}/</link>
    <dc:creator>{cdata("mara")}</dc:creator>
    <guid isPermaLink="false">{SITE}/?p={wp_id}</guid>
    <content:encoded>{cdata(content)}</content:encoded>
    <excerpt:encoded>{cdata(excerpt)}</excerpt:encoded>
    <wp:post_id>{wp_id}</wp:post_id>
    <wp:post_date>{cdata(date)}</wp:post_date>
    <wp:post_date_gmt>{cdata(gmt)}</wp:post_date_gmt>
    <wp:post_name>{cdata(slug)}</wp:post_name>
    <wp:status>{cdata(status)}</wp:status>
    <wp:post_type>{cdata(post_type)}</wp:post_type>{categories}{postmeta}{"".join(comments)}
  </item>"""


def export(*items: str) -> str:
    return HEAD + "".join(items) + TAIL


def write(path: Path, *items: str) -> Path:
    path.write_text(export(*items), encoding="utf-8")
    return path
