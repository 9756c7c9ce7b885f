"""Train the spam filter on moderator decisions, store versions in the database, score comments."""

from __future__ import annotations

import logging
import random
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from django.db import IntegrityError, transaction
from django.utils import timezone

from . import conf
from .models import ArticleComment, CommentSettings, SpamModel
from .spam_filter import HAM, SPAM, ArtifactMismatch, SpamFilter, SpamFilterConfig
from .spam_filter.evaluation import load_jsonl, score
from .spam_filter.starter import shipped_starter, starter_id
from .spam_filter.text import dedup_key

logger = logging.getLogger(__name__)
HOLDOUT_SHARE = 0.2
MIN_HOLDOUT_PER_CLASS = 5
Status = ArticleComment.Status


@dataclass(frozen=True)
class Example:
    text: str
    label: str


@dataclass(frozen=True)
class LoadedFilter:
    version: str
    filter: SpamFilter


_loaded: dict[str, LoadedFilter | None] = {}
_lock = threading.Lock()


def decisions():
    """Comments a moderator marked as approved (ham) or spam."""
    return ArticleComment.objects.filter(
        status_reason=ArticleComment.Reason.MODERATOR,
        status__in=[Status.APPROVED, Status.SPAM],
    )


def decision_examples() -> list[Example]:
    rows = decisions().order_by("-moderated_at", "-pk").values_list("body", "status")
    return [Example(body, SPAM if status == Status.SPAM else HAM) for body, status in rows]


def seed_examples(paths: list[str] | None = None) -> list[Example]:
    examples = []
    for path in paths if paths is not None else conf.get("COMMENTS_SPAM_SEED_CORPUS"):
        examples += [Example(e.text, e.label) for e in load_jsonl(Path(path))]
    return examples


def new_version() -> str:
    return f"{timezone.now():%Y%m%d%H%M%S}-{uuid.uuid4().hex[:8]}"


def holdout_metrics(examples: list[Example], config: SpamFilterConfig) -> dict[str, float]:
    """Precision, recall and F1 (spam positive) on a stratified, seeded 20% holdout."""
    rng = random.Random(0)
    train, test = [], []
    for label in (SPAM, HAM):
        group = [e for e in examples if e.label == label]
        rng.shuffle(group)
        cut = max(MIN_HOLDOUT_PER_CLASS, int(len(group) * HOLDOUT_SHARE))
        if len(group) < 2 * cut:
            return {}
        test += group[:cut]
        train += group[cut:]
    held_out = {dedup_key(e.text) for e in test}
    train = [e for e in train if dedup_key(e.text) not in held_out]
    try:
        fitted = SpamFilter.train([e.text for e in train], [e.label for e in train], config)
    except ValueError:
        return {}
    predicted = [label == SPAM for label in fitted.predict([e.text for e in test])]
    return {**score([e.label for e in test], predicted).as_dict(), "holdout": len(test)}


def retrain(trigger: str = "manual", seed_paths: list[str] | None = None) -> SpamModel | None:
    """Train on every moderator decision plus the seed corpus; None if there is too little."""
    started = time.perf_counter()
    own = decision_examples()
    seed = seed_examples(seed_paths)
    examples = _unique(own + seed)
    config = SpamFilterConfig()
    try:
        fitted = SpamFilter.train([e.text for e in examples], [e.label for e in examples], config)
    except ValueError as exc:
        logger.info("Spam filter not retrained (%s): %s", trigger, exc)
        return None
    model = SpamModel(
        version=new_version(),
        trigger=trigger[:20],
        decisions=len(own),
        seed_examples=len(seed),
        spam_examples=sum(e.label == SPAM for e in examples),
        ham_examples=sum(e.label == HAM for e in examples),
        metrics=holdout_metrics(examples, config),
        params={"config": config.to_dict()},
        artifact=fitted.to_bytes(),
    )
    model.metrics["seconds"] = round(time.perf_counter() - started, 3)
    activate(model)
    logger.info("Spam filter %s trained on %s examples", model.version, len(examples))
    return model


def _unique(examples: list[Example]) -> list[Example]:
    """First example of each text wins, so the latest moderator decision beats the seed."""
    kept: dict[str, Example] = {}
    for example in examples:
        kept.setdefault(dedup_key(example.text), example)
    return list(kept.values())


