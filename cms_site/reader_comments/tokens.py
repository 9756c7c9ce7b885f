"""Signed links and cookies: confirm an email, unsubscribe, prove a browser confirmed."""

from __future__ import annotations

from django.core import signing

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


def _claims(commenter: Commenter) -> dict[str, object]:
    # The email's hash ties the link to the address it was sent to.
    return {"c": commenter.pk, "e": keyed_hash("token-email", commenter.email)[:16]}


def _commenter(claims: object) -> Commenter:
    if not isinstance(claims, dict):
        raise LinkInvalid("malformed claims")
    commenter = Commenter.objects.filter(pk=claims.get("c")).first()
    if commenter is None or _claims(commenter) != claims:
        raise LinkInvalid("no such commenter")
    return commenter


def confirm_token(commenter: Commenter) -> str:
    return signing.TimestampSigner(salt=CONFIRM_SALT).sign_object(_claims(commenter))


def read_confirm_token(token: str) -> Commenter:
    signer = signing.TimestampSigner(salt=CONFIRM_SALT)
    try:
        claims = signer.unsign_object(token, max_age=conf.get("COMMENTS_CONFIRM_MAX_AGE"))
    except signing.SignatureExpired as exc:
        raise LinkExpired(str(exc)) from exc
    except (signing.BadSignature, ValueError) as exc:
        raise LinkInvalid(str(exc)) from exc
    return _commenter(claims)


def unsubscribe_token(commenter: Commenter) -> str:
    return signing.Signer(salt=UNSUBSCRIBE_SALT).sign_object(_claims(commenter))


def read_unsubscribe_token(token: str) -> Commenter:
    try:
        claims = signing.Signer(salt=UNSUBSCRIBE_SALT).unsign_object(token)
    except (signing.BadSignature, ValueError) as exc:
        raise LinkInvalid(str(exc)) from exc
    return _commenter(claims)


def trust_cookie_value(commenter: Commenter) -> str:
    return signing.dumps(_claims(commenter), salt=TRUST_SALT, compress=True)


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
        return _commenter(claims).pk
    except LinkInvalid:
        return None
