import re

import pytest
from django.test import Client
from django.utils.html import strip_tags

from cms_site.reader_comments.models import ArticleComment, Commenter
from tests.support.comments import VALID, make_comment, post_comment, post_url

pytestmark = pytest.mark.django_db
Status = ArticleComment.Status


def text_of(response) -> str:
    return re.sub(r"\s+", " ", strip_tags(response.content.decode()))


def test_form_has_the_expected_labels_notes_and_accessibility(client, article):
    response = client.get(article.url)
    html = response.content.decode()
    assert "Leave a Reply" in html
    assert "Your email address will not be published. Required fields are marked *" in html
    for field, label in [
        ("name", "Name *"),
        ("email", "Email *"),
        ("website", "Website"),
        ("comment", "Comment *"),
    ]:
        assert f'<label for="id_{field}">{label}</label>' in html
    assert 'autocomplete="name"' in html and 'autocomplete="email"' in html
    assert 'autocomplete="url"' in html
    assert 'aria-describedby="email-notes"' in html
    assert re.search(r'<input type="text" name="name"[^>]* required', html)
    assert 'name="csrfmiddlewaretoken"' in html


def test_post_creates_a_pending_comment_shown_only_to_its_author(client, article):
    response = post_comment(client, article)
    comment = ArticleComment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{article.url}#comment-{comment.pk}"
    assert comment.status == Status.PENDING
    assert comment.status_reason == ArticleComment.Reason.NEW_COMMENTER
    assert comment.commenter.email == VALID["email"]

    mine = text_of(client.get(article.url))
    assert "Your comment is awaiting moderation." in mine
    assert "hip hinge drill" in mine

    stranger = text_of(Client().get(article.url))
    assert "hip hinge drill" not in stranger
    assert "awaiting moderation" not in stranger


def test_approved_comments_are_shown_to_everyone_without_the_email(client, article):
    make_comment(article, body="Approved and visible.", email="secret-address@example.com")
    html = client.get(article.url).content.decode()
    assert "Approved and visible." in html
    assert "One comment on" in html
    assert "secret-address" not in html and "example.com" not in html


def test_own_email_never_appears_even_on_errors_after_posting(client, article):
    post_comment(client, article)
    assert VALID["email"] not in client.get(article.url).content.decode()


def test_markup_is_escaped_and_links_are_nofollow_ugc(client, article):
    body = '<script>alert("x")</script> <b>bold</b> see https://example.org/page?a=1&b=2'
    make_comment(article, body=body, website="https://alex.example.net/")
    html = client.get(article.url).content.decode()
    assert "<script>alert" not in html and "<b>bold</b>" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert '<a href="https://example.org/page?a=1&amp;b=2" rel="nofollow ugc">' in html
    assert '<a href="https://alex.example.net/" rel="nofollow ugc external">Alex</a>' in html


def test_javascript_website_is_refused(client, article):
    response = post_comment(client, article, website="javascript:alert(1)")
    assert response.status_code == 400
    assert "starting with http:// or https://" in response.content.decode()
    assert not ArticleComment.objects.exists()


def test_honeypot_refuses_with_a_clear_message(client, article):
    response = post_comment(client, article, homepage="http://spam.example")
    assert response.status_code == 400
    assert "looks automated" in response.content.decode()
    assert not ArticleComment.objects.exists()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"name": ""}, "Enter your name."),
        ({"email": "not-an-address"}, "Enter a valid email address"),
        ({"comment": "   "}, "Write your comment."),
        ({"name": "x" * 81}, "Keep your name under 80 characters."),
        ({"comment": "y" * 5001}, "Your comment is too long: 5001 characters, the limit is 5000."),
        ({"comment": "bell\x07 ring"}, "Remove the invisible control characters"),
        ({"comment": "null\x00byte"}, "Null characters are not allowed."),
        ({"comment": "flip \u202e text"}, "Remove the invisible control characters"),
        ({"name": "Two\nLines"}, "Your name must fit on one line."),
    ],
)
def test_bad_input_gets_a_clear_message_and_no_comment(client, article, fields, message):
    response = post_comment(client, article, **fields)
    html = response.content.decode()
    assert response.status_code == 400
    assert message in html
    assert 'aria-invalid="true"' in html and 'role="alert"' in html
    assert not ArticleComment.objects.exists()


def test_field_errors_are_tied_to_their_inputs(client, article):
    html = post_comment(client, article, email="nope").content.decode()
    assert re.search(r'<input type="email"[^>]*aria-describedby="email-notes id_email-error"', html)
    assert '<span class="comment-form__error" id="id_email-error">' in html


def test_megabyte_body_is_refused_and_not_echoed_back(client, article):
    response = post_comment(client, article, comment="spam " * 220_000)
    assert response.status_code == 400
    assert "Your comment is too long" in response.content.decode()
    assert len(response.content) < 100_000
    assert not ArticleComment.objects.exists()


