from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseSiteSetting

from recommender.conf import for_default_site

from .spam_filter import SpamFilterConfig

DEFAULT_FILTER = SpamFilterConfig()
MAX_COMMENT_LENGTH = 10_000
MODERATOR_FALLBACK_NAME = "Moderator"


def probability_field(verbose_name: str, default: float, help_text: str) -> models.FloatField:
    return models.FloatField(
        verbose_name,
        default=default,
        validators=[MinValueValidator(0), MaxValueValidator(1)],
        help_text=help_text,
    )


class CommentSettings(BaseSiteSetting):
    enabled = models.BooleanField("accept new comments", default=True)
    blocked_words = models.TextField(
        blank=True,
        help_text="One word or phrase per line. A comment containing one is marked as spam.",
    )
    hold_words = models.TextField(
        blank=True,
        help_text="One word or phrase per line. A comment containing one waits for a moderator.",
    )
    max_links = models.PositiveSmallIntegerField(
        "most links before holding",
        default=2,
        validators=[MaxValueValidator(50)],
        help_text="A comment with more links than this waits for a moderator.",
    )
    spam_threshold = probability_field(
        "spam threshold",
        DEFAULT_FILTER.spam_threshold,
        "At or above this spam score a comment is marked as spam.",
    )
    review_threshold = probability_field(
        "review threshold",
        DEFAULT_FILTER.review_threshold,
        "At or above this spam score (and below the spam threshold) a comment waits.",
    )
    approve_new_commenters = models.BooleanField(
        "publish comments that pass every check",
        default=False,
        help_text="Off: comments from commenters who are not yet trusted wait for a moderator.",
    )
    require_trusted_browser = models.BooleanField(
        "trust only the browser that confirmed the email",
        default=True,
        help_text="Stops someone who types a trusted commenter's email from skipping moderation.",
    )
    max_depth = models.PositiveSmallIntegerField(
        "reply depth",
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(10)],
        help_text="1 allows no replies; 3 allows replies to replies.",
    )
    max_length = models.PositiveIntegerField(
        "longest comment (characters)",
        default=DEFAULT_FILTER.max_chars,
        validators=[MinValueValidator(100), MaxValueValidator(MAX_COMMENT_LENGTH)],
    )
    ip_limit = models.PositiveSmallIntegerField(
        "posts per address",
        default=10,
        validators=[MinValueValidator(1)],
        help_text="Posts accepted from one network address per rate-limit window.",
    )
    email_limit = models.PositiveSmallIntegerField(
        "comments per email", default=5, validators=[MinValueValidator(1)]
    )
    rate_window_minutes = models.PositiveSmallIntegerField(
        "rate-limit window (minutes)", default=10, validators=[MinValueValidator(1)]
    )
    retrain_after = models.PositiveSmallIntegerField(
        "retrain after decisions",
        default=25,
        validators=[MinValueValidator(1)],
        help_text="Retrain the spam filter after this many new moderator decisions.",
    )

    panels = [
        FieldPanel("enabled"),
        MultiFieldPanel(
            [FieldPanel("blocked_words"), FieldPanel("hold_words"), FieldPanel("max_links")],
            heading="Word lists and links",
        ),
        MultiFieldPanel(
            [FieldPanel("spam_threshold"), FieldPanel("review_threshold")],
            heading="Spam filter",
        ),
        MultiFieldPanel(
            [FieldPanel("approve_new_commenters"), FieldPanel("require_trusted_browser")],
            heading="Publishing",
        ),
        MultiFieldPanel(
            [FieldPanel("max_depth"), FieldPanel("max_length")], heading="Comment form"
        ),
        MultiFieldPanel(
            [
                FieldPanel("ip_limit"),
                FieldPanel("email_limit"),
                FieldPanel("rate_window_minutes"),
                FieldPanel("retrain_after"),
            ],
            heading="Limits",
        ),
    ]

    class Meta:
        verbose_name = "reader comments"

    @classmethod
    def for_default_site(cls) -> "CommentSettings":
        return for_default_site(cls)

    def clean(self):
        super().clean()
        if self.review_threshold > self.spam_threshold:
            raise ValidationError(
                {"review_threshold": "The review threshold cannot exceed the spam threshold."}
            )


