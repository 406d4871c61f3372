"""`make demo`: cjrec end to end against the local CJ sandbox, in a throw-away workspace.

It starts ``cjrec sandbox`` on a free loopback port, copies the example manifests into a
temporary folder with a freshly generated age key and a Credentials file encrypted to it
(no key is ever committed), then runs: validate, token status, plan, apply, plan again
(which must show no changes), and stops the sandbox. The key lives only in the child
processes' environment and the temporary folder, which is removed at the end.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from pyrage import x25519

from reconciler.sandbox import DEMO_API_KEY, DEMO_EMAIL

ROOT = Path(__file__).resolve().parent.parent


def step(title: str) -> None:
    bold = sys.stdout.isatty() and not os.environ.get("NO_COLOR")
    print(f"\n\033[1m==> {title}\033[0m" if bold else f"\n==> {title}", flush=True)


def start_sandbox(env: dict[str, str]) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "reconciler", "sandbox", "--port", "0", "--qps", "2", "--latency-ms", "30"],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert proc.stdout is not None
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        print(line, end="")
        found = re.search(r"(http://127\.0\.0\.1:\d+/api2\.0/v1)", line)
        if found:
            return proc, found.group(1)
    proc.kill()
    raise SystemExit("the sandbox did not start")


def main() -> int:
    identity = x25519.Identity.generate()
    recipient = str(identity.to_public())
    env = dict(os.environ, SOPS_AGE_KEY=str(identity), SOPS_DISABLE_VERSION_CHECK="1")
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    cjrec = [sys.executable, "-m", "reconciler"]
    started = time.monotonic()
    step("Starting the local CJ sandbox (cjrec sandbox)")
    sandbox, url = start_sandbox(env)
    env["CJREC_API_URL"] = url
    try:
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
            sops = shutil.which("sops", path=env["PATH"]) or "sops"
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
            steps = [
                ("cjrec validate", ["validate"], 0),
                ("cjrec token status (no token cached yet)", ["token", "status"], 0),
                ("cjrec plan", ["plan"], 0),
                ("cjrec apply --auto-approve", ["apply", "--auto-approve"], 0),
                ("cjrec token status (the token is cached, sops-encrypted, in state/)", ["token", "status"], 0),
                ("cjrec plan --detailed-exitcode (expect no changes: exit 0)", ["plan", "--detailed-exitcode"], 0),
            ]
            for title, args, expected in steps:
                step(title)
                done = subprocess.run([*cjrec, *args], env=env, cwd=work, check=False)
                if done.returncode != expected:
                    print(
                        f"demo: `cjrec {' '.join(args)}` exited {done.returncode}, expected {expected}", file=sys.stderr
                    )
                    return 1
    finally:
        sandbox.terminate()
        sandbox.wait(timeout=10)
    print(
        f"\nDemo finished in {time.monotonic() - started:.1f} s; the sandbox is stopped and the workspace and key are gone."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
