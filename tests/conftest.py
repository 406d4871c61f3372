"""Shared test fixtures: throw-away age keys, sops workspaces and an in-process CLI runner.

Every CLI run made through :class:`CliRun` is recorded; after each test the outputs are
scanned for the secret values the test used, so no test can pass while leaking one.
"""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from pyrage import x25519

from reconciler.cli.main import main

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


@dataclass
class SecretWatch:
    """Secret values in play during one test, and every output the CLI produced."""

    secrets: set[str] = field(default_factory=set)
    outputs: list[str] = field(default_factory=list)

    def check(self) -> None:
        for text in self.outputs:
            for secret in self.secrets:
                assert secret not in text, "a secret value appeared in CLI output"


@pytest.fixture(autouse=True)
def secret_watch() -> Iterator[SecretWatch]:
    watch = SecretWatch(secrets={API_TOKEN, EMAIL})
    yield watch
    watch.check()


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
        return path

    def write_bytes(self, relpath: str, data: bytes) -> Path:
        path = self.root / relpath
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
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
        self.watch.outputs.append(result.output)
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
