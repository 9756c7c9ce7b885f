import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from benchmarks.wordpress_import import NAMESPACES, ROOT, cdata, write_export


def q(prefix: str, name: str) -> str:
    return f"{{{NAMESPACES[prefix]}}}{name}"


WP = q("wp", "")
CONTENT = q("content", "encoded")


@pytest.fixture(scope="module")
def export(tmp_path_factory) -> tuple[Path, dict]:
    folder = tmp_path_factory.mktemp("wxr")
    totals = write_export(folder / "export.xml", 20, 60, seed=3, media_dir=folder / "uploads")
    return folder, totals


@pytest.fixture(scope="module")
def channel(export):
    return ET.parse(export[0] / "export.xml").getroot().find("channel")


def items(channel, kind: str) -> list:
    return [i for i in channel.iter("item") if i.findtext(f"{WP}post_type") == kind]


def comments_by_post(channel) -> list[list]:
    return [post.findall(f"{WP}comment") for post in items(channel, "post")]


def test_the_export_holds_the_requested_posts_and_comments(channel, export):
    assert channel.findtext(f"{WP}wxr_version") == "1.2"
    assert len(items(channel, "post")) == 20
    assert sum(len(c) for c in comments_by_post(channel)) == 60
    assert items(channel, "page") and items(channel, "attachment")
    assert export[1]["posts"] == 20 and export[1]["comments"] == 60


def test_comment_ids_are_unique_and_replies_answer_an_earlier_comment_of_the_same_post(channel):
    ids = [int(c.findtext(f"{WP}comment_id")) for cs in comments_by_post(channel) for c in cs]
    assert len(ids) == len(set(ids))
    replies = 0
    for comments in comments_by_post(channel):
        earlier = set()
        for comment in comments:
            parent = int(comment.findtext(f"{WP}comment_parent"))
            assert parent == 0 or parent in earlier
            replies += parent != 0
            earlier.add(int(comment.findtext(f"{WP}comment_id")))
    assert replies > 0


def test_every_declared_namespace_is_the_wordpress_one_and_every_prefix_is_declared(export):
    path = export[0] / "export.xml"
    declared = [ns for event, ns in ET.iterparse(path, events=["start-ns"])]
    assert dict(declared) == NAMESPACES
    used = {el.tag[1:].split("}")[0] for el in ET.parse(path).iter() if el.tag.startswith("{")}
    assert used == set(NAMESPACES.values()) - {NAMESPACES["wfw"]}  # declared, unused, as in WP
    for item in ET.parse(path).getroot().iter("item"):
        assert item.find(CONTENT) is not None
        assert item.find(q("excerpt", "encoded")) is not None
        assert item.findtext(q("dc", "creator"))


def test_posts_mix_block_markup_and_classic_html_with_numbered_exercises(channel):
    bodies = [post.findtext(CONTENT) for post in items(channel, "post")]
    blocks = [b for b in bodies if "<!-- wp:paragraph -->" in b]
    assert 0 < len(blocks) < len(bodies)
    assert all('<!-- wp:list {"ordered":true} -->' in b and " – " in b for b in blocks)
    assert all("\n\n" in b and "<ol>" in b for b in bodies if b not in blocks)


def test_attachments_point_at_files_in_the_media_folder(channel, export):
    for attachment in items(channel, "attachment"):
        url = attachment.findtext(f"{WP}attachment_url")
        relative = url.split("/wp-content/uploads/")[1]
        assert (export[0] / "uploads" / relative).read_bytes().startswith(b"\x89PNG")


def test_text_that_would_close_cdata_is_split_and_survives():
    text = "sets as [[3x8]]> then more ]]>"
    assert ET.fromstring(f"<c>{cdata(text)}</c>").text == text


def test_the_same_seed_writes_the_same_file_and_all_statuses_appear(tmp_path):
    first = write_export(tmp_path / "a.xml", 300, 10, seed=5)
    write_export(tmp_path / "b.xml", 300, 10, seed=5)
    assert (tmp_path / "a.xml").read_bytes() == (tmp_path / "b.xml").read_bytes()
    assert all(first[s] for s in ("publish", "draft", "pending", "future", "private"))


@pytest.mark.benchmark
def test_the_benchmark_imports_a_small_export_and_the_rerun_imports_nothing():
    from django.core.management import get_commands

    if "import_wordpress" not in get_commands():
        pytest.skip("the import_wordpress command is not installed")
    command = [sys.executable, "-m", "benchmarks.wordpress_import", "--posts", "30"]
    command += ["--comments", "90", "--json"]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["summary"]["comments"] > 0 and result["summary"]["images"] > 0
    assert result["peak_rss_mb"] > 0 and result["import_seconds"] > 0
