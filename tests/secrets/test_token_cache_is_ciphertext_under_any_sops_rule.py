"""The token cache has no plaintext field whatever the repository's .sops.yaml rule for it says.

Each rule shape a real repository might have is written, the cache saved through sops, and the
file read back as bytes: no value of the cache may appear, and every field must be ``ENC[…]``.
Where sops cannot be made to encrypt everything, cjrec refuses, names the rule, and writes nothing.
"""

from __future__ import annotations

import json
import os
from datetime import timedelta
from pathlib import Path

import pytest

from reconciler.adapters.sops import Sops
from reconciler.adapters.sops_rules import encrypt_all, find_config, matching_rule
from reconciler.adapters.token_store import CachedTokens, TokenStore
from reconciler.errors import SecretsError
from reconciler.models.cj import TokenPair
from reconciler.models.secret import Secret
from tests.support.client_fakes import T0
from tests.support.sops_keys import SOPS
from tests.support.workspace import Workspace

ACCESS = "API@CJ42@CJ:" + "a" * 300
REFRESH = "refresh-" + "r" * 60
OPEN_ID = "1700000000000000042"


def sample() -> CachedTokens:
    pair = TokenPair(Secret(ACCESS), T0 + timedelta(days=15), Secret(REFRESH), T0 + timedelta(days=180), OPEN_ID, T0)
    return CachedTokens(
        Secret("the-api-key").fingerprint(), pair, T0, "getAccessToken", "acct-fingerprint-1234", 4.0, T0
    )


def plaintext_values(cached: CachedTokens) -> list[bytes]:
    """Every value the cache holds long enough to search for (format_version 1 is checked as a field)."""
    body = json.loads(cached.to_json())
    values = [json.dumps(v).encode() if not isinstance(v, str) else v.encode() for v in body.values()]
    return [v for v in values if len(v) >= 6]


MANIFEST_FIELDS = "^(email|apiToken|accessToken|refreshToken|receiverToken|clientId|clientSecret|consumerKey|consumerSecret)$"

SHAPES = {
    # the common shape: one rule for every *.sops.* file, written for the manifests' secret fields
    "sops-files-with-encrypted-regex": [
        {"path_regex": r".*\.sops\.(ya?ml|json)$", "encrypted_regex": MANIFEST_FIELDS, "age": "{key}"}
    ],
    # a rule for state/ that never matches (sops matches paths relative to .sops.yaml), then the common one
    "state-rule-that-never-matches": [
        {"path_regex": ".*/state/.*", "age": "{key}"},
        {"path_regex": r".*\.sops\.(ya?ml|json)$", "encrypted_regex": MANIFEST_FIELDS, "age": "{key}"},
    ],
    "encrypted-suffix": [{"path_regex": "state/", "encrypted_suffix": "_token", "age": "{key}"}],
    "unencrypted-regex": [{"path_regex": "state/", "unencrypted_regex": "^(open_id|created|source)$", "age": "{key}"}],
    "unencrypted-suffix": [{"path_regex": "state/", "unencrypted_suffix": "_fingerprint", "age": "{key}"}],
    "catch-all-rule-with-encrypted-regex": [{"encrypted_regex": "^access_token$", "age": "{key}"}],
    "key-groups-with-encrypted-regex": [
        {"path_regex": "token", "encrypted_regex": "^refresh_token$", "key_groups": [{"age": ["{key}"]}]}
    ],
    "the-rule-cjrec-init-writes": [
        {"path_regex": r"manifests/.*\.sops\.ya?ml$", "encrypted_regex": MANIFEST_FIELDS, "age": "{key}"},
        {"path_regex": r"state/token\.sops\.json$", "age": "{key}"},
    ],
}


def write_rules(workspace: Workspace, rules: list[dict[str, object]]) -> None:
    text = json.dumps({"creation_rules": rules}).replace("{key}", workspace.key.public)
    (workspace.root / ".sops.yaml").write_text(text)  # JSON is YAML


@pytest.fixture
def keyed(workspace: Workspace, monkeypatch: pytest.MonkeyPatch) -> Workspace:
    monkeypatch.setenv("SOPS_AGE_KEY", workspace.key.private)
    monkeypatch.setenv("SOPS_DISABLE_VERSION_CHECK", "1")
    return workspace


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_every_value_of_the_cache_is_ciphertext(keyed: Workspace, shape: str) -> None:
    write_rules(keyed, SHAPES[shape])
    store = TokenStore(keyed.root / "state", Sops(binary=SOPS))
    cached = sample()
    store.save(cached)
    raw = store.file.path.read_bytes()
    for value in plaintext_values(cached):
        assert value not in raw, f"{value[:30]!r} is in plaintext under {shape}"
    doc = json.loads(raw)
    fields = {k: v for k, v in doc.items() if k != "sops"}
    assert set(fields) == set(json.loads(cached.to_json()))
    assert all(isinstance(v, str) and v.startswith("ENC[") for v in fields.values()), fields
    assert keyed.key.public in raw.decode()
    loaded = store.load()
    assert loaded == cached


