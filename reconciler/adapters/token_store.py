"""The token cache: CJ's access and refresh tokens, kept sops-encrypted beside the state.

Read and written by the token manager, through a :class:`CacheFile`: a file in the state
folder (:class:`LocalCacheFile`) or an object under the state's S3 prefix (so the 300 s
getAccessToken guard holds across CI runners). The cache is a secret, so it is never written in
plaintext: the JSON is piped to sops, which encrypts it to the recipients of the
repository's ``.sops.yaml`` rule for the cache's path (or, when no rule matches, to the
Credentials file's own age/PGP recipients), and only the ciphertext reaches the disk,
atomically. Every value is encrypted whatever the rule's ``encrypted_regex`` and the like say
(see ``sops_rules``), and the output is checked before it is written: a cache with one
plaintext field is refused, naming the rule. A CI job can therefore commit ``state/`` and
the next job reuses the token.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from reconciler.adapters.atomic_file import write_atomic
from reconciler.adapters.sops import NoKeyError, Sops
from reconciler.adapters.sops_rules import Recipients, encrypt_all
from reconciler.errors import SecretsError, StateError
from reconciler.models.cj import TokenPair
from reconciler.models.secret import Secret

__all__ = ["CACHE_NAME", "CachedTokens", "Recipients", "TokenStore", "plaintext_fields"]  # Recipients: re-exported

CACHE_NAME = "token.sops.json"
FORMAT_VERSION = 1


@dataclass(frozen=True)
class CachedTokens:
    """What the cache holds: the pair, whose API key it belongs to, and when we last authenticated."""

    api_key_fingerprint: str
    pair: TokenPair | None
    last_get_access_token_at: datetime | None
    source: str = "getAccessToken"
    account_fingerprint: str | None = None  # of the account email the token was checked against
    qps_limit: float | None = None  # the account's requests/s as setting/get said it (None: CJ did not say)
    qps_limit_at: datetime | None = None  # when it was read (None: never)

    def to_json(self) -> bytes:
        pair = self.pair
        body: dict[str, Any] = {
            "format_version": FORMAT_VERSION,
            "api_key_fingerprint": self.api_key_fingerprint,
            "last_get_access_token_at": _iso(self.last_get_access_token_at),
            "source": self.source,
            "account_fingerprint": self.account_fingerprint,
            "qps_limit": self.qps_limit,
            "qps_limit_at": _iso(self.qps_limit_at),
        }
        if pair is not None:
            body.update(
                access_token=pair.access_token.reveal(),
                access_token_expiry=_iso(pair.access_token_expiry),
                refresh_token=pair.refresh_token.reveal() if pair.refresh_token else None,
                refresh_token_expiry=_iso(pair.refresh_token_expiry),
                open_id=pair.open_id,
                created=_iso(pair.created),
            )
        # no nulls: sops cannot encrypt a null, and an absent field reads back the same
        return json.dumps({k: v for k, v in body.items() if v is not None}, sort_keys=True).encode()


class CacheFile(Protocol):
    """Where the encrypted cache's bytes live."""

    @property
    def display(self) -> str: ...

    def read(self) -> bytes | None:
        """The ciphertext, or None when there is no cache."""
        ...

    def write(self, data: bytes) -> None:
        """Replace the ciphertext atomically."""
        ...

    def delete(self) -> None: ...

    def sops_target(self) -> tuple[Path, Path]:
        """(file name, working folder) sops matches against ``.sops.yaml`` creation rules when encrypting."""
        ...

    def sibling(self, name: str) -> CacheFile:
        """Another encrypted cache kept in the same place (the stores' tokens beside CJ's)."""
        ...


class LocalCacheFile:
    """``state_dir/token.sops.json`` (or another ``name`` in ``state_dir``)."""

    def __init__(self, state_dir: Path, name: str = CACHE_NAME) -> None:
        self.path = state_dir / name

    def sibling(self, name: str) -> LocalCacheFile:
        return LocalCacheFile(self.path.parent, name)

    @property
    def display(self) -> str:
        return str(self.path)

    def read(self) -> bytes | None:
        try:
            return self.path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise StateError(f"{self.display}: cannot read the token cache ({exc.strerror})") from None

    def write(self, data: bytes) -> None:
        write_atomic(self.path, data, mode=0o644, keep_backup=False)

    def delete(self) -> None:
        self.path.unlink(missing_ok=True)

    def sops_target(self) -> tuple[Path, Path]:
        cwd = self.path.parent.resolve()
        cwd.mkdir(parents=True, exist_ok=True)
        return self.path.resolve(), cwd


