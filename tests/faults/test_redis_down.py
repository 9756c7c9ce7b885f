"""Redis (cache and broker) down while readers post and moderators decide."""

import uuid

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cms_site.reader_comments import notifications
from cms_site.reader_comments.models import ArticleComment, NotificationIntent
from tasks.comments import send_pending_notifications
from tests.support.comments import VALID, make_comment, post_url
from tests.support.production import (
    DEAD_REDIS,
    production_environment,
    production_worker,
    site_server,
)
from tests.support.site_settings import base_settings
from tests.support.smtp import mail_server, smtp_settings
from tests.support.workers import celery_conf, wait_until

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
Status = ArticleComment.Status
Kind = NotificationIntent.Kind


def post(reader, article, email, **fields):
    data = {**VALID, "email": email, "csrfmiddlewaretoken": reader.csrf_token(), **fields}
    return reader.post(post_url(article), data)


def test_comments_posted_with_redis_down_are_kept_and_their_emails_sent_later(
    article, comment_settings, mailoutbox
):
    held, published = (f"{uuid.uuid4().hex[:8]}-{n}@example.com" for n in range(2))
    with site_server("faults-redis-down-post", production_environment(DEAD_REDIS)) as site:
        reader = site.browser()
        response = post(reader, article, held, comment="Held while Redis is down.")
        assert response.status_code == 302
        page = reader.get(response.headers["Location"].split("#")[0])
        assert page.status_code == 200
        assert "Held while Redis is down." in page.text
        assert "Your comment is awaiting moderation." in page.text

        comment_settings.approve_new_commenters = True
        comment_settings.save()
        response = post(reader, article, published, comment="Published while Redis is down.")
        assert response.status_code == 302
        page = site.browser().get(response.headers["Location"].split("#")[0])  # anyone sees it
        assert "Published while Redis is down." in page.text
        log = site.log_text()
    assert " 500 " not in log and "Internal Server Error" not in log
    assert "Could not run comment task send_notification" in log
    assert ArticleComment.objects.get(commenter__email=held).status == Status.PENDING
    assert ArticleComment.objects.get(commenter__email=published).status == Status.APPROVED
    waiting = NotificationIntent.objects.filter(kind=Kind.CONFIRM_EMAIL, sent_at__isnull=True)
    assert sorted(waiting.values_list("commenter__email", flat=True)) == sorted([held, published])
    # Redis is back: the periodic sender finds both confirmation emails.
    assert notifications.send_pending() == 2
    assert sorted(message.to[0] for message in mailoutbox) == sorted([held, published])


@pytest.mark.worker
def test_moderating_with_redis_down_saves_decisions_and_mails_once_redis_is_back(
    article, moderator, settings, private_queue
):
    comments = [
        make_comment(article, Status.PENDING, email=f"reader{n}@example.com", notify=True)
        for n in range(3)
    ]
    for comment in comments:
        comment.commenter.email_confirmed_at = timezone.now()
        comment.commenter.save()
    settings.CACHES = base_settings(REDIS_URL=DEAD_REDIS)["CACHES"]  # production's, Redis down
    admin = Client()
    admin.force_login(moderator)
    bulk = reverse("reader_comments_admin:bulk")
    with celery_conf(broker_url=DEAD_REDIS, result_backend=DEAD_REDIS):
        detail = reverse("reader_comments_admin:detail", args=[comments[0].pk])
        one = admin.post(detail, {"action": "approve"}, follow=True)
        many = admin.post(bulk, {"action": "approve", "ids": [comments[1].pk]}, follow=True)
        rejected = admin.post(bulk, {"action": "reject", "ids": [comments[2].pk]}, follow=True)
    assert [r.status_code for r in (one, many, rejected)] == [200, 200, 200]
    assert f"{comments[0]} approved." in one.content.decode()
    assert "1 comment(s) approved." in many.content.decode()
    assert "1 comment(s) rejected." in rejected.content.decode()
    statuses = [ArticleComment.objects.get(pk=c.pk).status for c in comments]
    assert statuses == [Status.APPROVED, Status.APPROVED, Status.REJECTED]
    waiting = NotificationIntent.objects.filter(kind=Kind.APPROVED, sent_at__isnull=True)
    assert waiting.count() == 2

    with mail_server() as (server, port):
        environment = production_environment(settings.REDIS_URL, **smtp_settings(port))
        with production_worker("faults-moderation-mailer", private_queue, environment):
            send_pending_notifications.delay()  # what the beat schedule sends every 5 minutes
            assert wait_until(lambda: not waiting.exists(), timeout=30)
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
        assert notifications.send_pending() == 0
    assert server.recipients() == {"reader0@example.com": 1, "reader1@example.com": 1}
