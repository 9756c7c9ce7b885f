"""Helpers for the reader-comment tests: a valid form, posting, and ready-made comments."""

from django.urls import reverse
from django.utils import timezone

from cms_site.reader_comments.models import ArticleComment, Commenter

RATE_CACHE = "comments-tests"
LOCMEM = "django.core.cache.backends.locmem.LocMemCache"
VALID = {
    "name": "Dana Reader",
    "email": "dana@example.com",
    "website": "",
    "comment": "The hip hinge drill helped my lower back a lot. Thanks!",
}
SPAM_TEXTS = [
    "WIN a FREE iPhone now!!! click http://bit.ly/free-prize",
    "Check out my channel and subscribe, sub4sub!",
    "Earn $500 a day from home, visit www.cash-now.biz",
    "Cheap followers and likes, promo code at http://likes.example.com",
    "FREE gift cards!!! click here http://gift.example.net",
    "Make money fast with bitcoin investing, see my profile",
    "Subscribe to my music channel please like this comment",
    "Get paid to click ads, winner announced http://win.example.org",
]

HAM_TEXTS = [
    "The hip hinge drill helped my lower back a lot, thanks.",
    "How many sets would you suggest for a beginner?",
    "I tried the bench stretch after my run and it felt great.",
    "Could you write about knee pain when squatting?",
    "My physio recommended something similar for posture.",
    "Is it fine to do this routine every day or should I rest?",
    "Clear instructions, the pictures really help.",
    "I prefer doing these in the morning before work.",
]


def post_url(page) -> str:
    return reverse("reader_comments:post", args=[page.pk])


def post_comment(client, page, **fields):
    return client.post(post_url(page), {**VALID, **fields})


def make_comment(
    page,
    status=ArticleComment.Status.APPROVED,
    email="alex@example.com",
    confirmed=False,
    **extra,
):
    commenter, _ = Commenter.objects.get_or_create(email=email)
    if confirmed and not commenter.is_confirmed:
        commenter.email_confirmed_at = timezone.now()
        commenter.save(update_fields=["email_confirmed_at"])
    fields = {
        "author_name": "Alex",
        "body": "A useful article.",
        "status": status,
        "commenter": commenter,
        **extra,
    }
    return ArticleComment.objects.create(page=page, **fields)
