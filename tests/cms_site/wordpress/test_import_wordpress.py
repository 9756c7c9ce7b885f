import io
import json

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from PIL import Image as PILImage
from wagtail.contrib.redirects.models import Redirect
from wagtail.images import get_image_model
from wagtail.models import Page

from cms_site.articles.models import ArticlePage, Author, Category
from cms_site.reader_comments import spam_model
from cms_site.reader_comments.models import ArticleComment, NotificationIntent
from recommender.models import RecommenderRun
from tests.support import wxr

pytestmark = pytest.mark.django_db
Status = ArticleComment.Status

GUTENBERG = """<!-- wp:paragraph -->
<p>A stiff upper back steals range from every overhead press.</p>
<!-- /wp:paragraph -->

<!-- wp:heading -->
<h2 class="wp-block-heading">Four drills</h2>
<!-- /wp:heading -->

<!-- wp:list {"ordered":true} -->
<ol><!-- wp:list-item --><li>Peanut Extension – Lie on the peanut ball, reach overhead.</li>
<!-- /wp:list-item --><!-- wp:list-item -->
<li>Bench Stretch – Kneel, elbows on the bench, sink the chest.</li>
<!-- /wp:list-item --></ol>
<!-- /wp:list -->

<!-- wp:image {"id":41} -->
<figure class="wp-block-image"><img
 src="https://strongback.example/wp-content/uploads/2023/05/bench.png"
 alt="Bench stretch" class="wp-image-41"/></figure>
<!-- /wp:image -->

<!-- wp:embed {"url":"https://www.youtube.com/watch?v=abcdefghijk","providerNameSlug":"youtube"} -->
<figure class="wp-block-embed"><div class="wp-block-embed__wrapper">
https://www.youtube.com/watch?v=abcdefghijk
</div></figure>
<!-- /wp:embed -->"""

CLASSIC = """Rowing twice a week keeps the shoulders honest.

Pull the handle to the ribs, <strong>pause</strong>, and return slowly.
<script>steal(document.cookie)</script>
<a href="javascript:alert(1)" onclick="evil()">Click me</a>

<iframe src="https://ads.tracker.example/frame"></iframe>"""

CONVERSATION = (
    wxr.comment(101, "Loved the bench stretch.", author="Ines", email="Ines@Mail.example"),
    wxr.comment(102, "Same here, <b>great</b> for my neck.", parent=101, author="Tom"),
    wxr.comment(103, "Glad it helps!", parent=102, author="Mara", email="mara@strongback.example"),
    wxr.comment(104, "CHEAP PILLS http://pills.example", approved="spam", author="Bot"),
    wxr.comment(105, "Not sure about this one.", approved="0", author="Lee"),
    wxr.comment(106, "Off topic rant", approved="trash", author="Rant"),
    wxr.comment(107, "", kind="pingback", author="Other blog"),
)


def png(path, colour="teal"):
    path.parent.mkdir(parents=True, exist_ok=True)
    PILImage.new("RGB", (40, 30), colour).save(path)


def full_export(tmp_path):
    return wxr.write(
        tmp_path / "export.xml",
        wxr.item(
            10,
            "Upper Back Mobility",
            GUTENBERG,
            slug="upper-back-mobility",
            excerpt="<p>Four drills for a stiff upper back.</p>",
            terms=(
                ("category", "mobility", "Mobility"),
                ("category", "uncategorized", "Uncategorized"),
                ("post_tag", "thoracic", "Thoracic"),
            ),
            comments=CONVERSATION,
            meta={"_thumbnail_id": "41"},
        ),
        wxr.item(11, "Rowing For Shoulders", CLASSIC, date="2022-01-09 07:00:00"),
        wxr.item(12, "Unfinished Squat Notes", status="draft"),
        wxr.item(13, "Awaiting Review", status="pending"),
        wxr.item(14, "Scheduled Post", status="future"),
        wxr.item(15, "Members Only", status="private"),
        wxr.item(16, "About Us", post_type="page"),
        wxr.item(
            41,
            "bench",
            post_type="attachment",
            status="inherit",
            attachment_url=f"{wxr.SITE}/wp-content/uploads/2023/05/bench.png",
        ),
    )


def run(path, *args):
    out = io.StringIO()
    call_command("import_wordpress", str(path), "--json", *args, stdout=out, verbosity=1)
    lines = out.getvalue().strip().splitlines()
    return json.loads(lines[-1]), out.getvalue()


