"""Which ``.sops.yaml`` creation rule sops applies to a file, and how to make it encrypt every value.

The token cache must be ciphertext whatever the repository's rules say. A rule's
``encrypted_regex``/``encrypted_suffix``/``unencrypted_regex``/``unencrypted_suffix`` limit
which keys sops encrypts (common shape: a ``.*\\.sops\\.(ya?ml|json)$`` rule written for the
manifests, with ``encrypted_regex: ^(email|apiToken|…)$``), and the rule that matches may not be
the one the user meant (sops matches ``path_regex`` against the path relative to the
``.sops.yaml`` it found, so ``.*/state/.*`` never matches ``state/token.sops.json``).

sops finds ``.sops.yaml`` by walking up from its working directory and uses the first rule
whose ``path_regex`` matches. This module does the same, then says how to call sops so that
every value is encrypted to that rule's keys: the same kind of option on the command line
(it takes precedence over the rule's) set so that it selects every key; or, where no such
value exists (``encrypted_suffix``, the comment regexes), the rule's recipients given
explicitly with the configuration switched off. Where neither is possible (``key_groups``
with such an option) the caller refuses and names the rule.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from reconciler.errors import SecretsError

CONFIG_NAME = ".sops.yaml"

# the command-line value of the same kind of option that leaves no key in plaintext
_OVERRIDES = {
    "encrypted_regex": ("--encrypted-regex", "^"),  # matches every key
    "unencrypted_regex": ("--unencrypted-regex", "^$"),  # matches only an empty key, which the cache never has
    "unencrypted_suffix": ("--unencrypted-suffix", "_cjrec_never_plaintext"),  # no cache key ends so
}
_NOT_OVERRIDABLE = ("encrypted_suffix", "encrypted_comment_regex", "unencrypted_comment_regex")
# rule key → sops flag, for recipients given explicitly
_RECIPIENT_FLAGS = {
    "age": "--age",
    "pgp": "--pgp",
    "kms": "--kms",
    "gcp_kms": "--gcp-kms",
    "azure_keyvault": "--azure-kv",
    "hc_vault_transit_uri": "--hc-vault-transit",
}


@dataclass(frozen=True)
class Recipients:
    """Who the cache is encrypted to when no .sops.yaml rule covers it."""

    age: tuple[str, ...] = ()
    pgp: tuple[str, ...] = ()

    @classmethod
    def of_sops_metadata(cls, meta: object) -> Recipients:
        """The recipients listed in a sops-encrypted document's ``sops`` block."""
        if not isinstance(meta, dict):
            return cls()
        age = tuple(str(e["recipient"]) for e in meta.get("age") or [] if isinstance(e, dict) and e.get("recipient"))
        pgp = tuple(str(e["fp"]) for e in meta.get("pgp") or [] if isinstance(e, dict) and e.get("fp"))
        return cls(age, pgp)

    def sops_args(self) -> list[str]:
        args = ["--config", os.devnull]
        if self.age:
            args += ["--age", ",".join(self.age)]
        if self.pgp:
            args += ["--pgp", ",".join(self.pgp)]
        return args


@dataclass(frozen=True)
class Rule:
    """One creation rule: where it is, and what it says."""

    config: Path
    number: int  # 1-based, as a user counts them
    body: dict[str, Any]

    @property
    def name(self) -> str:
        pattern = self.body.get("path_regex")
        shown = f"path_regex {pattern!r}" if pattern is not None else "no path_regex (matches every file)"
        return f"{self.config} creation rule #{self.number} ({shown})"


@dataclass(frozen=True)
class EncryptAll:
    """How to call sops so that every value is encrypted: extra arguments, and the rule they come from."""

    args: tuple[str, ...]
    rule: Rule | None  # None: no rule matches (sops would refuse; the caller falls back)


def find_config(start: Path) -> Path | None:
    """The ``.sops.yaml`` sops would use when started in ``start``: there or in the closest parent."""
    for folder in (start, *start.parents):
        candidate = folder / CONFIG_NAME
        if candidate.is_file():
            return candidate
    return None


def matching_rule(config: Path, target: Path) -> Rule | None:
    """The first rule of ``config`` whose path_regex matches ``target`` relative to the config's folder."""
    try:
        loaded = yaml.safe_load(config.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise SecretsError(
            f"{config}: cannot read the sops rules ({type(exc).__name__})", hint="fix .sops.yaml so sops can read it"
        ) from None
    rules = loaded.get("creation_rules") if isinstance(loaded, dict) else None
    if not isinstance(rules, list):
        return None
    try:
        relative = target.resolve().relative_to(config.parent.resolve()).as_posix()
    except ValueError:
        relative = target.resolve().as_posix()
    for number, body in enumerate(rules, start=1):
        if not isinstance(body, dict):
            continue
        pattern = body.get("path_regex")
        if pattern is None:
            return Rule(config, number, body)
        try:
            if re.search(str(pattern), relative):
                return Rule(config, number, body)
        except re.error:
            raise SecretsError(
                f"{config} creation rule #{number}: path_regex {pattern!r} is not a regular expression cjrec can read",
                hint="fix the rule's path_regex",
            ) from None
    return None


def encrypt_all(start: Path, target: Path) -> EncryptAll:
    """The sops arguments that encrypt every value of ``target`` under the rule sops would use from ``start``.

    Raises SecretsError naming the rule when sops cannot be made to do that.
    """
    config = find_config(start)
    rule = matching_rule(config, target) if config is not None else None
    if rule is None:
        return EncryptAll((), None)
    limiting = [key for key in (*_OVERRIDES, *_NOT_OVERRIDABLE) if rule.body.get(key) not in (None, "")]
    if not limiting:
        return EncryptAll((), rule)
    if len(limiting) == 1 and limiting[0] in _OVERRIDES:
        flag, value = _OVERRIDES[limiting[0]]
        return EncryptAll((flag, value), rule)
    explicit = _explicit_recipients(rule)
    if explicit is None:
        raise SecretsError(
            f"cannot keep the token cache {target.name} fully encrypted: {rule.name} sets "
            f"{', '.join(limiting)}, which would leave some of its fields in plaintext, and names its keys "
            "in a way cjrec cannot pass to sops on the command line (key_groups, or none); nothing was written",
            hint=f"add a rule for the cache before rule #{rule.number}: "
            "`- path_regex: state/token\\.sops\\.json$` with `age: <your public key>` and no encrypted_* options",
        )
    return EncryptAll(explicit, rule)


def _explicit_recipients(rule: Rule) -> tuple[str, ...] | None:
    if rule.body.get("key_groups"):
        return None
    args: list[str] = ["--config", os.devnull]
    for key, flag in _RECIPIENT_FLAGS.items():
        value = rule.body.get(key)
        items = value if isinstance(value, list) else str(value or "").split(",")
        names = [str(item).strip() for item in items if str(item).strip()]
        if names:
            args += [flag, ",".join(names)]
    if rule.body.get("aws_profile"):
        args += ["--aws-profile", str(rule.body["aws_profile"])]
    return tuple(args) if len(args) > 2 else None
