import json

import pytest
from django.core.management import CommandError, call_command
from wagtail.models import Page

from cms_site.articles.models import ArticlePage

pytestmark = pytest.mark.django_db


def write_lines(path, lines):
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def row(n, **extra):
    data = {
        "id": f"doc-{n}",
        "title": f"Exercise number {n}",
        "body": "Para one.\n\nPara two.",
        "tags": ["Strength", "strength", "barbell"],
        "labels": ["ignored"],
    }
    data.update(extra)
    return json.dumps(data)


def import_file(path, *args):
    call_command("import_articles", str(path), *args, verbosity=0)


def test_import_creates_published_articles_with_tags(tmp_path, article_index):
    path = write_lines(tmp_path / "a.jsonl", [row(n) for n in range(7)])
    import_file(path, "--batch-size", "3")
    articles = ArticlePage.objects.live().order_by("title")
    assert articles.count() == 7
    article = articles.first()
    assert article.get_parent().pk == article_index.pk
    assert sorted(tag.name.lower() for tag in article.tags.all()) == ["barbell", "strength"]
    assert [block.block_type for block in article.body] == ["paragraph", "paragraph"]
    assert article.url == f"/articles/{article.slug}/"
    assert Page.find_problems() == ([], [], [], [], [])


def test_imported_articles_render_and_are_searchable(client, tmp_path, article_index):
    path = write_lines(tmp_path / "a.jsonl", [row(1, body="Kettlebell swings build the hips.")])
    import_file(path)
    article = ArticlePage.objects.get()
    assert "Kettlebell swings" in client.get(article.url).content.decode()
    assert ArticlePage.objects.search("kettlebell").count() == 1


def test_nul_characters_are_dropped(tmp_path, article_index):
    path = write_lines(tmp_path / "a.jsonl", [row(1, title="Nul\u0000 title", body="a\u0000b")])
    import_file(path)
    assert ArticlePage.objects.get().title == "Nul title"


def test_rerun_skips_existing_articles(tmp_path, article_index):
    path = write_lines(tmp_path / "a.jsonl", [row(n) for n in range(3)])
    import_file(path)
    write_lines(path, [row(n) for n in range(5)])
    import_file(path)
    assert ArticlePage.objects.count() == 5


def test_duplicate_titles_get_distinct_slugs(tmp_path, article_index):
    path = write_lines(tmp_path / "a.jsonl", [row(n, title="Same title") for n in range(3)])
    import_file(path)
    assert sorted(ArticlePage.objects.values_list("slug", flat=True)) == [
        "same-title",
        "same-title-2",
        "same-title-3",
    ]


@pytest.mark.parametrize(
    ("bad_line", "message"),
    [
        ("{not json", "not valid JSON"),
        (json.dumps({"body": "no title"}), "missing title"),
        (json.dumps(["a", "list"]), "must be a JSON object"),
        (json.dumps({"title": "T", "tags": "strength"}), "tags must be a list"),
        (json.dumps({"title": "T", "body": "x" * 2_000_001}), "the limit is"),
        (row(1), "duplicate id"),
    ],
)
def test_bad_line_names_file_and_line_and_imports_nothing(
    tmp_path, article_index, bad_line, message
):
    path = write_lines(tmp_path / "bad.jsonl", [row(1), row(2), bad_line, row(4)])
    with pytest.raises(CommandError) as error:
        import_file(path)
    assert f"{path}:3:" in str(error.value)
    assert message in str(error.value)
    assert ArticlePage.objects.count() == 0


def test_empty_and_missing_files_are_refused(tmp_path, article_index):
    empty = write_lines(tmp_path / "empty.jsonl", [""])
    with pytest.raises(CommandError, match="has no articles"):
        import_file(empty)
    with pytest.raises(CommandError, match="no such file"):
        import_file(tmp_path / "missing.jsonl")


def test_non_utf8_file_is_refused(tmp_path, article_index):
    path = tmp_path / "latin1.jsonl"
    path.write_bytes(
        json.dumps({"title": "caf\u00e9"}).encode("utf-8").replace(b"\\u00e9", b"\xe9")
    )
    with pytest.raises(CommandError, match="not UTF-8"):
        import_file(path)


def test_missing_parent_is_a_clear_error(tmp_path, home):
    path = write_lines(tmp_path / "a.jsonl", [row(1)])
    with pytest.raises(CommandError, match="No article index page"):
        import_file(path)
    with pytest.raises(CommandError, match="with slug 'nope'"):
        import_file(path, "--parent", "nope")
