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
from django.utils.dateparse import parse_datetime

from recommender.signing import signing_key, verification_keys

from . import conf
from .models import ArticleComment, CommentSettings, ErasureMark, SpamModel
from .spam_filter import (
    ARTIFACT_KIND,
    HAM,
    SPAM,
    ArtifactMismatch,
    ArtifactRefused,
    SpamFilter,
    SpamFilterConfig,
)
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
    decisions: int = 0  # moderator decisions it was trained on (its weight in the blend)


class SpamModelRefused(Exception):
    """The active model's artifact was refused; comments wait for a moderator until a retrain."""

    def __init__(self, reason: str, first: bool = False):
        super().__init__(reason)
        self.first = first  # the first time this process found this version refused


@dataclass(frozen=True)
class Refusal:
    reason: str


_loaded: dict[str, LoadedFilter | Refusal] = {}
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
    read_at = timezone.now()
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
        params={"config": config.to_dict(), "examples_read_at": read_at.isoformat()},
        artifact=fitted.to_bytes(signing_key(ARTIFACT_KIND)),
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


def forget_erased() -> SpamModel | None:
    """Erased comments must leave every stored model: while a model learned from examples read
    before the latest erasure exists, retrain and delete it. Idempotent; run after each erasure
    and periodically, so a lost message or a failed worker only delays it."""
    latest = ErasureMark.objects.values_list("erased_at", flat=True).first()
    if latest is None or not stale_models(latest):
        return None
    model = retrain(trigger="erasure")
    SpamModel.objects.filter(pk__in=stale_models(latest)).delete()
    ErasureMark.objects.filter(erased_at__lt=latest).delete()
    return model


def stale_models(erased_at) -> list[int]:
    """Models whose examples were read at or before ``erased_at`` (or, without that record,
    which were created by then)."""
    rows = SpamModel.objects.values_list("pk", "created_at", "params")
    return [pk for pk, created, params in rows if examples_read_at(created, params) <= erased_at]


def examples_read_at(created_at, params: dict):
    return parse_datetime(str(params.get("examples_read_at", ""))) or created_at


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
    """The active filter, verified and unpickled once per process and version.

    None when no model has been trained yet; ``SpamModelRefused`` when the stored one is unusable.
    """
    version = SpamModel.objects.filter(is_active=True).values_list("version", flat=True).first()
    if version is None:
        return None
    first = version not in _loaded
    if first:
        with _lock:
            row = SpamModel.objects.filter(version=version).values("artifact", "decisions").first()
            _loaded.clear()
            _loaded[version] = _unpickle(version, row)
    loaded = _loaded[version]
    if isinstance(loaded, Refusal):
        raise SpamModelRefused(loaded.reason, first)
    return loaded


def _unpickle(version: str, row: dict | None) -> LoadedFilter | Refusal:
    data, decisions = (row["artifact"], row["decisions"]) if row else (None, 0)
    keys = verification_keys(ARTIFACT_KIND)
    try:
        return LoadedFilter(version, SpamFilter.from_bytes(bytes(data or b""), keys), decisions)
    except ArtifactRefused as exc:
        logger.error(
            "Spam model %s refused, its signature did not verify (%s); nothing was loaded. "
            "Comments wait for a moderator; run manage.py retrain_spam_filter",
            version,
            exc,
        )
        return Refusal(f"spam model {version} refused, signature: {exc}")
    except ArtifactMismatch as exc:
        logger.warning("Spam model %s is unusable (%s); run retrain_spam_filter", version, exc)
        return Refusal(f"spam model {version} unusable: {exc}")


def spam_score(text: str) -> tuple[float | None, str]:
    """(probability, what gave it), or (None, "") with no usable model or on a scoring failure.

    The site's own model and the shipped starter are blended by ``own_weight``; the version
    says which were used: "<own version>", "<own version>+starter" or "starter-<sha256 prefix>".
    ``SpamModelRefused`` when the stored own model was refused, so the caller holds the comment.
    """
    try:
        loaded = load_active()
        own = None if loaded is None else loaded.filter.spam_probability([text])[0]
        starter = starter_probability(text)
        decisions = loaded.decisions if loaded else 0
        return blend(own, starter, decisions, loaded.version if loaded else "")
    except SpamModelRefused:
        raise
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


def may_bin(version: str) -> bool:
    """Whether a score may mark a comment as spam unseen: only once the site's own model carries
    at least half the weight. A score led by the starter (trained on another site's comments)
    can hold a comment for a moderator, never bin it."""
    if not version.endswith("+starter"):
        return not version.startswith("starter-")
    loaded = _loaded.get(version.removesuffix("+starter"))
    return isinstance(loaded, LoadedFilter) and own_weight(loaded.decisions) >= 0.5


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
