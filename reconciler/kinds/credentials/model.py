"""The credentials kind's name. Its document gives the account's ``Desired.credentials``, not resources."""

from __future__ import annotations

KIND = "credentials"