class Commenter(models.Model):
    """One reader's email address: the only place it is stored."""

    email = models.EmailField(max_length=254, unique=True)
    email_confirmed_at = models.DateTimeField(null=True, blank=True)
    confirmation_sent_at = models.DateTimeField(null=True, blank=True)
    emails_blocked_at = models.DateTimeField(
        null=True, blank=True, help_text="Set when the commenter unsubscribed from every email."
    )
    trust_withdrawn_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="Set when a moderator marked a comment of theirs as spam or rejected it.",
    )
    confirm_nonce = models.CharField(
        max_length=32, blank=True, help_text="The one confirmation link still unused."
    )
    confirm_link_used_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"Commenter #{self.pk}"

    @property
    def is_confirmed(self) -> bool:
        return self.email_confirmed_at is not None

    @property
    def needs_confirmation_link(self) -> bool:
        """Unconfirmed, or trust was withdrawn after the last link was used (its cookie is dead)."""
        if not self.is_confirmed:
            return True
        withdrawn, used = self.trust_withdrawn_at, self.confirm_link_used_at
        return withdrawn is not None and (used is None or used < withdrawn)


class ArticleComment(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        APPROVED = "approved", "Approved"
        SPAM = "spam", "Spam"
        REJECTED = "rejected", "Rejected"

    class Reason(models.TextChoices):
        RECEIVED = "received", "Received, not checked yet"
        CHECK_FAILED = "check_failed", "Automatic checks failed"
        BLOCKED_WORD = "blocked_word", "Blocked word"
        HOLD_WORD = "hold_word", "Word held for review"
        TOO_MANY_LINKS = "too_many_links", "Too many links"
        SPAM_SCORE = "spam_score", "Spam score at or above the spam threshold"
        POSSIBLE_SPAM = "possible_spam", "Spam score between the thresholds"
        BLOCKED = "blocked", "Blocked email address or network"
        TRUSTED = "trusted", "Trusted commenter"
        NEW_COMMENTER = "new_commenter", "Waiting for a moderator"
        AUTO_APPROVED = "auto_approved", "Passed every check"
        MODERATOR = "moderator", "Moderator decision"
        MODERATOR_REPLY = "moderator_reply", "Moderator reply"
        ERASED = "erased", "Removed at the author's request"

    page = models.ForeignKey(
        "articles.ArticlePage", on_delete=models.CASCADE, related_name="reader_comments"
    )
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="replies"
    )
    depth = models.PositiveSmallIntegerField(default=1)
    commenter = models.ForeignKey(
        Commenter, null=True, blank=True, on_delete=models.SET_NULL, related_name="comments"
    )
    moderator_author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Set when a moderator wrote this comment from the admin.",
    )
    author_name = models.CharField("name", max_length=80)
    website = models.URLField(max_length=200, blank=True)
    body = models.TextField("comment")
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    status_reason = models.CharField(
        "reason", max_length=20, choices=Reason.choices, default=Reason.RECEIVED
    )
    status_detail = models.CharField(max_length=255, blank=True)
    spam_score = models.FloatField(null=True, blank=True)
    spam_model_version = models.CharField(max_length=40, blank=True)
    ip_hash = models.CharField(
        max_length=32, blank=True, help_text="Keyed hash of the /24 (IPv4) or /48 (IPv6) network."
    )
    notify = models.BooleanField(
        default=False, help_text="The commenter asked to hear about approval and replies."
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    moderated_at = models.DateTimeField(null=True, blank=True)
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    import_id = models.CharField(
        max_length=255,
        blank=True,
        default="",
        editable=False,
        help_text="Where an imported comment came from, so a second import skips it.",
    )

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = "reader comment"
        permissions = [
            ("moderate_articlecomment", "Can moderate reader comments"),
            ("manage_commenter_data", "Can export and erase commenter data"),
        ]
        indexes = [
            models.Index(fields=["page", "status", "created_at"], name="comment_page_status_idx"),
            models.Index(fields=["status", "spam_score"], name="comment_queue_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["import_id"],
                condition=~models.Q(import_id=""),
                name="unique_comment_import_id",
            )
        ]

    def __str__(self):
        return f"Comment #{self.pk}"

    @property
    def is_visible(self) -> bool:
        return self.status == self.Status.APPROVED

    @property
    def awaits_moderation(self) -> bool:
        return self.status in (self.Status.PENDING, self.Status.SPAM)

    @property
    def anchor(self) -> str:
        return f"comment-{self.pk}"

    @property
    def display_name(self) -> str:
        """The public name; a moderator's badge says the role, so older replies drop their
        "(moderator)" suffix and an unnamed moderator shows the badge alone (an empty name)."""
        if not self.moderator_author_id:
            return self.author_name
        name = self.author_name.removesuffix(" (moderator)")
        return "" if name == MODERATOR_FALLBACK_NAME else name

    @property
    def signed_name(self) -> str:
        """The name with the moderator's role, for emails (which have no badge)."""
        if not self.moderator_author_id:
            return self.author_name
        name = self.display_name
        return f"{name} (moderator)" if name else MODERATOR_FALLBACK_NAME


class Block(models.Model):
    """A moderator's block of one email address or one /24 (/48) network, kept as a keyed hash."""

    class Kind(models.TextChoices):
        EMAIL = "email", "Email address"
        NETWORK = "network", "Network"

    kind = models.CharField(max_length=10, choices=Kind.choices)
    value_hash = models.CharField(max_length=32)
    label = models.CharField(max_length=120, help_text="What the moderators see instead.")
    reason = models.CharField(max_length=255)
    expires_at = models.DateTimeField(null=True, blank=True, help_text="Empty: never expires.")
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "value_hash"], name="one_block_per_value")
        ]

    def __str__(self):
        return f"Block of {self.get_kind_display().lower()} {self.label}"


