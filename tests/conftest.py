"""Shared test fixtures: throw-away age keys, sops workspaces and an in-process CLI runner.

The session-wide secret check (:class:`SecretWatch`, autouse): every CLI run is recorded,
in-process through :meth:`Workspace.cli` or as a ``python -m reconciler`` subprocess (its
``communicate()`` output), and after each test the check fails the test if any secret in play
appears in plaintext in: that output (``--debug`` tracebacks and plans included), the log
records, any file cjrec wrote in a workspace (state, token cache, saved plans, temp files),
every object cjrec wrote to a test's S3 bucket (state, lock, token cache, backup, logos),
or a sandbox's call log as cjrec sent it (no token in a URL, none outside the fields meant
for it, in whole or in part of a value, and no credential-looking header besides
CJ-Access-Token). A secret counts as found when any 32 consecutive characters of it appear
(:class:`SecretMatcher`), so a message that cuts a token short still counts. Secrets in play are the test's own (API token, email) plus, for every sandbox the
test started, the API key, the openId and every access and refresh token it issued. Files
cjrec wrote that hold secrets must be sops-encrypted, or, outside the repository, mode 0600.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import stat
import subprocess
import sys
import textwrap
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from pyrage import x25519

from reconciler.cli.main import main
from reconciler.sandbox import server as sandbox_server
from tests import figures

SOPS = str(Path(sys.executable).parent / "sops")
API_TOKEN = "CJ7654321@api@" + "0123456789abcdef" * 2
EMAIL = "owner@example.com"


@dataclass(frozen=True)
class AgeKey:
    """A throw-away age key pair made for one test session."""

    private: str
    public: str


def make_age_key() -> AgeKey:
    identity = x25519.Identity.generate()
    return AgeKey(private=str(identity), public=str(identity.to_public()))


# -- the figures of the run (tests/figures.py) ----------------------------------------------
_SESSION_START = [0.0]


def pytest_sessionstart(session: pytest.Session) -> None:
    import time

    _SESSION_START[0] = time.monotonic()


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: object) -> None:
    """xdist controller: collect the figures a worker counted."""
    data = getattr(node, "workeroutput", {}).get("cjrec_figures")
    if data:
        figures.merge(json.loads(data))


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    import time

    config: Any = session.config
    if hasattr(config, "workerinput"):  # an xdist worker hands its figures to the controller
        config.workeroutput["cjrec_figures"] = json.dumps(figures.snapshot())
        return
    figures.write_report(
        figures.snapshot(),
        exit_status=int(exitstatus),
        duration_s=time.monotonic() - _SESSION_START[0],
        command=figures.pytest_command(config.invocation_params.args),
    )


def pytest_terminal_summary(terminalreporter: Any) -> None:
    counts = figures.snapshot()
    if figures.has_reliability_figures(counts) and not hasattr(terminalreporter.config, "workerinput"):
        terminalreporter.write_line(figures.summary_line(counts))


@pytest.fixture(scope="session")
def age_key() -> AgeKey:
    return make_age_key()


@dataclass
class Result:
    exit_code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


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


def _is_cjrec_run(args: object) -> bool:
    """A subprocess that runs cjrec (``python -m reconciler …`` or the ``cjrec`` script), not ``cjrec sandbox``."""
    argv = [str(a) for a in args] if isinstance(args, list | tuple) else [str(args)]
    if "-m" in argv and argv.index("-m") + 1 < len(argv) and argv[argv.index("-m") + 1] == "reconciler":
        rest = argv[argv.index("-m") + 2 :]
    elif argv and Path(argv[0]).name == "cjrec":
        rest = argv[1:]
    else:
        return False
    return "sandbox" not in rest  # `cjrec sandbox` prints the public demo key by design


@pytest.fixture(autouse=True)
def secret_watch(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> Iterator[SecretWatch]:
    watch = SecretWatch(secrets={API_TOKEN, EMAIL})
    # the sandbox's own tests talk to it with a raw client and put tokens in URLs on purpose
    watch.check_call_logs = "tests/sandbox/" not in request.node.nodeid.replace(os.sep, "/")
    original_init = sandbox_server.Sandbox.__init__

    def init(self: sandbox_server.Sandbox, *args: Any, **kwargs: Any) -> None:
        original_init(self, *args, **kwargs)
        watch.watch_sandbox(self)

    original_communicate = subprocess.Popen.communicate

    def communicate(self: subprocess.Popen[Any], *args: Any, **kwargs: Any) -> Any:
        out, err = original_communicate(self, *args, **kwargs)
        if _is_cjrec_run(self.args):
            watch.record(out)
            watch.record(err)
        return out, err

    monkeypatch.setattr(sandbox_server.Sandbox, "__init__", init)
    monkeypatch.setattr(subprocess.Popen, "communicate", communicate)
    yield watch
    watch.record(caplog.text)
    watch.check()


@pytest.fixture(scope="session")
def moto() -> Iterator[Any]:
    """A real S3 API (moto_server) on a free loopback port, for this test process."""
    from tests.support.s3_server import MotoServer

    server = MotoServer()
    yield server
    server.stop()


@pytest.fixture
def s3_bucket(moto: Any, secret_watch: SecretWatch, monkeypatch: pytest.MonkeyPatch) -> Any:
    """A fresh bucket; the test's environment points at moto with dummy keys; every object is secret-scanned."""
    from tests.support.s3_server import new_bucket

    bucket = new_bucket(moto)
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_SESSION_TOKEN", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"):
        monkeypatch.delenv(name, raising=False)
    for name, value in bucket.env.items():
        monkeypatch.setenv(name, value)
    secret_watch.buckets.append(lambda: list(bucket.objects()))
    return bucket


