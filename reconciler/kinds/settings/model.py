"""The settings kind's name. Its document gives the account's ``Desired.settings``, not resources."""

from __future__ import annotations

KIND = "settings"
