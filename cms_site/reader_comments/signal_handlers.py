"""Connect comment decisions to the emails they cause."""

from .models import ArticleComment
from .signals import comment_status_changed


def on_status_changed(sender, comment, previous, moderator, **kwargs):
    from . import notifications

    notifications.on_status_changed(comment, previous, moderator)


def register() -> None:
    comment_status_changed.connect(
        on_status_changed, sender=ArticleComment, dispatch_uid="reader_comments_notify"
    )
