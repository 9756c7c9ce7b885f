"""Celery tasks for reader comments: thin wrappers that take ids and call the services."""

from celery import shared_task

from cms_site.reader_comments import notifications, spam_model


@shared_task(ignore_result=True)
def send_notification(intent_id: int) -> str:
    return notifications.send_intent(intent_id)


@shared_task(ignore_result=True)
def send_pending_notifications() -> int:
    return notifications.send_pending()


@shared_task(ignore_result=True)
def send_moderator_digest() -> int:
    return notifications.send_digest()


@shared_task(ignore_result=True)
def retrain_spam_filter(trigger: str = "schedule") -> str | None:
    model = spam_model.retrain(trigger=trigger)
    return model.version if model else None


@shared_task(ignore_result=True)
def retrain_spam_filter_if_due() -> str | None:
    model = spam_model.retrain_if_due()
    return model.version if model else None


@shared_task(ignore_result=True)
def forget_erased_comments() -> str | None:
    model = spam_model.forget_erased()
    return model.version if model else None
