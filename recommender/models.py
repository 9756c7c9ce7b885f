from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Subquery, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseSiteSetting
from wagtail.models import Orderable

from . import conf
from .compat import PAGE_MODEL
from .engine import EngineConfig

DEFAULT_WEIGHTS = EngineConfig().field_weights
CANDIDATE_MARGIN = 8  # neighbours kept beyond the stored slots, for exclusions and pins
WEIGHT_LABELS = {
    "title": _("title weight"),
    "intro": _("intro weight"),
    "body": _("body weight"),
    "tags": _("tags weight"),
    "categories": _("categories weight"),
}


def weight_field(name):
    return models.FloatField(
        WEIGHT_LABELS[name],
        default=DEFAULT_WEIGHTS[name],
        validators=[MinValueValidator(0), MaxValueValidator(10)],
        help_text=_("How much words in this field count (0 ignores the field)."),
    )


class RecommenderSettings(BaseSiteSetting):
    slots = models.PositiveSmallIntegerField(
        _("number of suggestions"),
        default=4,
        validators=[MinValueValidator(1), MaxValueValidator(12)],
    )
    min_score = models.FloatField(
        _("minimum similarity"),
        default=0.05,
        validators=[MinValueValidator(0), MaxValueValidator(1)],
        help_text=_("Suggestions below this cosine similarity are replaced by the fallback."),
    )
    title_weight = weight_field("title")
    intro_weight = weight_field("intro")
    body_weight = weight_field("body")
    tags_weight = weight_field("tags")
    categories_weight = weight_field("categories")
    recency_boost = models.FloatField(
        _("recency boost"),
        default=0.0,
        validators=[MinValueValidator(0), MaxValueValidator(1)],
        help_text=_("0 ranks by similarity only; up to 1 lifts newer articles."),
    )
    recency_half_life_days = models.PositiveIntegerField(
        _("recency half-life (days)"), default=180, validators=[MinValueValidator(1)]
    )

    panels = [
        MultiFieldPanel([FieldPanel("slots"), FieldPanel("min_score")], heading=_("Display")),
        MultiFieldPanel(
            [
                FieldPanel("title_weight"),
                FieldPanel("intro_weight"),
                FieldPanel("body_weight"),
                FieldPanel("tags_weight"),
                FieldPanel("categories_weight"),
            ],
            heading=_("Field weights (applied at the next rebuild)"),
        ),
        MultiFieldPanel(
            [FieldPanel("recency_boost"), FieldPanel("recency_half_life_days")],
            heading=_("Recency"),
        ),
    ]

    class Meta:
        verbose_name = _("related articles")

    @classmethod
    def for_default_site(cls) -> "RecommenderSettings":
        return conf.for_default_site(cls)

    def field_weights(self):
        return {name: getattr(self, f"{name}_weight") for name in DEFAULT_WEIGHTS}

    def engine_config(self) -> EngineConfig:
        return EngineConfig(
            field_weights=self.field_weights(),
            top_k=conf.get("RECOMMENDER_STORED_PER_PAGE") + CANDIDATE_MARGIN,
        )


class RecommenderModel(models.Model):
    """A trained index, stored in the database so every worker can load it."""

    version = models.CharField(max_length=40, unique=True)
    locale = models.ForeignKey("wagtailcore.Locale", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    refreshed_at = models.DateTimeField(
        null=True, blank=True, help_text="When a publish or removal last changed this model."
    )
    is_active = models.BooleanField(default=False)
    documents = models.PositiveIntegerField(default=0)
    vocabulary = models.PositiveIntegerField(default=0)
    params = models.JSONField(default=dict)
    artifact = models.BinaryField()
    neighbours = models.BinaryField(
        null=True,
        help_text="Every document's list, assembled from the chunks of the retrain that built "
        "this model; used when the artifact holds none.",
    )
    cards = models.JSONField(default=dict, help_text="Card data of every indexed page, by id.")
    compacted_through = models.BigIntegerField(
        default=0, help_text="The last IndexChange already folded into the artifact."
    )
    run = models.ForeignKey(
        "RecommenderRun", null=True, blank=True, on_delete=models.SET_NULL, related_name="models"
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["locale"],
                condition=models.Q(is_active=True),
                name="one_active_model_per_locale",
            )
        ]

    def __str__(self):
        return self.version


