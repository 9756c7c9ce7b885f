"""A worker killed (SIGKILL) while a notification is with the mail server."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from cms_site.reader_comments import notifications
from cms_site.reader_comments.models import Commenter, NotificationIntent
from tasks.comments import send_pending_notifications
from tests.support.production import production_environment, production_worker
from tests.support.smtp import mail_server, smtp_settings
from tests.support.workers import WorkerProcess, wait_until

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
EMAILS = [f"reader{n}@example.com" for n in range(3)]


def test_a_worker_killed_mid_send_loses_nothing_and_sends_nothing_twice(settings, private_queue):
    commenters = [Commenter.objects.create(email=email) for email in EMAILS]
    with mail_server() as (server, port):
        environment = production_environment(settings.REDIS_URL, **smtp_settings(port))
        server.stall()
        first = WorkerProcess("faults-mailer-killed", 1, private_queue, **environment)
        try:
            with transaction.atomic():  # as the site records them: tasks queued at the commit
                for commenter in commenters:
                    notifications.record(NotificationIntent.Kind.CONFIRM_EMAIL, commenter=commenter)
            assert server.stalled.wait(timeout=30), "the worker never reached the mail server"
        finally:
            first.kill()
        server.release.set()  # the server had queued that email; the worker never heard so
        interrupted = NotificationIntent.objects.get(claimed_at__isnull=False, sent_at__isnull=True)
        others = NotificationIntent.objects.exclude(pk=interrupted.pk)

        with production_worker("faults-mailer-second", private_queue, environment):
            send_pending_notifications.delay()  # the beat keeps sending it every 5 minutes
            assert wait_until(lambda: others.filter(outcome="sent").count() == 2, timeout=30)
            past_timeout = timezone.now() - timedelta(hours=1)
            NotificationIntent.objects.filter(pk=interrupted.pk).update(claimed_at=past_timeout)
            send_pending_notifications.delay()
            assert wait_until(
                lambda: NotificationIntent.objects.filter(pk=interrupted.pk, outcome="unknown"),
                timeout=30,
            )
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
        assert notifications.send_pending() == 0
        assert notifications.send_intent(interrupted.pk) == "gone"  # the task, redelivered late
    interrupted.refresh_from_db()
    assert (interrupted.attempts, interrupted.sent_at) == (1, None)
    assert interrupted.last_error == notifications.INTERRUPTED
    assert server.recipients() == dict.fromkeys(EMAILS, 1)