class NotificationIntent(models.Model):
    """An email that must go out: written in the same transaction as its cause, sent later."""

    class Kind(models.TextChoices):
        APPROVED = "approved", "Comment approved"
        REPLY = "reply", "Reply to a comment"
        CONFIRM_EMAIL = "confirm_email", "Email confirmation"
        DIGEST = "digest", "Moderator digest"

    kind = models.CharField(max_length=16, choices=Kind.choices)
    comment = models.ForeignKey(
        ArticleComment, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    commenter = models.ForeignKey(
        Commenter, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True, db_index=True)
    # Set (and committed) before the mail server is contacted; a claim left behind by a killed
    # sender is never resent (see notifications.send_intent).
    claimed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=40, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"{self.get_kind_display()} #{self.pk}"

    @classmethod
    def about(cls, comment: ArticleComment) -> "models.QuerySet[NotificationIntent]":
        """The emails a comment caused, its commenter's confirmation included."""
        caused = models.Q(comment=comment)
        if comment.commenter_id:
            caused |= models.Q(commenter_id=comment.commenter_id)
        return cls.objects.filter(caused).order_by("created_at", "pk")

    @property
    def delivery(self) -> str:
        if self.sent_at or self.outcome:
            return self.outcome or "sent"
        return "sending" if self.claimed_at else "waiting"


class SpamModel(models.Model):
    """A trained spam filter, stored in the database so every process can load it."""

    version = models.CharField(max_length=40, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    is_active = models.BooleanField(default=False)
    trigger = models.CharField(max_length=20, blank=True)
    decisions = models.PositiveIntegerField(default=0, help_text="Moderator decisions used.")
    seed_examples = models.PositiveIntegerField(default=0)
    spam_examples = models.PositiveIntegerField(default=0)
    ham_examples = models.PositiveIntegerField(default=0)
    metrics = models.JSONField(default=dict, blank=True)
    params = models.JSONField(default=dict, blank=True)
    artifact = models.BinaryField()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_active"],
                condition=models.Q(is_active=True),
                name="one_active_spam_model",
            )
        ]

    def __str__(self):
        return self.version


class ErasureMark(models.Model):
    """When a commenter's data was erased: spam models trained on examples read before it must
    go. Written in the erasure's transaction; the periodic catch-up keeps only the latest."""

    erased_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-erased_at", "-pk"]

    def __str__(self):
        return f"Erasure at {self.erased_at:%Y-%m-%d %H:%M:%S}"