def retrain_after_erasure() -> SpamModel | None:
    """Erased comments must leave every stored model: retrain, then drop all other versions."""
    model = retrain(trigger="erasure")
    stale = SpamModel.objects.all() if model is None else SpamModel.objects.exclude(pk=model.pk)
    stale.delete()
    return model


def activate(model: SpamModel, attempts: int = 2) -> None:
    """Save the model as the only active one (a concurrent retrain may win the race once)."""
    for attempt in range(1, attempts + 1):
        try:
            with transaction.atomic():
                SpamModel.objects.filter(is_active=True).update(is_active=False)
                model.is_active = True
                model.save()
        except IntegrityError:
            if attempt == attempts:
                raise
            continue
        break
    kept = conf.get("COMMENTS_SPAM_MODELS_KEPT")
    stale = SpamModel.objects.filter(is_active=False).order_by("-created_at", "-pk")[kept:]
    SpamModel.objects.filter(pk__in=[m.pk for m in stale]).delete()


def active_model() -> SpamModel | None:
    return SpamModel.objects.filter(is_active=True).first()


def decisions_since_training() -> int:
    model = SpamModel.objects.filter(is_active=True).only("created_at").first()
    fresh = decisions()
    if model is not None:
        fresh = fresh.filter(moderated_at__gt=model.created_at)
    return fresh.count()


def retrain_if_due(every: int | None = None) -> SpamModel | None:
    """Retrain once the site's "retrain after" count of new decisions is reached."""
    every = every or CommentSettings.for_default_site().retrain_after
    if decisions_since_training() < every:
        return None
    return retrain(trigger="decisions")


def load_active() -> LoadedFilter | None:
    """The active filter, unpickled once per process and version."""
    version = SpamModel.objects.filter(is_active=True).values_list("version", flat=True).first()
    if version is None:
        return None
    if version not in _loaded:
        with _lock:
            data = SpamModel.objects.filter(version=version).values_list("artifact", flat=True)
            _loaded.clear()
            _loaded[version] = _unpickle(version, data.first())
    return _loaded[version]


def _unpickle(version: str, data: bytes | memoryview | None) -> LoadedFilter | None:
    try:
        return LoadedFilter(version, SpamFilter.from_bytes(bytes(data or b"")))
    except ArtifactMismatch as exc:
        logger.warning("Spam model %s is unusable (%s); run retrain_spam_filter", version, exc)
        return None


def spam_score(text: str) -> tuple[float | None, str]:
    """(probability, what gave it), or (None, "") with no usable model or on any failure.

    The site's own model and the shipped starter are blended by ``own_weight``; the version
    says which were used: "<own version>", "<own version>+starter" or "starter-<sha256 prefix>".
    """
    try:
        loaded = load_active()
        own = None if loaded is None else loaded.filter.spam_probability([text])[0]
        starter = starter_probability(text)
        return blend(own, starter, own_decisions(loaded), loaded.version if loaded else "")
    except Exception:
        logger.exception("Spam scoring failed; the comment continues without a score")
        return None, ""


def own_weight(decisions: int, handover: int | None = None) -> float:
    """Weight of the site's own model after this many moderator decisions: n / (n + K)."""
    handover = conf.get("COMMENTS_SPAM_STARTER_HANDOVER") if handover is None else handover
    handover = max(handover, 0)
    return decisions / (decisions + handover) if decisions + handover > 0 else 1.0


def blend(
    own: float | None, starter: float | None, decisions: int, own_version: str
) -> tuple[float | None, str]:
    if starter is None:
        return own, own_version if own is not None else ""
    if own is None:
        return starter, starter_id()
    weight = own_weight(decisions)
    return weight * own + (1 - weight) * starter, f"{own_version}+starter"


def own_decisions(loaded: LoadedFilter | None) -> int:
    if loaded is None:
        return 0
    rows = SpamModel.objects.filter(version=loaded.version).values_list("decisions", flat=True)
    return rows.first() or 0


def starter_probability(text: str) -> float | None:
    """The shipped starter's probability, or None when it is switched off or unusable."""
    if not conf.get("COMMENTS_SPAM_STARTER"):
        return None
    try:
        scorer = shipped_starter()
    except (OSError, ArtifactMismatch) as exc:
        logger.warning("The starter spam model is unusable (%s); scoring without it", exc)
        return None
    return scorer.spam_probability([text])[0]