class IndexChange(models.Model):
    """One incremental edit of a stored model, replayed by workers holding an older copy.

    Writing a small row per publish keeps refreshes fast; every so often the changes are folded
    into the artifact (``compacted_through``) and deleted.
    """

    model = models.ForeignKey(RecommenderModel, on_delete=models.CASCADE, related_name="changes")
    page_id = models.BigIntegerField()
    document = models.JSONField(null=True, help_text="Engine document; empty when removed.")
    card = models.JSONField(null=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self):
        return f"{'update' if self.document else 'removal'} of page {self.page_id}"


class RelatedSlot(models.Model):
    """One slot of a list, with what a card needs so rendering is a single query."""

    class Reason(models.TextChoices):
        SIMILAR = "similar", _("Similar text")
        PINNED = "pinned", _("Pinned by an editor")
        CATEGORY = "category", _("Fallback: same category, most recent")
        RECENT = "recent", _("Fallback: most recent")

    source = models.ForeignKey(PAGE_MODEL, on_delete=models.CASCADE, related_name="+")
    target = models.ForeignKey(PAGE_MODEL, on_delete=models.CASCADE, related_name="+")
    rank = models.PositiveSmallIntegerField()
    score = models.FloatField(default=0.0)
    reason = models.CharField(max_length=16, choices=Reason.choices)
    shared_terms = models.JSONField(default=list, blank=True)
    model_version = models.CharField(max_length=40, blank=True)
    title = models.CharField(max_length=255)
    url = models.CharField(max_length=500)
    excerpt = models.TextField(blank=True)
    category = models.CharField(max_length=255, blank=True)
    thumbnail_url = models.CharField(max_length=500, blank=True)

    class Meta:
        abstract = True

    def __str__(self):
        return f"{self.source_id} → {self.target_id} (#{self.rank})"


class RelatedArticleQuerySet(models.QuerySet):
    def for_page(self, page, slots: int) -> list:
        """The first ``slots`` stored suggestions of ``page``, in one query (none for no page)."""
        if getattr(page, "pk", None) is None:
            return []
        return list(self.filter(source_id=page.pk).order_by("rank")[:slots])

    def shown_on(self, page, site) -> list:
        """What ``page`` shows on ``site``: as many suggestions as the site's settings ask for,
        settings and list read in one query (ranks count from 1)."""
        if getattr(page, "pk", None) is None:
            return []
        slots = RecommenderSettings.objects.filter(site=site).values("slots")[:1]
        default = RecommenderSettings._meta.get_field("slots").default
        limit = Coalesce(Subquery(slots), Value(default))
        return list(self.filter(source_id=page.pk, rank__lte=limit).order_by("rank"))


class RelatedArticle(RelatedSlot):
    """The live lists that pages render."""

    objects = RelatedArticleQuerySet.as_manager()

    class Meta:
        ordering = ["source", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["source", "rank"], name="unique_related_rank"),
        ]
        indexes = [models.Index(fields=["target"], name="related_target_idx")]


class StagedRelatedArticle(RelatedSlot):
    """Lists written by a full retrain's chunks, swapped in all at once when every chunk is done."""

    run = models.ForeignKey("RecommenderRun", on_delete=models.CASCADE, related_name="+")

    class Meta:
        indexes = [models.Index(fields=["run"], name="staged_run_idx")]


class StagedNeighbours(models.Model):
    """One chunk's share of a full retrain's neighbour table, kept until the swap."""

    run = models.ForeignKey("RecommenderRun", on_delete=models.CASCADE, related_name="+")
    model = models.ForeignKey(RecommenderModel, on_delete=models.CASCADE, related_name="+")
    start = models.PositiveIntegerField()
    stop = models.PositiveIntegerField()
    table = models.BinaryField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["model", "start"], name="one_block_per_chunk")
        ]

    def __str__(self):
        return f"rows {self.start}-{self.stop} of {self.model_id}"


