"""A wrapper that keeps a secret out of every string cjrec might print or log."""

from __future__ import annotations

import hashlib

REDACTED = "(sensitive)"


class Secret:
    """Holds a secret string; ``str()``, ``repr()`` and formatting show ``(sensitive)``.

    The value is read only through :meth:`reveal`, at the one place that must send it
    (the HTTP client, the sops adapter). :meth:`fingerprint` gives a one-way digest that
    may be stored to notice that the secret changed, without storing the secret.
    """

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        """The secret itself: only for sending it where it belongs."""
        return self._value

    def fingerprint(self) -> str:
        """A short one-way digest, safe to store and compare."""
        return "sha256:" + hashlib.sha256(self._value.encode("utf-8")).hexdigest()[:32]

    def __repr__(self) -> str:
        return f"Secret({REDACTED})"

    def __str__(self) -> str:
        return REDACTED

    def __format__(self, spec: str) -> str:
        return REDACTED

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(("Secret", self._value))

    def __reduce__(self) -> tuple[object, ...]:
        raise TypeError("a Secret cannot be pickled")


def mask_email(address: str) -> str:
    """``y***@example.com``: enough to recognise an account, not to reveal it."""
    user, _, domain = address.partition("@")
    return f"{user[:1]}***@{domain}" if domain else "***"