@pytest.fixture
def media(tmp_path):
    png(tmp_path / "uploads" / "2023" / "05" / "bench.png")
    return tmp_path / "uploads"


def test_a_full_export_becomes_articles_comments_and_redirects(
    client, tmp_path, article_index, media
):
    counts, output = run(full_export(tmp_path), "--media-dir", str(media))
    assert counts == {
        "posts": 2,
        "drafts": 4,
        "pages": 1,
        "comments": 6,
        "redirects": 4,
        "images": 1,
        "skipped": 1,
        "warnings": counts["warnings"],
    }
    assert counts["warnings"] >= 3  # script, javascript: link, unknown iframe
    assert "Members Only (private)" in output and "/about-us/" in output

    guide = ArticlePage.objects.get(title="Upper Back Mobility")
    assert guide.live and guide.get_parent().pk == article_index.pk
    assert guide.slug == "upper-back-mobility" and str(guide.date) == "2023-05-01"
    assert guide.intro == "Four drills for a stiff upper back."
    assert guide.author == Author.objects.get(slug="mara")
    assert guide.author.name == "Mara Quist, DPT"
    assert [c.slug for c in guide.categories.all()] == ["mobility"]
    assert not Category.objects.filter(slug="uncategorized").exists()
    assert [t.name for t in guide.tags.all()] == ["Thoracic"]
    assert [b.block_type for b in guide.body] == [
        "paragraph",
        "heading",
        "exercise",
        "exercise",
        "image",
        "video",
    ]
    assert guide.body[2].value["name"] == "Peanut Extension"
    image = get_image_model().objects.get()
    assert guide.hero_image == image and guide.body[4].value.pk == image.pk
    assert guide.first_published_at.year == 2023

    drafts = ArticlePage.objects.filter(live=False)
    assert sorted(drafts.values_list("title", flat=True)) == [
        "Awaiting Review",
        "Members Only",
        "Scheduled Post",
        "Unfinished Squat Notes",
    ]
    assert all(d.get_latest_revision() for d in drafts)
    assert str(drafts.get(title="Unfinished Squat Notes").date) == "2023-05-01"
    assert Page.find_problems() == ([], [], [], [], [])

    page = client.get(guide.url)
    assert page.status_code == 200
    assert "Peanut Extension" in page.content.decode()
    rowing = client.get(ArticlePage.objects.get(title="Rowing For Shoulders").url).content.decode()
    assert "Rowing twice a week" in rowing
    assert (
        "steal(" not in rowing and "javascript:" not in rowing and "tracker.example" not in rowing
    )


def test_comments_keep_their_thread_status_and_dates_and_send_nothing(tmp_path, article_index):
    run(full_export(tmp_path))
    comments = {c.author_name: c for c in ArticleComment.objects.all()}
    assert set(comments) == {"Ines", "Tom", "Mara", "Bot", "Lee", "Rant"}
    assert comments["Tom"].parent == comments["Ines"] and comments["Tom"].depth == 2
    assert comments["Mara"].parent == comments["Tom"] and comments["Mara"].depth == 3
    assert comments["Tom"].body == "Same here, great for my neck."
    assert {name: c.status for name, c in comments.items()} == {
        "Ines": Status.APPROVED,
        "Tom": Status.APPROVED,
        "Mara": Status.APPROVED,
        "Bot": Status.SPAM,
        "Lee": Status.PENDING,
        "Rant": Status.REJECTED,
    }
    assert comments["Ines"].created_at.isoformat() == "2023-05-02T09:30:00+00:00"
    assert comments["Ines"].commenter.email == "ines@mail.example"
    assert comments["Ines"].notify is False
    assert spam_model.decisions().count() == 4  # three approved, one spam
    assert mail.outbox == [] and not NotificationIntent.objects.exists()


def test_comments_still_pending_are_scored_by_the_active_spam_filter(
    tmp_path, article_index, eval_sets
):
    spam_model.retrain("test", seed_paths=[str(eval_sets / "spam" / "youtube-spam.jsonl")])
    run(full_export(tmp_path))
    waiting = ArticleComment.objects.get(author_name="Lee")
    assert waiting.spam_score is not None
    assert waiting.spam_model_version == f"{spam_model.active_model().version}+starter"
    assert waiting.get_status_reason_display() == "Waiting for a moderator"
    assert ArticleComment.objects.get(author_name="Ines").spam_score is None  # decided there
    assert spam_model.decisions_since_training() == 4  # so the next retrain-if-due counts them