def test_a_rule_whose_limits_cannot_be_lifted_and_whose_keys_are_key_groups_is_refused_by_name(
    keyed: Workspace,
) -> None:
    write_rules(
        keyed,
        [
            {"path_regex": "manifests/", "age": "{key}"},
            {"path_regex": "state/", "encrypted_suffix": "_token", "key_groups": [{"age": ["{key}"]}]},
        ],
    )
    store = TokenStore(keyed.root / "state", Sops(binary=SOPS))
    with pytest.raises(SecretsError) as info:
        store.save(sample())
    message = info.value.message
    assert "creation rule #2" in message and "'state/'" in message and "encrypted_suffix" in message
    assert "nothing was written" in message
    assert "rule #2" in (info.value.hint or "")
    assert not store.file.path.exists()
    assert not list(store.file.path.parent.glob(".*.tmp"))


def test_a_refused_save_leaves_the_previous_cache_as_it_was(keyed: Workspace) -> None:
    store = TokenStore(keyed.root / "state", Sops(binary=SOPS))
    write_rules(keyed, SHAPES["the-rule-cjrec-init-writes"])
    store.save(sample())
    before = store.file.path.read_bytes()
    write_rules(keyed, [{"path_regex": "state/", "encrypted_suffix": "_token", "key_groups": [{"age": ["{key}"]}]}])
    with pytest.raises(SecretsError):
        store.save(CachedTokens("other", None, T0))
    assert store.file.path.read_bytes() == before


def test_validate_warns_about_a_rule_the_cache_would_be_refused_under(valid_workspace: Workspace) -> None:
    rules = json.loads(json.dumps(SHAPES["the-rule-cjrec-init-writes"][:1]))
    rules.append({"path_regex": "state/", "encrypted_suffix": "_token", "key_groups": [{"age": ["{key}"]}]})
    write_rules(valid_workspace, rules)
    result = valid_workspace.cli("validate")
    assert result.exit_code == 0, result.stderr
    assert "Warning: cannot keep the token cache token.sops.json fully encrypted" in result.stderr
    assert "creation rule #2" in result.stderr
    write_rules(valid_workspace, SHAPES["sops-files-with-encrypted-regex"])
    assert "Warning" not in valid_workspace.cli("validate").stderr


def test_rules_match_as_sops_matches_them_relative_to_the_sops_yaml_first_match_wins(tmp_path: Path) -> None:
    (tmp_path / "repo" / "state").mkdir(parents=True)
    (tmp_path / "repo" / ".sops.yaml").write_text(
        json.dumps(
            {
                "creation_rules": [
                    {"path_regex": ".*/state/.*", "age": "age1one"},
                    {"path_regex": "^state/token", "encrypted_regex": "^x$", "age": "age1two"},
                    {"age": "age1three"},
                ]
            }
        )
    )
    state = tmp_path / "repo" / "state"
    plan = encrypt_all(state, state / "token.sops.json")
    assert plan.rule is not None and plan.rule.number == 2
    assert plan.args == ("--encrypted-regex", "^")
    other = matching_rule(tmp_path / "repo" / ".sops.yaml", tmp_path / "repo" / "manifests" / "a.yaml")
    assert other is not None and other.number == 3  # a rule without path_regex matches every file
    assert find_config(state / "deeper" / "still") == tmp_path / "repo" / ".sops.yaml"
    assert encrypt_all(tmp_path / "elsewhere", tmp_path / "elsewhere" / "token.sops.json").rule is None


def test_an_encrypted_suffix_rule_with_plain_recipients_is_passed_explicitly_without_the_config(tmp_path: Path) -> None:
    (tmp_path / ".sops.yaml").write_text(
        json.dumps({"creation_rules": [{"encrypted_suffix": "_s", "age": "age1a, age1b", "pgp": "FP1"}]})
    )
    plan = encrypt_all(tmp_path, tmp_path / "token.sops.json")
    assert plan.args == ("--config", os.devnull, "--age", "age1a,age1b", "--pgp", "FP1")
