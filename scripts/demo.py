"""`make demo`: run cjrec end to end on the example configuration, in a throw-away workspace.

The example manifests in ``manifests/`` are copied to a temporary folder together with a
freshly generated age key and a Credentials file encrypted to it, so the demo shows real
sops decryption without any key ever being committed. The key lives in memory (the
SOPS_AGE_KEY environment variable of the child processes) and in the temporary folder,
which is removed at the end.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from pyrage import x25519

ROOT = Path(__file__).resolve().parent.parent
DEMO_API_KEY = "CJ1000001@api@" + "d" * 32
DEMO_EMAIL = "demo@example.com"


def step(title: str) -> None:
    print(f"\n\033[1m==> {title}\033[0m" if sys.stdout.isatty() else f"\n==> {title}", flush=True)


def main() -> int:
    identity = x25519.Identity.generate()
    recipient = str(identity.to_public())
    env = dict(os.environ, SOPS_AGE_KEY=str(identity), SOPS_DISABLE_VERSION_CHECK="1")
    cjrec = [sys.executable, "-m", "reconciler"]
    with tempfile.TemporaryDirectory(prefix="cjrec-demo-") as tmp:
        work = Path(tmp)
        shutil.copytree(ROOT / "manifests", work / "manifests")
        (work / "manifests" / "credentials.sops.yaml").unlink()
        (work / ".sops.yaml").write_text(
            "creation_rules:\n"
            "  - path_regex: manifests/.*\\.sops\\.ya?ml$\n"
            "    encrypted_regex: ^(email|apiToken|accessToken|refreshToken)$\n"
            f"    age: {recipient}\n"
            "  - path_regex: state/token\\.sops\\.json$\n"
            f"    age: {recipient}\n"
        )
        plain = (
            "apiVersion: cjrec/v1\nkind: Credentials\nmetadata: {name: main}\n"
            f"spec:\n  email: {DEMO_EMAIL}\n  apiToken: {DEMO_API_KEY}\n"
        )
        step("Encrypting the demo Credentials with a fresh age key (sops)")
        sops = os.path.abspath(shutil.which("sops", path=env.get("PATH")) or str(Path(sys.executable).parent / "sops"))
        encrypted = subprocess.run(
            [
                sops,
                "--encrypt",
                "--filename-override",
                "manifests/credentials.sops.yaml",
                "--input-type",
                "yaml",
                "--output-type",
                "yaml",
                "/dev/stdin",
            ],
            input=plain.encode(),
            capture_output=True,
            env=env,
            cwd=work,
            check=True,
        ).stdout
        (work / "manifests" / "credentials.sops.yaml").write_bytes(encrypted)
        print("manifests/credentials.sops.yaml is encrypted; apiVersion, kind and metadata stay readable.")

        step("cjrec validate")
        done = subprocess.run([*cjrec, "validate"], env=env, cwd=work, check=False)
        if done.returncode != 0:
            return done.returncode
    print("\nDemo finished; the temporary workspace and its key are gone.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
