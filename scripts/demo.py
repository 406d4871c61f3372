"""`make demo`: cjrec end to end against the local CJ sandbox, in a throw-away workspace.

It starts ``cjrec sandbox`` on a free loopback port, copies the example manifests into a
temporary folder with a freshly generated age key and a Credentials file encrypted to it
(no key is ever committed), then runs: validate, token status, plan, apply, plan again
(which must show no changes). Then a product CJ does not sell yet: a ``sourceUrl`` item and a
``Market`` are added, the sourcing request is filed, CJ's agent (played through the sandbox's
``/__sandbox/sourcing`` back door) sources it, and the next apply adds CJ's product to My
Products, with freight quotes for the market. Last, the store: a Pricing rule and a Store (the
Shopify stand-in ``cjrec sandbox`` plays, in a sops-encrypted file), and one apply publishes
every priced product to it and connects each variant at CJ; the demo reads a product back from
the stand-in and the connections from CJ's side. Then it stops the sandbox. The key lives only in
the child processes' environment and the temporary folder, which is removed at the end.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from pyrage import x25519

from reconciler.sandbox import DEMO_API_KEY, DEMO_EMAIL
from reconciler.sandbox.shopify.api import DEFAULT_TOKEN as SHOPIFY_TOKEN

ROOT = Path(__file__).resolve().parent.parent
SOURCED = """apiVersion: cjrec/v1
kind: Products
metadata: {name: sourced}
spec:
  items:
    - sourceUrl: https://www.aliexpress.com/item/1005006000000.html
      name: Foldable LED Desk Lamp
      image: https://ae01.alicdn.com/kf/desk-lamp.jpg
      remark: warm white, ships to the US
      sourcePrice: 6.50
---
apiVersion: cjrec/v1
kind: Market
metadata: {name: us}
spec: {country: US, maxDays: 12, maxShipping: 6.00, from: [CN]}
"""


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


def admin(url: str, route: str, body: dict[str, object] | None = None) -> dict[str, object]:
    """Call the sandbox's back door (plain JSON, no token), as CJ's side of the demo."""
    root = url.rsplit("/api2.0/v1", 1)[0]
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(  # noqa: S310 - the sandbox's own http://127.0.0.1 URL
        root + "/__sandbox" + route,
        data=data,
        method="POST" if data else "GET",
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310 - loopback only
        parsed: dict[str, object] = json.loads(answer.read())
        return parsed


def run_steps(cjrec: list[str], steps: list[tuple[str, list[str], int]], *, env: dict[str, str], work: Path) -> bool:
    for title, args, expected in steps:
        step(title)
        done = subprocess.run([*cjrec, *args], env=env, cwd=work, check=False)
        if done.returncode != expected:
            print(f"demo: `cjrec {' '.join(args)}` exited {done.returncode}, expected {expected}", file=sys.stderr)
            return False
    return True


def sourcing_demo(cjrec: list[str], *, env: dict[str, str], work: Path) -> bool:
    """A sourcing request from filed to a product in My Products."""
    step("A product CJ does not sell yet: a sourceUrl item, and a Market (manifests/sourced.yaml)")
    (work / "manifests" / "sourced.yaml").write_text(SOURCED)
    print(SOURCED, end="")
    steps = [
        ("cjrec plan --detailed-exitcode (+ source: exit 2)", ["plan", "--detailed-exitcode"], 2),
        ("cjrec apply --auto-approve (files the request, records CJ's id at once)", ["apply", "--auto-approve"], 0),
        ("cjrec plan (the request is in progress at CJ: nothing to do)", ["plan", "--detailed-exitcode"], 0),
    ]
    if not run_steps(cjrec, steps, env=env, work=work):
        return False
    requests = admin(env["CJREC_API_URL"], "/sourcing")["requests"]
    assert isinstance(requests, list)
    assert requests
    source_id = requests[0]["sourceId"]
    step(f"CJ's agent sources request {source_id} (POST /__sandbox/sourcing/{source_id})")
    answered = admin(env["CJREC_API_URL"], f"/sourcing/{source_id}", {"outcome": "succeeded"})
    print(f"CJ lists it as product {answered['cjProductId']}")
    steps = [
        (
            "cjrec plan (the request succeeded: + create the product, with its freight quotes)",
            ["plan", "--detailed-exitcode"],
            2,
        ),
        ("cjrec apply --auto-approve (adds CJ's product to My Products)", ["apply", "--auto-approve"], 0),
        ("cjrec state list", ["state", "list"], 0),
        ("cjrec plan --detailed-exitcode (expect no changes: exit 0)", ["plan", "--detailed-exitcode"], 0),
    ]
    return run_steps(cjrec, steps, env=env, work=work)


PRICING = """apiVersion: cjrec/v1
kind: Pricing
metadata: {name: store}
spec:
  default: true
  tiers:
    - {upTo: 10, multiplier: 3}
    - {multiplier: 2, add: 2}
  cents: 0.99