class PendingRefresh(models.Model):
    """A page whose lists must be refreshed; written in the publishing transaction."""

    page_id = models.BigIntegerField(unique=True)
    requested_at = models.DateTimeField()

    def __str__(self):
        return f"page {self.page_id}"


class RecommenderRun(models.Model):
    class Kind(models.TextChoices):
        FULL = "full", _("Full retrain")
        INCREMENTAL = "incremental", _("Incremental refresh")

    class Status(models.TextChoices):
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")
        COALESCED = "coalesced", _("Merged into a running retrain")

    kind = models.CharField(max_length=16, choices=Kind.choices)
    trigger = models.CharField(max_length=32, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.RUNNING)
    model_version = models.CharField(max_length=40, blank=True)
    documents = models.PositiveIntegerField(default=0)
    vocabulary = models.PositiveIntegerField(default=0)
    pages = models.PositiveIntegerField(default=0, help_text="Pages refreshed incrementally.")
    coverage = models.FloatField(null=True, blank=True)
    chunks_total = models.PositiveIntegerField(default=0)
    chunks_done = models.PositiveIntegerField(default=0)
    chunks_started_at = models.DateTimeField(
        null=True, blank=True, help_text="When the first chunk of a full retrain started."
    )
    chunks_finished_at = models.DateTimeField(
        null=True, blank=True, help_text="When the last chunk of a full retrain finished."
    )
    chunk_compute_seconds = models.FloatField(
        default=0.0, help_text="Time all chunks spent computing lists, summed over workers."
    )
    chunk_write_seconds = models.FloatField(
        default=0.0, help_text="Time all chunks spent writing lists, summed over workers."
    )
    started_at = models.DateTimeField(auto_now_add=True)
    heartbeat_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    duration_seconds = models.FloatField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        verbose_name = _("recommender run")
        ordering = ["-started_at", "-pk"]
        permissions = [("retrain_recommender", _("Can retrain the recommender"))]
        constraints = [
            models.UniqueConstraint(
                fields=["status"],
                condition=models.Q(status="running"),
                name="one_running_recommender_run",
            )
        ]

    TRIGGER_LABELS = {
        "admin": _("Admin button"),
        "command": _("Management command"),
        "manual": _("Background task"),
        "publish": _("Publishing"),
        "first-publish": _("First publication"),
        "unusable-model": _("Unusable model replaced"),
    }

    def __str__(self):
        return f"{self.get_kind_display()} #{self.pk} ({self.status})"

    @property
    def neighbour_seconds(self) -> float | None:
        """From the first chunk starting to the last one finishing (a full retrain's lists)."""
        if self.chunks_started_at is None or self.chunks_finished_at is None:
            return None
        return (self.chunks_finished_at - self.chunks_started_at).total_seconds()

    def get_trigger_display(self):
        """The plugin's own triggers by label; other names (from the host's code) as given."""
        return self.TRIGGER_LABELS.get(self.trigger, self.trigger)


class EditorChoice(Orderable):
    page = models.ForeignKey(
        PAGE_MODEL, verbose_name=_("page"), on_delete=models.CASCADE, related_name="+"
    )

    panels = [FieldPanel("page")]

    class Meta(Orderable.Meta):
        abstract = True


class PinnedRelatedPage(EditorChoice):
    source = ParentalKey(PAGE_MODEL, on_delete=models.CASCADE, related_name="related_pins")

    class Meta(EditorChoice.Meta):
        verbose_name = _("pinned article")


class ExcludedRelatedPage(EditorChoice):
    source = ParentalKey(PAGE_MODEL, on_delete=models.CASCADE, related_name="related_exclusions")

    class Meta(EditorChoice.Meta):
        verbose_name = _("excluded article")
