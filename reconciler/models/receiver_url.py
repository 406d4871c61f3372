"""The receiver's path token and the callback URL made from it: the rules every part shares.

``cjrec receive`` serves ``POST /cj/<token>``; the token comes from ``CJREC_RECEIVER_TOKEN`` or
the sops-encrypted Settings field ``receiverToken`` (checked by :func:`token_problem` in both
places). A Webhooks topic may say ``url: {receiver: https://HOST}``: the callback CJ gets is
:func:`callback_url` (``https://HOST/cj/<token>``), composed only by apply's executor, at the
call. Everywhere else, plans, drift, state, the URL is :func:`masked_url`
(``https://HOST/cj/(receiver token sha256:…)``): the token's one-way fingerprint, so a
rotated token still shows as a change, and nothing that is printed or stored holds it.
:func:`masked_live_url` masks what CJ's ``setting/get`` answers the same way.
"""

from __future__ import annotations

import re

from reconciler.models.secret import Secret

PATH_PREFIX = "/cj/"
TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9_-]{24,128}$")
TOKEN_RULE = "24 to 128 letters, digits, '-' or '_' (an unguessable URL path part)"  # noqa: S105 - a rule's wording, not a token
MAKE_ONE = 'python -c "import secrets; print(secrets.token_urlsafe(32))"'
_MASK = re.compile(r"\(receiver token (sha256:[0-9a-f]{12})\)$")
OTHER_TOKEN = "(another token)"  # noqa: S105 - shown in place of a token
NOT_DECRYPTED = "(receiver token not decrypted)"


def token_problem(value: str) -> str | None:
    """Why ``value`` cannot be the path token, or None when it can."""
    return None if TOKEN_PATTERN.match(value) else f"the receiver token must be {TOKEN_RULE}"


def _base(base: str) -> str:
    return base.rstrip("/")


def callback_url(base: str, token: Secret) -> str:
    """The URL CJ posts to: only for the webhook/set call itself."""
    return f"{_base(base)}{PATH_PREFIX}{token.reveal()}"


def fingerprint(token: Secret) -> str:
    """The token's short one-way digest shown and stored in its place."""
    return token.fingerprint()[: len("sha256:") + 12]


def masked_url(base: str, token: Secret) -> str:
    """The callback URL as plans, drift and the state show it."""
    return f"{_base(base)}{PATH_PREFIX}(receiver token {fingerprint(token)})"


def unmask(url: str, token: Secret) -> str | None:
    """The real callback for a masked URL made with ``token``; None when the URL is not a masked one,
    or was masked with another token (the plan was made before the token changed)."""
    found = _MASK.search(url)
    if found is None:
        return None
    if found.group(1) != fingerprint(token):
        return None
    return url[: found.start()] + token.reveal()


def is_masked(url: str | None) -> bool:
    """True for a URL :func:`masked_url` made."""
    return url is not None and _MASK.search(url) is not None


def masked_live_url(url: str | None, token: Secret | None) -> str | None:
    """A callback URL CJ reports, with a receiver token in it masked: the current one as :func:`masked_url`
    does, any other ``/cj/<token>`` path as :data:`OTHER_TOKEN`."""
    if url is None or token is None:
        return url
    head, sep, tail = url.partition(PATH_PREFIX)
    if not sep or not tail:
        return url
    if tail == token.reveal():
        return masked_url(head, token)
    return f"{head}{PATH_PREFIX}{OTHER_TOKEN}" if TOKEN_PATTERN.match(tail) else url