def test_old_links_redirect_permanently_to_the_new_articles(client, tmp_path, article_index):
    run(full_export(tmp_path))
    guide = ArticlePage.objects.get(title="Upper Back Mobility")
    for old in ("/2023/05/upper-back-mobility/", "/?p=10"):
        response = client.get(old)
        assert response.status_code == 301, old
        assert response["Location"].endswith(guide.url)
    assert not Redirect.objects.filter(redirect_page__live=False).exists()


def test_a_second_run_imports_nothing_twice(tmp_path, article_index, media):
    path = full_export(tmp_path)
    run(path, "--media-dir", str(media))
    before = (Page.objects.count(), ArticleComment.objects.count(), Redirect.objects.count())
    counts, _ = run(path, "--media-dir", str(media))
    assert (counts["posts"], counts["drafts"], counts["comments"], counts["redirects"]) == (
        0,
        0,
        0,
        0,
    )
    assert counts["images"] == 0 and get_image_model().objects.count() == 1
    assert counts["skipped"] == 6 + 7  # six posts, seven comments (the pingback again)
    assert (
        Page.objects.count(),
        ArticleComment.objects.count(),
        Redirect.objects.count(),
    ) == before


def test_new_comments_on_an_imported_post_arrive_on_the_next_run(tmp_path, article_index):
    run(wxr.write(tmp_path / "a.xml", wxr.item(20, "Deadlift Setup", comments=CONVERSATION[:1])))
    later = wxr.item(20, "Deadlift Setup", comments=CONVERSATION[:2])
    counts, _ = run(wxr.write(tmp_path / "b.xml", later))
    assert counts["comments"] == 1
    reply = ArticleComment.objects.get(author_name="Tom")
    assert reply.parent.author_name == "Ines" and reply.depth == 2


def test_a_dry_run_reports_the_same_counts_and_writes_nothing(tmp_path, article_index, media):
    path = full_export(tmp_path)
    pages = Page.objects.count()
    counts, output = run(path, "--dry-run", "--media-dir", str(media))
    assert (counts["posts"], counts["drafts"], counts["comments"], counts["images"]) == (2, 4, 6, 1)
    assert "Dry run: nothing was written." in output
    assert "image left out" not in output
    assert Page.objects.count() == pages
    assert not ArticleComment.objects.exists() and not Redirect.objects.exists()
    assert not get_image_model().objects.exists() and not Author.objects.exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY a "aaaa">]>\n<rss/>', ":2: refused"),
        (
            wxr.export(wxr.item(1, "Good")).replace("</channel>", "<item></chanel>"),
            "not well-formed",
        ),
    ],
    ids=["xml-bomb", "malformed"],
)
def test_a_bad_file_is_reported_and_nothing_is_imported(tmp_path, article_index, content, message):
    path = tmp_path / "bad.xml"
    path.write_text(content)
    pages = Page.objects.count()
    with pytest.raises(CommandError, match=message) as caught:
        run(path)
    assert "Nothing was imported" in str(caught.value)
    assert Page.objects.count() == pages and not ArticleComment.objects.exists()


def test_a_post_with_a_bad_comment_late_in_the_file_stops_everything(tmp_path, article_index):
    bad = wxr.item(
        2,
        "Second",
        comments=(wxr.comment(5, "x").replace("<wp:comment_id>5", "<wp:comment_id>five"),),
    )
    path = wxr.write(tmp_path / "late.xml", wxr.item(1, "First"), bad)
    with pytest.raises(
        CommandError, match=r"late\.xml:\d+: <wp:comment_id> must be a whole number"
    ):
        run(path)
    assert not ArticlePage.objects.exists()


def test_images_come_only_from_inside_the_media_dir(tmp_path, article_index, media):
    png(tmp_path / "secret.png", "red")
    content = (
        f'<img src="{wxr.SITE}/wp-content/uploads/../../secret.png" alt="x">'
        f'<img src="{wxr.SITE}/wp-content/uploads/2023/05/missing.png" alt="y">'
        f'<img src="{wxr.SITE}/wp-content/uploads/2023/05/bench-300x200.png" alt="Bench">'
    )
    counts, output = run(
        wxr.write(tmp_path / "i.xml", wxr.item(30, "Pictures", content)), "--media-dir", str(media)
    )
    assert counts["images"] == 1
    assert "“Pictures” (post 30): image left out (not in --media-dir): " in output
    assert "missing.png" in output and "secret.png" in output
    article = ArticlePage.objects.get()
    assert [b.block_type for b in article.body] == ["image"]


