"""The secret check every test runs under (:class:`SecretWatch`): what is in play and where cjrec must not put it.

Every CLI run is recorded, in-process through :meth:`~tests.support.workspace.Workspace.cli`
or as a ``python -m reconciler`` subprocess (its ``communicate()`` output), and after each
test the check fails the test if any secret in play appears in plaintext in: that output
(``--debug`` tracebacks and plans included), the log records, any file cjrec wrote in a
workspace (state, token cache, saved plans, temp files), every object cjrec wrote to a
test's S3 bucket (state, lock, token cache, backup, logos), or a sandbox's call log as cjrec
sent it (no token in a URL, none outside the fields meant for it, in whole or in part of a
value, and no credential-looking header besides CJ-Access-Token). A secret counts as found
when any 32 consecutive characters of it appear (:class:`SecretMatcher`), so a message that
cuts a token short still counts. Secrets in play are the test's own (API token, email) plus,
for every sandbox the test started, the API key, the openId and every access and refresh
token it issued. Files cjrec wrote that hold secrets must be sops-encrypted, or, outside the
repository, mode 0600.

The ``secret_watch`` fixture (tests/conftest.py, autouse) makes one :class:`SecretWatch` per
test and runs its :meth:`~SecretWatch.check` afterwards; tests that start their own processes
or sandboxes add to it. :func:`is_cjrec_run` tells the fixture which subprocesses to record.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import stat
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reconciler.sandbox import server as sandbox_server
from tests import figures

REDACTED_IN_CALL_LOG = "(redacted)"
# The only places a secret may travel in a call cjrec sends: (path suffix, body field).
SECRET_FIELDS = frozenset(
    {("/authentication/getAccessToken", "apiKey"), ("/authentication/refreshAccessToken", "refreshToken")}
)
MAX_SCANNED_FILE = 8 << 20
# Secrets recognised by their form: an age private key belongs only in a 0600 key file outside the repository.
SECRET_PREFIXES = ("AGE-SECRET-KEY-1",)


# A secret is found when any WINDOW consecutive characters of it appear (a message cut at 80
# or 500 characters may hold half a token); shorter secrets must appear whole.
WINDOW = 32
_PIECE = WINDOW // 2


class SecretMatcher:
    """Finds any ``WINDOW``-character stretch of a set of secrets in a text, in one pass.

    Every stretch of ``WINDOW`` characters of the text contains one of the text's pieces
    of ``WINDOW // 2`` characters that start at a multiple of ``WINDOW // 2``; so the text's
    aligned pieces are looked up among all the secrets' pieces, and a hit is extended both
    ways to measure how long the common stretch really is.
    """

    def __init__(self, secrets: Iterable[str]) -> None:
        unique = sorted(set(secrets))
        self.short = [s for s in unique if len(s) < WINDOW]
        self.long = [s for s in unique if len(s) >= WINDOW]
        self.pieces: dict[str, list[tuple[int, int]]] = {}
        for index, secret in enumerate(self.long):
            for offset in range(len(secret) - _PIECE + 1):
                self.pieces.setdefault(secret[offset : offset + _PIECE], []).append((index, offset))

    def found_in(self, text: str) -> bool:
        if any(secret in text for secret in self.short):
            return True
        for at in range(0, len(text) - _PIECE + 1, _PIECE):
            for index, offset in self.pieces.get(text[at : at + _PIECE], ()):
                secret = self.long[index]
                left = 0
                while left < min(offset, at) and text[at - left - 1] == secret[offset - left - 1]:
                    left += 1
                right = _PIECE
                while (
                    offset + right < len(secret)
                    and at + right < len(text)
                    and text[at + right] == secret[offset + right]
                ):
                    right += 1
                if left + right >= WINDOW:
                    return True
        return False

    def found_in_bytes(self, data: bytes) -> bool:
        return self.found_in(data.decode("latin-1"))  # secrets are ASCII: one character per byte


def sandbox_secrets(sandbox: sandbox_server.Sandbox) -> set[str]:
    """The API key, the openId and every token a sandbox ever issued (read from its internals)."""
    state = sandbox._state
    with state.lock:
        account = state.account
        return {account.api_key, str(account.open_id), *account.tokens.issued()}


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass
class SecretWatch:
    """Secret values in play during one test, and everything cjrec produced that could leak one.

    ``secrets`` and ``outputs`` are the original interface (tests add to both directly);
    ``sources`` give more secrets when the check runs (tokens issued during the test),
    ``roots`` are workspaces whose files are scanned, ``inputs`` the digests of the files the
    test itself wrote there (test input may hold a plaintext secret on purpose; cjrec output
    may not), ``sandboxes`` the sandboxes whose call logs are checked.
    """

    secrets: set[str] = field(default_factory=set)
    outputs: list[str] = field(default_factory=list)
    sources: list[Callable[[], Iterable[str]]] = field(default_factory=list)
    roots: list[Path] = field(default_factory=list)
    inputs: dict[Path, str] = field(default_factory=dict)
    sandboxes: list[sandbox_server.Sandbox] = field(default_factory=list)
    buckets: list[Callable[[], Iterable[tuple[str, bytes]]]] = field(default_factory=list)
    check_call_logs: bool = True
    stats: Counter[str] = field(default_factory=Counter)

    def record(self, text: str | bytes | None) -> None:
        """Keep one more piece of cjrec output for the check."""
        if text:
            self.outputs.append(text.decode("utf-8", "replace") if isinstance(text, bytes) else text)

    def add_root(self, root: Path) -> None:
        if root not in self.roots:
            self.roots.append(root)

    def note_input(self, path: Path) -> None:
        """``path`` was written by the test itself (not by cjrec) with its current content."""
        with contextlib.suppress(OSError):
            self.inputs[path.resolve()] = _digest(path.read_bytes())

    def watch_sandbox(self, sandbox: sandbox_server.Sandbox) -> None:
        if all(s is not sandbox for s in self.sandboxes):
            self.sandboxes.append(sandbox)
            self.sources.append(lambda: sandbox_secrets(sandbox))

    def all_secrets(self) -> set[str]:
        found = set(self.secrets)
        for source in self.sources:
            found.update(source())
        return {s for s in found if s and len(s) >= 8}

    def leaks(self) -> list[str]:
        """Where a secret was found, described without the secret itself."""
        matcher = SecretMatcher(self.all_secrets())
        problems: list[str] = []
        for i, text in enumerate(self.outputs):
            self.stats["outputs_scanned"] += 1
            if matcher.found_in(text) or any(prefix in text for prefix in SECRET_PREFIXES):
                first = text.strip().splitlines()[0][:60] if text.strip() else ""
                problems.append(f"a secret value appeared in CLI output #{i + 1} (starting {first!r})")
        for path, data in self._written_files():
            self.stats["files_scanned"] += 1
            outside = any(part == ".home" for part in path.parts)
            if matcher.found_in_bytes(data) or (
                not outside and any(prefix.encode() in data for prefix in SECRET_PREFIXES)
            ):
                problems.append(f"a secret value appeared in plaintext in {path}")
            problems.extend(self._at_rest(path, data))
        for objects in self.buckets:
            for url, data in objects():
                self.stats["objects_scanned"] += 1
                if matcher.found_in_bytes(data) or any(p.encode() in data for p in SECRET_PREFIXES):
                    problems.append(f"a secret value appeared in plaintext in {url}")
                if url.endswith("/token.sops.json"):
                    problems.extend(_not_sops(url, data))
        for sandbox in self.sandboxes if self.check_call_logs else []:
            problems.extend(self._call_log(sandbox, matcher))
        return problems

    def _written_files(self) -> Iterator[tuple[Path, bytes]]:
        for root in self.roots:
            if not root.is_dir():
                continue
            for folder, dirs, files in os.walk(root):
                dirs[:] = [d for d in dirs if d != ".git"]
                for name in files:
                    path = Path(folder, name)
                    try:
                        info = path.lstat()
                        if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_SCANNED_FILE:
                            continue
                        data = path.read_bytes()
                    except OSError:
                        continue
                    if self.inputs.get(path.resolve()) != _digest(data):
                        yield path, data

    def _at_rest(self, path: Path, data: bytes) -> list[str]:
        """A file cjrec wrote that holds secrets is sops-encrypted, or (outside the repository) 0600."""
        problems = []
        if path.name == "token.sops.json" or (path.name.startswith(".token.sops.json.") and path.suffix == ".tmp"):
            problems.extend(_not_sops(str(path), data))
        if any(part == ".home" for part in path.parts) and path.stat().st_mode & 0o077:
            problems.append(
                f"{path}, outside the repository, is readable by others (mode {path.stat().st_mode & 0o777:o})"
            )
        return problems

    def _call_log(self, sandbox: sandbox_server.Sandbox, matcher: SecretMatcher) -> list[str]:
        problems = []
        for call in sandbox.calls():
            self.stats["api_calls_checked"] += 1
            where = f"{call.get('method')} {call.get('path')}"
            if call.get("token_in_url"):
                problems.append(f"cjrec sent a secret in the URL of {where}")
            for name in _redacted_fields(call.get("query"), "query") + _redacted_fields(call.get("body"), "body"):
                if not any(str(call.get("path", "")).endswith(p) and name == f"body.{f}" for p, f in SECRET_FIELDS):
                    problems.append(f"cjrec sent a secret in {name} of {where}")
            for header in call.get("secret_headers") or ():
                problems.append(f"cjrec sent a secret-looking header {header!r} with {where} (only CJ-Access-Token)")
            if matcher.found_in(json.dumps(call)):  # part of a secret, which the sandbox only redacts whole
                problems.append(f"cjrec sent part of a secret in {where}")
        return problems

    def check(self) -> None:
        problems = self.leaks()
        figures.add("secrets_found", len(problems))
        for name, count in self.stats.items():
            figures.add(f"secret_scan_{name}", count)
        assert not problems, "secret leak: " + "; ".join(problems[:5])


def _not_sops(where: str, data: bytes) -> list[str]:
    """A token cache that is not a sops document with every value encrypted."""
    try:
        doc: Any = json.loads(data)
    except ValueError:
        doc = None
    plain = (
        [k for k, v in doc.items() if k != "sops" and isinstance(v, str) and not v.startswith("ENC[")]
        if isinstance(doc, dict)
        else []
    )
    if not isinstance(doc, dict) or "sops" not in doc or plain:
        return [f"{where} holds tokens but is not sops-encrypted (plaintext fields: {plain})"]
    return []


def _redacted_fields(value: object, where: str) -> list[str]:
    """Where the sandbox redacted a secret: a whole value, part of one ("Bearer …"), or a key."""
    if isinstance(value, dict):
        return [
            name
            for k, v in value.items()
            for name in ([f"{where}.{k}"] if REDACTED_IN_CALL_LOG in str(k) else [])
            + _redacted_fields(v, f"{where}.{k}")
        ]
    if isinstance(value, list):
        return [name for i, v in enumerate(value) for name in _redacted_fields(v, f"{where}[{i}]")]
    return [where] if isinstance(value, str) and REDACTED_IN_CALL_LOG in value else []


def is_cjrec_run(args: object) -> bool:
    """A subprocess that runs cjrec (``python -m reconciler …`` or the ``cjrec`` script), not ``cjrec sandbox``."""
    argv = [str(a) for a in args] if isinstance(args, list | tuple) else [str(args)]
    if "-m" in argv and argv.index("-m") + 1 < len(argv) and argv[argv.index("-m") + 1] == "reconciler":
        rest = argv[argv.index("-m") + 2 :]
    elif argv and Path(argv[0]).name == "cjrec":
        rest = argv[1:]
    else:
        return False
    return "sandbox" not in rest  # `cjrec sandbox` prints the public demo key by design
