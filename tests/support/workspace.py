"""A configuration repository in a temporary folder (:class:`Workspace`) and cjrec run in it in-process.

The ``workspace`` fixture (tests/conftest.py) makes one per test, with sops rules for the
session's age key; :meth:`Workspace.cli` runs ``cjrec`` in-process and returns a
:class:`Result`. ``API_TOKEN`` and ``EMAIL`` are the test account that
:meth:`Workspace.credentials` writes unless told otherwise; the secret watch knows them.
"""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

from reconciler.cli.main import main
from tests.support.secret_watch import SecretWatch
from tests.support.sops_keys import SOPS, AgeKey

API_TOKEN = "CJ7654321@api@" + "0123456789abcdef" * 2
EMAIL = "owner@example.com"


@dataclass
class Result:
    exit_code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


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