class TokenStore:
    """Loads and saves the encrypted token cache (a file in ``state_dir``, or any CacheFile)."""

    def __init__(self, cache: CacheFile | Path, sops: Sops, *, fallback: Recipients | None = None) -> None:
        self.file: CacheFile = LocalCacheFile(cache) if isinstance(cache, Path) else cache
        self.sops = sops
        self.fallback = fallback or Recipients()

    @property
    def display(self) -> str:
        return self.file.display

    def present(self) -> bool:
        """Whether a cache exists (without decrypting it)."""
        return self.file.read() is not None

    def load(self) -> CachedTokens | None:
        """The cache, or None when there is none yet."""
        plaintext = self.load_bytes()
        return None if plaintext is None else _parse(plaintext, self.display)

    def load_bytes(self) -> bytes | None:
        """The decrypted JSON of the cache, or None when there is none yet."""
        ciphertext = self.file.read()
        if ciphertext is None:
            return None
        try:
            plaintext = self.sops.decrypt_json_bytes(ciphertext, display=self.display)
        except NoKeyError:
            raise
        except SecretsError as exc:
            raise StateError(
                f"the token cache cannot be decrypted: {exc.message}",
                hint=f"delete {self.display} to authenticate again (CJ allows that once per 300 s)",
            ) from None
        return plaintext

    def save(self, cached: CachedTokens) -> None:
        """Encrypt and write the cache atomically."""
        self.save_bytes(cached.to_json())

    def save_bytes(self, plaintext: bytes) -> None:
        """Encrypt the JSON ``plaintext`` (every value, whatever the rule says) and write it atomically."""
        target, cwd = self.file.sops_target()
        plan = encrypt_all(cwd, target)
        try:
            if plan.rule is None and (self.fallback.age or self.fallback.pgp):
                ciphertext = self._encrypt(plaintext, target, cwd, self.fallback.sops_args())
            else:
                ciphertext = self._encrypt(plaintext, target, cwd, plan.args)
        except SecretsError as exc:
            raise SecretsError(
                f"cannot encrypt the token cache {self.display}: {exc.message}",
                hint="add a creation rule for state/token.sops.json to .sops.yaml (see `cjrec init`)",
            ) from None
        plain = plaintext_fields(ciphertext)
        if plain:
            where = plan.rule.name if plan.rule else "the recipients of the Credentials file"
            raise SecretsError(
                f"cannot keep the token cache {self.display} fully encrypted: sops left "
                f"{', '.join(plain)} in plaintext under {where}; nothing was written",
                hint="give state/token.sops.json a creation rule of its own, with no encrypted_*/unencrypted_* options",
            )
        self.file.write(ciphertext)

    def _encrypt(self, plaintext: bytes, target: Path, cwd: Path, args: tuple[str, ...] | list[str]) -> bytes:
        return self.sops.encrypt_json(plaintext, filename=target, cwd=cwd, display=self.display, extra_args=args)

    def clear(self) -> None:
        """Forget the cached tokens."""
        self.file.delete()


def plaintext_fields(ciphertext: bytes) -> list[str]:
    """The top-level fields sops left unencrypted (all of them when the output is not a sops JSON document)."""
    try:
        doc = json.loads(ciphertext)
    except (ValueError, RecursionError):
        return ["(the whole file: sops did not write JSON)"]
    if not isinstance(doc, dict) or not isinstance(doc.get("sops"), dict):
        return ["(the whole file: no sops metadata)"]
    return sorted(key for key, value in doc.items() if key != "sops" and not _encrypted(value))


def _encrypted(value: object) -> bool:
    if isinstance(value, str):
        return value.startswith("ENC[")
    if isinstance(value, list):
        return all(_encrypted(item) for item in value)
    if isinstance(value, dict):
        return all(_encrypted(item) for item in value.values())
    return False


def _parse(plaintext: bytes, display: str) -> CachedTokens:
    try:
        body = json.loads(plaintext)
    except (ValueError, RecursionError):
        body = None
    if not isinstance(body, dict) or body.get("format_version") != FORMAT_VERSION:
        raise StateError(
            f"{display}: the token cache is not in a format this cjrec understands",
            hint=f"delete {display} to authenticate again",
        )
    try:
        pair = None
        if body.get("access_token"):
            pair = TokenPair(
                access_token=Secret(str(body["access_token"])),
                access_token_expiry=_date(body["access_token_expiry"]),
                refresh_token=Secret(str(body["refresh_token"])) if body.get("refresh_token") else None,
                refresh_token_expiry=_date(body.get("refresh_token_expiry"))
                if body.get("refresh_token_expiry")
                else None,
                open_id=str(body["open_id"]) if body.get("open_id") is not None else None,
                created=_date(body["created"]) if body.get("created") else None,
            )
        last = body.get("last_get_access_token_at")
        limit, limit_at = body.get("qps_limit"), body.get("qps_limit_at")
        return CachedTokens(
            api_key_fingerprint=str(body["api_key_fingerprint"]),
            pair=pair,
            last_get_access_token_at=_date(last) if last else None,
            source=str(body.get("source") or "getAccessToken"),
            account_fingerprint=str(body["account_fingerprint"]) if body.get("account_fingerprint") else None,
            qps_limit=float(limit) if isinstance(limit, int | float) and not isinstance(limit, bool) else None,
            qps_limit_at=_date(limit_at) if limit_at else None,
        )
    except (KeyError, TypeError, ValueError):
        raise StateError(
            f"{display}: the token cache is damaged (a field is missing or malformed)",
            hint=f"delete {display} to authenticate again",
        ) from None


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _date(value: object) -> datetime:
    parsed = datetime.fromisoformat(str(value))
    if parsed.tzinfo is None:
        raise ValueError("naive date")
    return parsed
