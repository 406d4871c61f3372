"""The token cache is written only sops-encrypted, atomically, and read back intact."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from reconciler.adapters.sops import NoKeyError, Sops
from reconciler.adapters.token_store import CachedTokens, Recipients, TokenStore
from reconciler.errors import SecretsError, StateError
from reconciler.models.cj import TokenPair
from reconciler.models.secret import Secret
from tests.support.client_fakes import T0
from tests.support.sops_keys import SOPS, make_age_key
from tests.support.workspace import Workspace

ACCESS = "API@CJ42@CJ:" + "x" * 500
REFRESH = "refresh-" + "y" * 60


def sample() -> CachedTokens:
    pair = TokenPair(
        Secret(ACCESS), T0 + timedelta(days=15), Secret(REFRESH), T0 + timedelta(days=180), "1700000000000000001", T0
    )
    return CachedTokens(Secret("key").fingerprint(), pair, T0)


@pytest.fixture
def keyed(workspace: Workspace, monkeypatch: pytest.MonkeyPatch) -> Workspace:
    monkeypatch.setenv("SOPS_AGE_KEY", workspace.key.private)
    monkeypatch.setenv("SOPS_DISABLE_VERSION_CHECK", "1")
    return workspace


def test_cache_round_trips_and_holds_no_plaintext_token(keyed: Workspace) -> None:
    store = TokenStore(keyed.root / "state", Sops(binary=SOPS))
    store.save(sample())
    raw = store.file.path.read_text()
    for secret in (ACCESS, REFRESH, "1700000000000000001"):
        assert secret not in raw
    assert '"sops"' in raw
    assert keyed.key.public in raw  # encrypted to the .sops.yaml rule's recipient
    loaded = store.load()
    assert loaded is not None
    assert loaded.pair is not None
    assert loaded.pair.access_token.reveal() == ACCESS
    assert loaded.pair.open_id == "1700000000000000001"
    assert loaded.pair.access_token_expiry == T0 + timedelta(days=15)
    assert not list(store.file.path.parent.glob(".*.tmp"))  # no temp file left behind


def test_without_a_matching_rule_the_cache_is_encrypted_to_the_credentials_recipients(
    keyed: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    (keyed.root / ".sops.yaml").write_text(
        "creation_rules:\n  - path_regex: manifests/.*\n    age: " + keyed.key.public + "\n"
    )
    other = make_age_key()
    store = TokenStore(keyed.root / "state", Sops(binary=SOPS), fallback=Recipients(age=(other.public,)))
    store.save(sample())
    assert other.public in store.file.path.read_text()
    monkeypatch.setenv("SOPS_AGE_KEY", other.private)
    assert store.load() is not None


def test_without_any_rule_or_recipient_the_error_says_how_to_add_one(keyed: Workspace) -> None:
    (keyed.root / ".sops.yaml").write_text(
        "creation_rules:\n  - path_regex: manifests/.*\n    age: " + keyed.key.public + "\n"
    )
    store = TokenStore(keyed.root / "state", Sops(binary=SOPS))
    with pytest.raises(SecretsError) as info:
        store.save(sample())
    assert "creation rule" in (info.value.hint or "")
    assert not store.file.path.exists()


def test_a_damaged_cache_is_a_state_error_naming_the_file(keyed: Workspace) -> None:
    store = TokenStore(keyed.root / "state", Sops(binary=SOPS))
    store.save(sample())
    text = store.file.path.read_text()
    store.file.path.write_text(text.replace('"format_version": "ENC[', '"format_version": "ENC[AAAA', 1))
    with pytest.raises(StateError) as info:
        store.load()
    assert "token.sops.json" in info.value.message
    assert "delete" in (info.value.hint or "")


def test_a_cache_without_a_key_to_read_it_says_no_key(keyed: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    store = TokenStore(keyed.root / "state", Sops(binary=SOPS))
    store.save(sample())
    monkeypatch.delenv("SOPS_AGE_KEY")
    monkeypatch.setenv("HOME", str(keyed.root / "nohome"))
    with pytest.raises(NoKeyError):
        store.load()


def test_missing_cache_loads_as_none(tmp_path: Path) -> None:
    assert TokenStore(tmp_path, Sops(binary=SOPS)).load() is None