def test_without_a_media_dir_images_are_reported_with_their_url(tmp_path, article_index):
    counts, output = run(full_export(tmp_path))
    assert counts["images"] == 0
    bench = f"{wxr.SITE}/wp-content/uploads/2023/05/bench.png"
    assert f"(post 10): image left out (no --media-dir given): {bench}" in output
    assert ArticlePage.objects.get(title="Upper Back Mobility").hero_image is None


def test_a_post_the_site_refuses_is_skipped_whole_and_reported(
    tmp_path, article_index, media, monkeypatch
):
    def refuse_broken(page):
        if page.title == "Broken":
            raise ValidationError({"title": "refused for the test"})

    monkeypatch.setattr(ArticlePage, "clean", refuse_broken)
    picture = f'<img src="{wxr.SITE}/wp-content/uploads/2023/05/bench.png" alt="Bench">'
    path = wxr.write(
        tmp_path / "e.xml",
        wxr.item(1, "Broken", picture, comments=CONVERSATION[:2]),
        wxr.item(2, "Fine", picture, comments=CONVERSATION[2:3]),
    )
    counts, output = run(path, "--media-dir", str(media))
    assert (counts["posts"], counts["comments"], counts["skipped"], counts["images"]) == (
        1,
        1,
        1,
        1,
    )
    assert "“Broken” (post 1): not imported: refused for the test" in output
    assert list(ArticlePage.objects.values_list("title", flat=True)) == ["Fine"]
    assert ArticlePage.objects.get().body[0].value.pk == get_image_model().objects.get().pk


def test_slugs_that_are_taken_get_a_number(tmp_path, article_index):
    run(wxr.write(tmp_path / "a.xml", wxr.item(1, "Plank", slug="plank")))
    other_blog = wxr.export(wxr.item(1, "Plank", slug="plank")).replace("strongback", "otherblog")
    (tmp_path / "other.xml").write_text(other_blog)
    run(tmp_path / "other.xml")
    assert sorted(ArticlePage.objects.values_list("slug", flat=True)) == ["plank", "plank-2"]


def test_a_missing_file_is_a_clear_error(tmp_path, article_index):
    with pytest.raises(CommandError, match=r"nope\.xml: no such file\. Nothing was imported\."):
        run(tmp_path / "nope.xml")


def test_an_unknown_parent_is_a_clear_error(tmp_path, article_index):
    with pytest.raises(CommandError, match="No article index page with slug 'nope'"):
        run(wxr.write(tmp_path / "a.xml", wxr.item(1, "Plank")), "--parent", "nope")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_related_lists_are_rebuilt_once_at_the_end(tmp_path, article_index):
    posts = [
        wxr.item(
            n, f"Kettlebell swing variation {n}", "<p>Hinge, snap the hips, float the bell.</p>"
        )
        for n in range(1, 6)
    ]
    run(wxr.write(tmp_path / "many.xml", *posts))
    runs = RecommenderRun.objects.filter(trigger="WordPress import")
    assert runs.count() == 1
    assert not RecommenderRun.objects.exclude(trigger="WordPress import").exists()


def test_awkward_threads_keep_every_comment(tmp_path, article_index):
    thread = (
        wxr.comment(201, "", kind="pingback", author="Other blog"),
        wxr.comment(202, "Replying to a pingback", parent=201, author="A"),
        wxr.comment(203, "Reply to A", parent=202, author="B"),
        wxr.comment(204, "First copy", author="C"),
        wxr.comment(204, "Second copy", author="C"),
        wxr.comment(205, "Undated", author="D", date="0000-00-00 00:00:00"),
    )
    counts, output = run(wxr.write(tmp_path / "t.xml", wxr.item(50, "Threads", comments=thread)))
    assert counts["comments"] == 4 and counts["skipped"] == 2
    b = ArticleComment.objects.get(author_name="B")
    assert b.parent.author_name == "A" and b.depth == 2
    assert ArticleComment.objects.get(author_name="C").body == "First copy"
    undated = ArticleComment.objects.get(author_name="D")
    assert undated.created_at == ArticlePage.objects.get().first_published_at
    assert "comment 204 appears twice; kept the first" in output
    assert "comment 202 replies to a comment that was not imported" in output