@dataclass
class Workspace:
    """A configuration repository in a temporary folder, with sops rules for a test key."""

    root: Path
    key: AgeKey
    watch: SecretWatch
    monkeypatch: pytest.MonkeyPatch

    def write(self, relpath: str, text: str) -> Path:
        path = self.root / relpath
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"))
        self.watch.note_input(path)
        return path

    def write_bytes(self, relpath: str, data: bytes) -> Path:
        path = self.root / relpath
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        self.watch.note_input(path)
        return path

    def encrypt(self, relpath: str, text: str) -> Path:
        """Write ``text`` to ``relpath`` and encrypt it in place with sops and .sops.yaml."""
        path = self.write(relpath, text)
        subprocess.run(
            [SOPS, "--encrypt", "--in-place", relpath],
            cwd=self.root,
            env=self.sops_env(),
            check=True,
            capture_output=True,
        )
        self.watch.note_input(path)
        return path

    def sops_env(self) -> dict[str, str]:
        return dict(os.environ, SOPS_AGE_KEY=self.key.private, SOPS_DISABLE_VERSION_CHECK="1")

    def credentials(
        self,
        *,
        email: str = EMAIL,
        token: str = API_TOKEN,
        extra: str = "",
        relpath: str = "manifests/credentials.sops.yaml",
    ) -> Path:
        self.watch.secrets.update({email, token})
        body = textwrap.dedent(
            f"""\
            apiVersion: cjrec/v1
            kind: Credentials
            metadata: {{name: main}}
            spec:
              email: {email}
              apiToken: {token}
            """
        )
        # ``extra`` holds more spec fields, one per line, at any indentation
        return self.encrypt(relpath, body + textwrap.indent(textwrap.dedent(extra), "  "))

    def cli(self, *args: str, key: str | None = "default", env: dict[str, str] | None = None) -> Result:
        """Run cjrec in-process in this workspace; ``key=None`` runs without any sops key."""
        mp = self.monkeypatch
        mp.chdir(self.root)
        for name in ("SOPS_AGE_KEY", "SOPS_AGE_KEY_FILE", "SOPS_AGE_KEY_CMD", "NO_COLOR"):
            mp.delenv(name, raising=False)
        mp.setenv("HOME", str(self.root / ".home"))
        mp.setenv("SOPS_DISABLE_VERSION_CHECK", "1")
        if key == "default":
            mp.setenv("SOPS_AGE_KEY", self.key.private)
        elif key is not None:
            mp.setenv("SOPS_AGE_KEY", key)
        for name, value in (env or {}).items():
            mp.setenv(name, value)
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(list(args))
        result = Result(code, out.getvalue(), err.getvalue())
        self.watch.record(result.output)
        return result


SOPS_RULES = """\
creation_rules:
  - path_regex: manifests/.*\\.sops\\.ya?ml$
    encrypted_regex: ^(email|apiToken|accessToken|refreshToken)$
    age: {public}
  - path_regex: state/.*
    age: {public}
"""


@pytest.fixture
def workspace(tmp_path: Path, age_key: AgeKey, secret_watch: SecretWatch, monkeypatch: pytest.MonkeyPatch) -> Workspace:
    root = tmp_path / "repo"
    root.mkdir()
    (root / ".sops.yaml").write_text(SOPS_RULES.format(public=age_key.public))
    secret_watch.add_root(root)
    secret_watch.note_input(root / ".sops.yaml")
    return Workspace(root=root, key=age_key, watch=secret_watch, monkeypatch=monkeypatch)


def tiny_png(width: int = 2, height: int = 3) -> bytes:
    import struct
    import zlib

    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)

    raw = b"".join(b"\x00" + b"\x10\x20\x30" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


PRODUCT_URL = "https://cjdropshipping.com/product/mens-t-shirt-p-2503190327561613000.html"
UUID_URL = "https://app.cjdropshipping.com/product-detail.html?id=000B9312-456A-4D31-94BD-B083E2A198E8"


@pytest.fixture
def valid_workspace(workspace: Workspace) -> Workspace:
    """A workspace with one of every kind of document, all valid."""
    workspace.credentials()
    workspace.write_bytes("manifests/logos/brand.png", tiny_png())
    workspace.write(
        "manifests/logos.yaml",
        """
        apiVersion: cjrec/v1
        kind: Logo
        metadata: {name: brand}
        spec:
          file: logos/brand.png
          publicUrl: https://cdn.example.com/brand.png
          default: true
        """,
    )
    workspace.write(
        "manifests/products.yaml",
        f"""
        apiVersion: cjrec/v1
        kind: Products
        metadata: {{name: storefront}}
        spec:
          items:
            - productUrl: {PRODUCT_URL}
              logo: brand
            - productUrl: {UUID_URL}
        """,
    )
    workspace.write(
        "manifests/settings.yml",
        """
        apiVersion: cjrec/v1
        kind: Settings
        spec: {qps: 2, pointsBudget: 5000}
        """,
    )
    return workspace
