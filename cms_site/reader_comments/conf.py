"""App settings, each overridable in the Django settings module."""

from recommender.conf import AppSettings

DEFAULTS = {
    # Module holding the Celery tasks; services enqueue them by name after the commit.
    "COMMENTS_TASK_MODULE": "tasks.comments",
    # False runs each task in-process right after the commit instead of sending it to the broker.
    "COMMENTS_ENQUEUE": True,
    # Cache alias that counts posts for the rate limits (Redis in production).
    "COMMENTS_RATE_LIMIT_CACHE": "default",
    # How long an email confirmation link stays valid, in seconds.
    "COMMENTS_CONFIRM_MAX_AGE": 3 * 24 * 3600,
    # Send a new confirmation email at most this often per commenter, in seconds.
    "COMMENTS_CONFIRM_RESEND_AFTER": 24 * 3600,
    # JSON-lines files ({"text", "label": "spam"|"ham"}) added to the moderators' decisions.
    "COMMENTS_SPAM_SEED_CORPUS": [],
    # Score with the shipped starter model (spam_filter/starter/) while the site has no model of
    # its own, then blend: the own model weighs n / (n + HANDOVER) after n moderator decisions.
    "COMMENTS_SPAM_STARTER": True,
    "COMMENTS_SPAM_STARTER_HANDOVER": 100,
    # Trained spam models kept in the database besides the active one.
    "COMMENTS_SPAM_MODELS_KEPT": 5,
    # Failed notification emails are retried this many times by the periodic sender.
    "COMMENTS_NOTIFICATION_ATTEMPTS": 5,
    # A send claimed longer ago than this, in seconds, was interrupted (the sender died): it is
    # marked "unknown" for review, never resent. Keep it above the Celery hard time limit.
    "COMMENTS_NOTIFICATION_CLAIM_TIMEOUT": 15 * 60,
    # Lifetime of the cookie that proves a browser confirmed a commenter's email, in seconds.
    "COMMENTS_TRUST_COOKIE_AGE": 365 * 24 * 3600,
    # A commenter stays trusted this long after a moderator last approved one of their
    # comments, in seconds; a spam or reject decision ends the trust at once.
    "COMMENTS_TRUST_MAX_AGE": 180 * 24 * 3600,
}

get = AppSettings(DEFAULTS).get
