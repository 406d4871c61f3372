"""sops for tests: the sops binary of the virtualenv, throw-away age keys, and the .sops.yaml rules.

Used by the ``age_key`` and ``workspace`` fixtures (tests/conftest.py) and by tests that run
sops themselves or need a second key. ``SOPS_RULES`` is the ``.sops.yaml`` of a test
workspace, to be filled with ``.format(public=key.public)``.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from pyrage import x25519

SOPS = str(Path(sys.executable).parent / "sops")


@dataclass(frozen=True)
class AgeKey:
    """A throw-away age key pair made for one test session."""

    private: str
    public: str


def make_age_key() -> AgeKey:
    identity = x25519.Identity.generate()
    return AgeKey(private=str(identity), public=str(identity.to_public()))


SOPS_RULES = """\
creation_rules:
  - path_regex: manifests/.*\\.sops\\.ya?ml$
    encrypted_regex: ^(email|apiToken|accessToken|refreshToken|receiverToken|clientId|clientSecret|consumerKey|consumerSecret)$
    age: {public}
  - path_regex: state/.*
    age: {public}
"""