def test_site_setting_sets_the_length_limit(client, article, comment_settings):
    comment_settings.max_length = 200
    comment_settings.save()
    response = post_comment(client, article, comment="z" * 201)
    assert "the limit is 200" in response.content.decode()


def test_line_breaks_and_emoji_count_as_one_character_each(client, article, comment_settings):
    comment_settings.max_length = 200
    comment_settings.save()
    text = ("Squats 💪\r\n" * 22).strip()  # 197 characters as counted, 218 with CR LF
    assert post_comment(client, article, comment=text).status_code == 302
    assert ArticleComment.objects.get().body == text.replace("\r\n", "\n")


def test_posting_requires_csrf(article):
    client = Client(enforce_csrf_checks=True)
    response = client.post(post_url(article), VALID)
    assert response.status_code == 403
    assert not ArticleComment.objects.exists()


def test_reloading_the_post_address_leads_to_the_form_and_drafts_cannot_be_commented(
    client, article
):
    response = client.get(post_url(article))
    assert response.status_code == 302 and response["Location"] == f"{article.url}#respond"
    article.unpublish()
    assert post_comment(client, article).status_code == 404
    assert client.get(post_url(article)).status_code == 404


def test_a_refused_post_lands_on_the_focusable_error_summary_with_the_text_kept(client, article):
    response = post_comment(client, article, name="", email="nope")
    html = response.content.decode()
    assert response.status_code == 400
    assert f'action="{post_url(article)}#commentform-errors"' in html
    summary = re.search(r'<div class="comment-form__errors"([^>]*)>(.*?)</div>', html, re.S)
    assert 'role="alert"' in summary[1] and 'tabindex="-1"' in summary[1]
    assert summary[1].count('id="commentform-errors"') == 1
    assert '<a href="#id_name">Name: Enter your name.</a>' in summary[2]
    assert '<a href="#id_email">Email: Enter a valid email address' in summary[2]
    assert re.search(r'<input type="text" name="name"[^>]*aria-invalid="true"', html)
    assert VALID["comment"] in html


def test_an_over_long_comment_comes_back_whole_with_a_clear_error(
    client, article, comment_settings
):
    comment_settings.max_length = 200
    comment_settings.save()
    pasted = "Long story about my knees. " * 12  # 323 characters once stripped
    html = post_comment(client, article, comment=pasted).content.decode()
    assert "Your comment is too long: 323 characters, the limit is 200." in html
    assert f"{pasted}</textarea>" in html
    textarea = re.search(r"<textarea[^>]*>", html)[0]
    assert "maxlength" not in textarea and 'data-limit="200"' in textarea
    assert 'aria-describedby="comment-count id_comment-error"' in textarea
    assert '<span class="comment-form__count" id="comment-count"' in html


def test_replies_are_threaded_up_to_the_configured_depth(client, article, comment_settings):
    comment_settings.max_depth = 2
    comment_settings.approve_new_commenters = True
    comment_settings.save()
    top = make_comment(article, body="Top level.")
    html = client.get(f"{article.url}?replytocom={top.pk}").content.decode()
    assert "Leave a Reply to Alex" in html and f'value="{top.pk}"' in html

    assert post_comment(client, article, parent=top.pk, comment="A reply.").status_code == 302
    reply = ArticleComment.objects.get(parent=top)
    assert reply.depth == 2 and reply.status == Status.APPROVED
    page = client.get(article.url).content.decode()
    assert re.search(
        rf'id="comment-{top.pk}".*class="comment-list comment-list--children"', page, re.S
    )
    assert f"?replytocom={reply.pk}" not in page

    too_deep = post_comment(client, article, parent=reply.pk, comment="Nested too far.")
    assert too_deep.status_code == 400
    assert "Replies cannot be nested this deep." in too_deep.content.decode()


def test_reply_to_a_hidden_comment_is_refused(client, article):
    hidden = make_comment(article, status=Status.PENDING)
    response = post_comment(client, article, parent=hidden.pk)
    assert "The comment you are replying to is not available." in response.content.decode()


def test_closed_comments_refuse_posts(client, article, comment_settings):
    comment_settings.enabled = False
    comment_settings.save()
    assert "Comments are closed." in client.get(article.url).content.decode()
    response = post_comment(client, article)
    assert response.status_code == 403
    assert not Commenter.objects.exists()


def test_article_page_renders_comments_in_few_queries(
    client, article, django_assert_max_num_queries
):
    for number in range(5):
        make_comment(article, body=f"Comment {number}")
    client.get(article.url)
    with django_assert_max_num_queries(30):
        response = client.get(article.url)
    assert "5 comments on" in response.content.decode()


def test_body_over_the_upload_limit_is_a_400_not_a_500(client, article, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 50_000
    response = post_comment(client, article, comment="x" * 60_000)
    assert response.status_code == 400
    assert not ArticleComment.objects.exists()


@pytest.mark.parametrize("parent", ["99999999999999999999999", "-1", "1e3", "0x10"])
def test_odd_reply_targets_are_refused_cleanly(client, article, parent):
    assert post_comment(client, article, parent=parent).status_code == 400
