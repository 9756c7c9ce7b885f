import datetime as dt
import resource

import pytest

from cms_site.wordpress.wxr import Author, Item, Term, WxrError, WxrFile
from tests.support import wxr


def records(path):
    return list(WxrFile(path).records())


def test_reads_authors_terms_posts_and_threaded_comments(tmp_path):
    path = wxr.write(
        tmp_path / "export.xml",
        wxr.item(
            7,
            "Bench Stretch Basics",
            terms=(("category", "mobility", "Mobility"), ("post_tag", "thoracic", "Thoracic")),
            comments=(wxr.comment(70, "First!"), wxr.comment(71, "Reply", parent=70)),
            meta={"_thumbnail_id": "9"},
        ),
    )
    export = WxrFile(path)
    found = list(export.records())
    assert export.channel.base_site_url == wxr.SITE
    assert [type(r) for r in found] == [Author, Term, Item]
    post = found[-1]
    assert (post.wp_id, post.title, post.slug, post.status) == (
        7,
        "Bench Stretch Basics",
        "bench-stretch-basics",
        "publish",
    )
    assert post.date.utc == dt.datetime(2023, 5, 1, 8, tzinfo=dt.UTC)
    assert post.terms == [
        ("category", "mobility", "Mobility"),
        ("post_tag", "thoracic", "Thoracic"),
    ]
    assert post.meta == {"_thumbnail_id": "9"}
    assert [(c.wp_id, c.parent_id, c.content) for c in post.comments] == [
        (70, 0, "First!"),
        (71, 70, "Reply"),
    ]


def test_a_draft_without_a_gmt_date_keeps_its_local_date(tmp_path):
    path = wxr.write(tmp_path / "e.xml", wxr.item(3, "Later", status="draft"))
    post = records(path)[-1]
    assert post.date.local == dt.datetime(2023, 5, 1, 8) and post.date.utc is None


BOMB = """<?xml version="1.0"?>
<!DOCTYPE rss [
  <!ENTITY lol "lol">
  <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<rss><channel><title>&lol3;</title></channel></rss>
"""

EXTERNAL = """<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<rss><channel><title>&secret;</title></channel></rss>
"""


@pytest.mark.parametrize("text", [BOMB, EXTERNAL], ids=["entity-expansion", "external-entity"])
def test_entity_tricks_are_refused_before_expansion(tmp_path, text):
    path = tmp_path / "bomb.xml"
    path.write_text(text)
    with pytest.raises(WxrError, match="XML bomb") as caught:
        records(path)
    assert caught.value.line == 2


def test_a_large_bomb_is_refused_without_using_memory(tmp_path):
    levels = ['<!ENTITY a0 "boom">'] + [
        f'<!ENTITY a{n} "{f"&a{n - 1};" * 10}">' for n in range(1, 10)
    ]
    path = tmp_path / "big.xml"
    path.write_text(f"<?xml version='1.0'?>\n<!DOCTYPE rss [{''.join(levels)}]>\n<rss>&a9;</rss>")
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(WxrError):
        records(path)
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 50_000  # KiB


@pytest.mark.parametrize("blank_lines", [0, 3])
def test_malformed_xml_names_the_line(tmp_path, blank_lines):
    text = "\n" * blank_lines + wxr.export(
        wxr.item(1, "Fine"), "\n  <item><title>Broken</titel></item>\n"
    )
    path = tmp_path / "broken.xml"
    path.write_text(text)
    line = text.splitlines().index("  <item><title>Broken</titel></item>") + 1
    with pytest.raises(WxrError, match="not well-formed") as caught:
        records(path)
    assert caught.value.line == line


def test_bad_values_name_the_item_line(tmp_path):
    text = wxr.export(
        wxr.item(1, "Fine"), wxr.item(2, "Odd").replace("<wp:post_id>2", "<wp:post_id>two")
    )
    path = tmp_path / "bad.xml"
    path.write_text(text)
    with pytest.raises(WxrError, match="post_id> must be a whole number") as caught:
        records(path)
    assert text.splitlines()[caught.value.line - 1].strip() == "<item>"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("<?xml version='1.0'?><html><body/></html>", "not <rss>"),
        ("<rss><channel><title>Feed</title></channel></rss>", "not a WordPress export"),
        ("", "empty"),
    ],
)
def test_files_that_are_not_exports_are_refused(tmp_path, text, message):
    path = tmp_path / "other.xml"
    path.write_text(text)
    with pytest.raises(WxrError, match=message):
        records(path)
