"""Signed links and cookies: confirm an email, unsubscribe, prove a browser confirmed."""

from __future__ import annotations

import secrets
import time

from django.core import signing
from django.utils import timezone

from . import conf
from .models import Commenter
from .ratelimit import keyed_hash

CONFIRM_SALT = "reader_comments.confirm-email"
UNSUBSCRIBE_SALT = "reader_comments.unsubscribe"
TRUST_SALT = "reader_comments.trusted-browser"
TRUST_COOKIE = "reader_comments_trust"


class LinkInvalid(Exception):
    """The link was altered, or its commenter or email address is gone."""


class LinkExpired(LinkInvalid):
    """The link was genuine but is too old."""


class LinkUsed(LinkInvalid):
    """The confirmation link was genuine but has been used already."""


def _claims(commenter: Commenter) -> dict[str, object]:
    # The email's hash ties the link to the address it was sent to.
    return {"c": commenter.pk, "e": keyed_hash("token-email", commenter.email)[:16]}


def _commenter(claims: object) -> Commenter:
    if not isinstance(claims, dict):
        raise LinkInvalid("malformed claims")
    commenter = Commenter.objects.filter(pk=claims.get("c")).first()
    if commenter is None or _claims(commenter)["e"] != claims.get("e"):
        raise LinkInvalid("no such commenter")
    return commenter


def confirm_token(commenter: Commenter) -> str:
    """A link that works once: it carries the commenter's current nonce, which using it clears."""
    if not commenter.confirm_nonce:
        commenter.confirm_nonce = secrets.token_urlsafe(16)
        commenter.save(update_fields=["confirm_nonce"])
    claims = {**_claims(commenter), "n": commenter.confirm_nonce}
    return signing.TimestampSigner(salt=CONFIRM_SALT).sign_object(claims)


def _confirm_claims(token: str) -> dict:
    signer = signing.TimestampSigner(salt=CONFIRM_SALT)
    try:
        return signer.unsign_object(token, max_age=conf.get("COMMENTS_CONFIRM_MAX_AGE"))
    except signing.SignatureExpired as exc:
        raise LinkExpired(str(exc)) from exc
    except (signing.BadSignature, ValueError) as exc:
        raise LinkInvalid(str(exc)) from exc


def read_confirm_token(token: str) -> Commenter:
    claims = _confirm_claims(token)
    commenter = _commenter(claims)
    if not claims.get("n") or claims["n"] != commenter.confirm_nonce:
        raise LinkUsed("link already used")
    return commenter


def use_confirm_token(token: str) -> Commenter:
    """Spend the link; of two uses (even at the same moment) only the first succeeds."""
    commenter = read_confirm_token(token)
    spent = Commenter.objects.filter(pk=commenter.pk, confirm_nonce=commenter.confirm_nonce)
    if not spent.update(confirm_nonce="", confirm_link_used_at=timezone.now()):
        raise LinkUsed("link already used")
    commenter.refresh_from_db()
    return commenter


def unsubscribe_token(commenter: Commenter) -> str:
    return signing.Signer(salt=UNSUBSCRIBE_SALT).sign_object(_claims(commenter))


def read_unsubscribe_token(token: str) -> Commenter:
    try:
        claims = signing.Signer(salt=UNSUBSCRIBE_SALT).unsign_object(token)
    except (signing.BadSignature, ValueError) as exc:
        raise LinkInvalid(str(exc)) from exc
    return _commenter(claims)


def trust_cookie_value(commenter: Commenter) -> str:
    claims = {**_claims(commenter), "i": int(time.time() * 1000)}
    return signing.dumps(claims, salt=TRUST_SALT, compress=True)


def trusted_commenter_id(cookie: str | None) -> int | None:
    """The commenter whose confirmation link was opened in this browser, if any."""
    if not cookie:
        return None
    try:
        claims = signing.loads(
            cookie, salt=TRUST_SALT, max_age=conf.get("COMMENTS_TRUST_COOKIE_AGE")
        )
    except (signing.BadSignature, ValueError):
        return None
    try:
        commenter = _commenter(claims)
    except LinkInvalid:
        return None
    return commenter.pk if _issued_after_withdrawal(commenter, claims) else None


def _issued_after_withdrawal(commenter: Commenter, claims: dict) -> bool:
    if commenter.trust_withdrawn_at is None:
        return True
    issued = claims.get("i")
    withdrawn = commenter.trust_withdrawn_at.timestamp() * 1000
    return isinstance(issued, int) and issued > withdrawn
