"""Keys that sign and verify stored model artifacts, derived from the site's ``SECRET_KEY``.

Each artifact kind gets its own key. New artifacts are signed with the key from ``SECRET_KEY``;
those signed under a secret in ``SECRET_KEY_FALLBACKS`` still verify, so rotating the secret
keeps stored models usable until they are next retrained.
"""

from __future__ import annotations

from django.conf import settings
from django.utils.crypto import salted_hmac

PURPOSE = "recommender.signing.artifact"


def derive_key(kind: str, secret: str | bytes) -> bytes:
    return salted_hmac(f"{PURPOSE}:{kind}", kind, secret=secret, algorithm="sha256").digest()


def signing_key(kind: str) -> bytes:
    return derive_key(kind, settings.SECRET_KEY)


def verification_keys(kind: str) -> list[bytes]:
    secrets = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return [derive_key(kind, secret) for secret in secrets if secret]