def test_a_resized_image_of_a_missing_attachment_is_reported(tmp_path, article_index, media):
    attachment = wxr.item(
        77,
        "rower",
        post_type="attachment",
        status="inherit",
        attachment_url=f"{wxr.SITE}/wp-content/uploads/2023/05/rower.png",
    )
    content = (
        f'<img src="{wxr.SITE}/wp-content/uploads/2023/05/rower-300x200.png" '
        'class="wp-image-77" alt="Rower">'
    )
    path = wxr.write(tmp_path / "r.xml", attachment, wxr.item(51, "Rowing", content))
    counts, output = run(path, "--media-dir", str(media))
    assert counts["warnings"] >= 1
    assert "image left out (not in --media-dir): " in output and "rower-300x200.png" in output


def test_a_dry_run_counts_each_image_file_once(tmp_path, article_index, media):
    content = "".join(
        f'<img src="{wxr.SITE}/wp-content/uploads/2023/05/{name}" alt="Bench">'
        for name in ("bench.png", "bench-300x200.png", "bench-1024x768.png")
    )
    path = wxr.write(tmp_path / "d.xml", wxr.item(52, "Benches", content))
    dry, _ = run(path, "--dry-run", "--media-dir", str(media))
    real, _ = run(path, "--media-dir", str(media))
    assert dry["images"] == real["images"] == 1


def test_a_later_export_reuses_images_already_in_the_library(tmp_path, article_index, media):
    picture = f'<img src="{wxr.SITE}/wp-content/uploads/2023/05/bench.png" alt="Bench">'
    run(wxr.write(tmp_path / "a.xml", wxr.item(53, "First", picture)), "--media-dir", str(media))
    later, _ = run(
        wxr.write(tmp_path / "b.xml", wxr.item(54, "Second", picture)), "--media-dir", str(media)
    )
    assert later["posts"] == 1 and later["images"] == 0
    assert get_image_model().objects.count() == 1


def test_long_and_non_latin_names_get_working_slugs(client, tmp_path, article_index):
    long_slug = "how-to-" + "really-" * 35 + "squat"
    posts = [wxr.item(60 + n, f"Squat {n}", slug=long_slug) for n in range(3)]
    posts.append(
        wxr.item(
            70,
            "Приседания",
            slug="%d0%bf%d1%80%d0%b8%d1%81%d0%b5%d0%b4",
            terms=(("category", "%d1%81%d0%b8%d0%bb%d0%b0", "Сила"), ("post_tag", "x", "Присед")),
        ).replace("<![CDATA[mara]]></dc:creator>", "<![CDATA[李雷]]></dc:creator>")
    )
    counts, _ = run(wxr.write(tmp_path / "s.xml", *posts))
    assert counts["posts"] == 4
    slugs = set(ArticlePage.objects.values_list("slug", flat=True))
    assert len(slugs) == 4 and "присед" in slugs
    russian = ArticlePage.objects.get(slug="присед")
    assert russian.author.slug.startswith("author-") and russian.author.name == "李雷"
    assert russian.categories.get().slug.startswith("category-")
    assert client.get(russian.url).status_code == 200


def test_the_date_readers_saw_is_the_blogs_own(tmp_path, article_index):
    late = wxr.item(80, "Late Night Post", date="2023-05-01 22:30:00", gmt="2023-05-02 02:30:00")
    draft = wxr.item(81, "Draft Post", status="draft", date="2023-04-30 23:00:00")
    run(wxr.write(tmp_path / "d.xml", late, draft))
    posted = ArticlePage.objects.get(title="Late Night Post")
    assert str(posted.date) == "2023-05-01"
    assert posted.first_published_at.isoformat() == "2023-05-02T02:30:00+00:00"
    assert str(ArticlePage.objects.get(title="Draft Post").date) == "2023-04-30"


def test_a_post_twice_in_the_file_is_imported_once_and_reported(tmp_path, article_index):
    counts, output = run(
        wxr.write(tmp_path / "t.xml", wxr.item(90, "Twice"), wxr.item(90, "Twice"))
    )
    assert counts["posts"] == 1 and counts["skipped"] == 1
    assert "the post appears twice in the file" in output


def test_blank_lines_before_the_xml_declaration_are_tolerated(tmp_path, article_index):
    path = tmp_path / "blank.xml"
    path.write_text("\n\n" + wxr.export(wxr.item(91, "After Blank Lines")))
    counts, _ = run(path)
    assert counts["posts"] == 1