"""
STORE = """apiVersion: cjrec/v1
kind: Store
metadata: {{name: demo}}
spec:
  platform: shopify
  domain: cjrec-sandbox.myshopify.com
  cjShop: Sandbox Shop
  endpoint: {endpoint}
  accessToken: {token}
  logistics: CJPacket Ordinary
  shipFrom: CN
"""


def encrypt(text: str, name: str, *, env: dict[str, str], work: Path) -> None:
    """``manifests/NAME`` encrypted by sops from standard input (no plaintext file is written)."""
    sops = shutil.which("sops", path=env["PATH"]) or "sops"
    args = ["--encrypt", "--filename-override", f"manifests/{name}", "--input-type", "yaml", "--output-type", "yaml"]
    encrypted = subprocess.run(
        [sops, *args, "/dev/stdin"], input=text.encode(), capture_output=True, env=env, cwd=work, check=True
    ).stdout
    (work / "manifests" / name).write_bytes(encrypted)


def shopify_product(endpoint: str, pid: str) -> dict[str, object] | None:
    """The product published from ``pid``, read from the stand-in as any Admin API client would."""
    query = (
        "query($id: ProductIdentifierInput!) { productByIdentifier(identifier: $id) "
        "{ id title status variants(first: 10) { nodes { sku price } } } }"
    )
    variables = {"id": {"customId": {"namespace": "cjrec", "key": "cj_pid", "value": pid}}}
    request = urllib.request.Request(  # noqa: S310 - the sandbox's own http://127.0.0.1 URL
        endpoint + "/admin/api/2026-01/graphql.json",
        data=json.dumps({"query": query, "variables": variables}).encode(),
        headers={"Content-Type": "application/json", "X-Shopify-Access-Token": SHOPIFY_TOKEN},
    )
    with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310 - loopback only
        found: dict[str, object] | None = json.loads(answer.read())["data"]["productByIdentifier"]
        return found


def store_demo(cjrec: list[str], *, env: dict[str, str], work: Path) -> bool:
    """Publish the priced catalogue to the Shopify stand-in and connect it at CJ, in one apply."""
    endpoint = env["CJREC_API_URL"].rsplit("/api2.0/v1", 1)[0]
    step("The store: a Pricing rule (manifests/pricing.yaml) and a Store (manifests/store.sops.yaml, encrypted)")
    (work / "manifests" / "pricing.yaml").write_text(PRICING)
    print(PRICING, end="")
    encrypt(STORE.format(endpoint=endpoint, token=SHOPIFY_TOKEN), "store.sops.yaml", env=env, work=work)
    hidden = "<encrypted>"
    print(STORE.format(endpoint=endpoint, token=hidden), end="")
    steps = [
        ("cjrec plan (+ publish to store.demo, connect at CJ, the estimated Shopify query cost)", ["plan"], 0),
        ("cjrec apply --auto-approve (prices, publishes and connects in one apply)", ["apply", "--auto-approve"], 0),
        (
            "cjrec plan --detailed-exitcode (expect no changes, and no store call: exit 0)",
            ["plan", "--detailed-exitcode"],
            0,
        ),
    ]
    if not run_steps(cjrec, steps, env=env, work=work):
        return False
    pid = "2503190327561613000"
    step(f"In the store: product {pid}, read back from the Shopify stand-in by its cjrec.cj_pid metafield")
    product = shopify_product(endpoint, pid)
    print(json.dumps(product, indent=2))
    listed = admin(env["CJREC_API_URL"], "/connections")["connections"]
    assert isinstance(listed, list)
    connections = [c for c in listed if isinstance(c, dict) and c.get("cjProductId") == pid]
    step(f"At CJ: {len(connections)} variant connection(s) of {pid} (GET /__sandbox/connections)")
    for row in connections:
        print(f"  store variant {row['platformVariantId']} -> CJ variant {row['cjVariantId']} ({row['logistics']})")
    if not product or product.get("status") != "ACTIVE" or not connections:
        print("demo: the product is not live in the store or not connected at CJ", file=sys.stderr)
        return False
    return True


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
                "    encrypted_regex: ^(email|apiToken|accessToken|refreshToken|receiverToken|clientId|clientSecret|consumerKey|consumerSecret)$\n"
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
            if not run_steps(cjrec, steps, env=env, work=work) or not sourcing_demo(cjrec, env=env, work=work):
                return 1
            if not store_demo(cjrec, env=env, work=work):
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
