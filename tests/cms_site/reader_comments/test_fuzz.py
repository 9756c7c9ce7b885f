"""Property-based tests: whatever a reader (or a bot) sends, the answer is never a 500."""

import pytest
from django.core.cache import caches
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cms_site.reader_comments.forms import CommentForm
from cms_site.reader_comments.models import ArticleComment
from tests.support.comments import RATE_CACHE, post_url

text = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=300
) | st.sampled_from(
    [
        "",
        " ",
        "<script>alert(1)</script>",
        "\x00",
        "\u202e",
        "a" * 6000,
        "https://x.example " * 20,
        "javascript:alert(1)",
        "名前",
        "\r\n\t",
    ]
)
fields = st.fixed_dictionaries(
    {},
    optional={
        "name": text,
        "email": text | st.emails(),
        "website": text,
        "comment": text,
        "homepage": st.sampled_from(["", "x"]),
        "parent": text | st.integers(-5, 10**30).map(str),
        "notify": st.sampled_from(["on", "", "true", "0"]),
    },
)
relaxed = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.mark.django_db
@relaxed
@given(data=fields)
def test_form_validation_never_raises(article, data):
    form = CommentForm(data, page=article)
    if form.is_valid():
        submission = form.submission()
        assert submission.name.strip() and submission.body.strip()
        assert len(submission.body) <= 5000
    else:
        assert form.errors


@pytest.mark.django_db
@relaxed
@given(data=fields)
def test_posting_anything_never_gives_a_500(client, article, comment_settings, data):
    caches[RATE_CACHE].clear()
    before = ArticleComment.objects.count()
    response = client.post(post_url(article), data)
    assert response.status_code in (302, 400, 429)
    created = ArticleComment.objects.count() - before
    assert created == (1 if response.status_code == 302 else 0)
    if created:
        comment = ArticleComment.objects.latest("pk")
        html = client.get(article.url).content.decode()
        assert comment.commenter.email not in html
