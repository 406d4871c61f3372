"""Every bad input: exit 1, a message naming the file and line (or the call), no traceback, state/ untouched.

Each case starts from a copy of one configuration that has been applied against a sandbox
(so ``state/`` holds a state, its backup, the encrypted token cache and the lock file),
breaks exactly one thing, records the sha256 of every file under ``state/``, and runs
``cjrec plan`` and ``cjrec apply --auto-approve`` (or ``apply PLAN`` for saved plans). Each
run must exit 1, name where the problem is, print no traceback and change nothing under
``state/``, and CJ must receive no addToMyProduct call.

The kinds (issue 6): malformed YAML, wrong types, unknown fields and kinds, duplicate
products across files, invalid URLs of many shapes, missing or unreadable logos, plaintext
secrets, an unencrypted Credentials file, a wrong sops key, tampered sops files, truncated
or hand-edited ``state/sync.json``, a state from a future format_version, a corrupted token
cache, truncated or edited saved plans, an unknown ``CJREC_API_URL`` scheme, and unexpected
answers from the API (missing fields, wrong types, HTML error pages, empty bodies), served by
:class:`~tests.reliability.canned_api.CannedApi` in front of the sandbox. Many manifest cases
also have a precise ``validate`` test in tests/manifest/; here the point is the state/
invariant across all of them, through plan and apply.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from reconciler.models.product_url import product_url
from reconciler.sandbox import DEMO_API_KEY, DEMO_EMAIL, Sandbox, SandboxConfig
from tests import figures
from tests.reliability.canned_api import CannedApi
from tests.reliability.harness import ADD_PATH, calls_to, new_workspace, state_checksums
from tests.support.cj_workspace import CjWorkspace
from tests.support.images import tiny_png
from tests.support.secret_watch import SecretWatch
from tests.support.sops_keys import SOPS, AgeKey, make_age_key
from tests.support.state_files import root_document, state_document

PLAN_AND_APPLY: tuple[tuple[str, ...], ...] = (("plan",), ("apply", "--auto-approve"))
APPLY_SAVED: tuple[tuple[str, ...], ...] = (("apply", "--auto-approve", "plan.json"),)
CREDS = "manifests/credentials.sops.yaml"
TOKEN_CACHE = "state/token.sops.json"
SYNC = "state/sync.json"  # the root of a format-2 state (the records are in shards it names)
HTML_500 = b"<html><head><title>500 Internal Server Error</title></head><body><center><h1>500 Internal Server Error</h1></center><hr><center>nginx</center></body></html>"
HTML_404 = b"<html><head><title>404 Not Found</title></head><body><h1>Not Found</h1></body></html>"


@dataclass
class Template:
    """An applied configuration to copy for each case."""

    root: Path
    pids: list[str]  # the three applied products
    fourth: str  # an on-sale product not yet in the manifests
    products_text: str  # manifests/products.yaml as applied
    products_text_4: str  # … with the fourth product, as plan.json was made from
    sandbox: Sandbox


def products_doc(pids: list[str], name: str = "storefront", extra: str = "") -> str:
    items = "".join(f"    - productUrl: {product_url(pid, 'item')}\n" for pid in pids)
    return f"apiVersion: cjrec/v1\nkind: Products\nmetadata: {{name: {name}}}\nspec:\n  items:\n{items}{extra}"


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    with Sandbox(SandboxConfig(qps=10, products=60, seed=5)) as running:
        yield running


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory, age_key: AgeKey, sandbox: Sandbox) -> Template:
    watch = SecretWatch()
    watch.watch_sandbox(sandbox)
    with pytest.MonkeyPatch.context() as mp:
        ws = new_workspace(
            tmp_path_factory.mktemp("template") / "repo", sandbox, key=age_key, watch=watch, monkeypatch=mp
        )
        on_sale = sandbox.catalog_pids("on_sale")
        pids, fourth = on_sale[3:6], on_sale[6]
        ws.write_bytes("manifests/logos/brand.png", tiny_png())
        ws.write(
            "manifests/logos.yaml",
            "apiVersion: cjrec/v1\nkind: Logo\nmetadata: {name: brand}\n"
            "spec: {file: logos/brand.png, publicUrl: 'https://cdn.example.com/brand.png', default: true}\n",
        )
        text, text4 = products_doc(pids), products_doc([*pids, fourth])
        ws.write("manifests/products.yaml", text)
        assert ws.run("plan", "--out", "plan-before-state.json").exit_code == 0
        applied = ws.run("apply", "--auto-approve")
        assert applied.exit_code == 0, applied.output
        assert ws.run("apply", "--auto-approve").exit_code == 0  # a second, empty apply: the steady state
        ws.write("manifests/products.yaml", text4)
        assert ws.run("plan", "--out", "plan.json").exit_code == 0
        assert ws.run("plan", "--offline", "--out", "plan-offline.json").exit_code == 0
        ws.write("manifests/products.yaml", text)
        assert (ws.root / TOKEN_CACHE).exists() and (ws.root / SYNC).exists()
    watch.check()
    return Template(ws.root, pids, fourth, text, text4, sandbox)


@pytest.fixture(scope="module")
def canned_api(sandbox: Sandbox) -> Iterator[CannedApi]:
    with CannedApi(sandbox) as api:
        yield api


# -- the cases ------------------------------------------------------------------------------
@dataclass
class Ctx:
    ws: CjWorkspace
    t: Template
    api: CannedApi
    env: dict[str, str] = field(default_factory=dict)
    key: str | None = "default"
    other_key: AgeKey | None = None

    def write(self, relpath: str, text: str) -> None:
        self.ws.write(relpath, text)

    def extra_products(self, *urls: str, name: str = "extra") -> None:
        items = "".join(f"    - productUrl: {json.dumps(u)}\n" for u in urls)
        self.write(
            "manifests/extra.yaml",
            f"apiVersion: cjrec/v1\nkind: Products\nmetadata: {{name: {name}}}\nspec:\n  items:\n{items}",
        )

    def edit(self, relpath: str, old: str, new: str, *, count: int = 1) -> None:
        path = self.ws.root / relpath
        text = path.read_text()
        assert old in text, f"{old!r} not in {relpath}"
        path.write_text(text.replace(old, new, count))

    def edit_json(self, relpath: str, change: Callable[[dict[str, object]], object]) -> None:
        path = self.ws.root / relpath
        data = json.loads(path.read_text())
        change(data)
        path.write_text(json.dumps(data, indent=2))

    def truncate(self, relpath: str, keep: float = 0.5) -> None:
        path = self.ws.root / relpath
        data = path.read_bytes()
        path.write_bytes(data[: int(len(data) * keep)])

    def sops(self, *args: str, stdin: bytes | None = None, cwd: Path | None = None) -> bytes:
        done = subprocess.run(
            [SOPS, *args], input=stdin, capture_output=True, cwd=cwd or self.ws.root, env=self.ws.sops_env(), check=True
        )
        return done.stdout

    def reencrypt_cache(self, change: Callable[[dict[str, object]], object]) -> None:
        path = self.ws.root / TOKEN_CACHE
        body = json.loads(self.sops("--decrypt", "--output-type", "json", str(path)))
        change(body)
        path.write_bytes(
            self.sops(
                "--encrypt",
                "--input-type",
                "json",
                "--output-type",
                "json",
                "--filename-override",
                str(path),
                "/dev/stdin",
                stdin=json.dumps(body).encode(),
            )
        )

    def use_canned(self) -> None:
        self.env["CJREC_API_URL"] = self.api.base_url

    def with_fourth(self) -> None:
        self.write("manifests/products.yaml", self.t.products_text_4)


@dataclass(frozen=True)
class Bad:
    id: str
    where: str  # the error must contain this: "file:line", "file" or "call …" (a regex if it starts with "re:")
    mutate: Callable[[Ctx], None]
    commands: tuple[tuple[str, ...], ...] = PLAN_AND_APPLY


def yaml_in(relpath: str, text: str) -> Callable[[Ctx], None]:
    return lambda c: c.write(relpath, text)


def url_case(name: str, url: str, where: str = "manifests/extra.yaml:6") -> Bad:
    return Bad(f"url-{name}", where, lambda c: c.extra_products(url))


P = "1712345678901234567"
X = "manifests/extra.yaml"

MANIFEST_CASES = [
    Bad(
        "yaml-unclosed-flow-mapping",
        f"{X}:",
        yaml_in(X, "apiVersion: cjrec/v1\nkind: Products\nmetadata: {name: x\nspec: {items: []}\n"),
    ),
    Bad("yaml-tab-indentation", f"{X}:", yaml_in(X, "apiVersion: cjrec/v1\nkind: Products\nspec:\n\titems: []\n")),
    Bad("yaml-unclosed-quote", f"{X}:", yaml_in(X, 'apiVersion: cjrec/v1\nkind: "Products\nspec: {items: []}\n')),
    Bad(
        "yaml-bad-indentation",
        f"{X}:",
        yaml_in(X, "apiVersion: cjrec/v1\nkind: Products\nspec:\n  items:\n  - a\n - b\n"),
    ),
    Bad("yaml-document-is-a-list", f"{X}:1", yaml_in(X, "- apiVersion: cjrec/v1\n- kind: Products\n")),
    Bad("yaml-document-is-text", f"{X}:1", yaml_in(X, "just some words\n")),
    Bad(
        "yaml-duplicate-key",
        f"{X}:3",
        yaml_in(X, "apiVersion: cjrec/v1\nkind: Products\nkind: Logo\nspec: {items: []}\n"),
    ),
    Bad("yaml-not-utf8", X, lambda c: c.ws.write_bytes(X, b"apiVersion: cjrec/v1\nkind: \xff\xfe\x00Products\n")),
    Bad(
        "yaml-billion-laughs",
        f"{X}:1",
        yaml_in(
            X,
            "a: &a [x, x, x, x, x, x, x, x, x]\n"
            + "".join(
                f"l{i}: &l{i} [" + ", ".join([f"*{'a' if i == 1 else f'l{i - 1}'}"] * 9) + "]\n" for i in range(1, 10)
            ),
        ),
    ),
    Bad("yaml-nested-too-deep", f"{X}:1", yaml_in(X, "a: " + "[" * 300 + "]" * 300 + "\n")),
    Bad(
        "yaml-custom-tag",
        f"{X}:",
        yaml_in(X, "apiVersion: cjrec/v1\nkind: Products\nmetadata: {name: x}\nspec:\n  items: !include other.yaml\n"),
    ),
    Bad(
        "wrong-api-version",
        f"{X}:1",
        yaml_in(X, "apiVersion: cjrec/v2\nkind: Products\nmetadata: {name: x}\nspec: {items: []}\n"),
    ),
    Bad("missing-api-version", f"{X}:1", yaml_in(X, "kind: Products\nmetadata: {name: x}\nspec: {items: []}\n")),
    Bad("missing-kind", f"{X}:1", yaml_in(X, "apiVersion: cjrec/v1\nmetadata: {name: x}\nspec: {items: []}\n")),
    Bad(
        "unknown-kind",
        f"{X}:2",
        yaml_in(X, "apiVersion: cjrec/v1\nkind: Product\nmetadata: {name: x}\nspec: {items: []}\n"),
    ),
    Bad(
        "unknown-kind-lowercase",
        f"{X}:2",
        yaml_in(X, "apiVersion: cjrec/v1\nkind: products\nmetadata: {name: x}\nspec: {items: []}\n"),
    ),
    Bad(
        "unknown-field-in-spec",
        f"{X}:5",
        yaml_in(X, "apiVersion: cjrec/v1\nkind: Products\nmetadata: {name: x}\nspec:\n  itemz: []\n"),
    ),
    Bad(
        "unknown-top-level-field",
        f"{X}:4",
        yaml_in(X, "apiVersion: cjrec/v1\nkind: Products\nmetadata: {name: x}\nstatus: {}\nspec: {items: []}\n"),
    ),
    Bad(
        "unknown-field-in-item",
        f"{X}:6",
        yaml_in(
            X,
            f"apiVersion: cjrec/v1\nkind: Products\nmetadata: {{name: x}}\nspec:\n  items:\n    - productURL: {product_url(P)}\n",
        ),
    ),
    Bad(
        "items-is-a-string",
        f"{X}:5",
        yaml_in(X, "apiVersion: cjrec/v1\nkind: Products\nmetadata: {name: x}\nspec:\n  items: none\n"),
    ),
    Bad(
        "item-is-a-string",
        f"{X}:6",
        yaml_in(
            X, f"apiVersion: cjrec/v1\nkind: Products\nmetadata: {{name: x}}\nspec:\n  items:\n    - {product_url(P)}\n"
        ),
    ),
    Bad(
        "product-url-is-a-number",
        f"{X}:6",
        yaml_in(
            X, f"apiVersion: cjrec/v1\nkind: Products\nmetadata: {{name: x}}\nspec:\n  items:\n    - productUrl: {P}\n"
        ),
    ),
    Bad(
        "qps-is-text",
        "manifests/settings.yaml:4",
        yaml_in("manifests/settings.yaml", "apiVersion: cjrec/v1\nkind: Settings\nspec:\n  qps: fast\n"),
    ),
    Bad(
        "qps-zero",
        "manifests/settings.yaml:4",
        yaml_in("manifests/settings.yaml", "apiVersion: cjrec/v1\nkind: Settings\nspec:\n  qps: 0\n"),
    ),
    Bad(
        "qps-above-cj-limit",
        "manifests/settings.yaml:4",
        yaml_in("manifests/settings.yaml", "apiVersion: cjrec/v1\nkind: Settings\nspec:\n  qps: 11\n"),
    ),
    Bad(
        "points-budget-negative",
        "manifests/settings.yaml:4",
        yaml_in("manifests/settings.yaml", "apiVersion: cjrec/v1\nkind: Settings\nspec:\n  pointsBudget: -5\n"),
    ),
    Bad(
        "points-budget-fraction",
        "manifests/settings.yaml:4",
        yaml_in("manifests/settings.yaml", "apiVersion: cjrec/v1\nkind: Settings\nspec:\n  pointsBudget: 1.5\n"),
    ),
    Bad(
        "metadata-name-is-a-list",
        f"{X}:3",
        yaml_in(X, "apiVersion: cjrec/v1\nkind: Products\nmetadata: {name: [a, b]}\nspec: {items: []}\n"),
    ),
    Bad("duplicate-product-across-files", f"{X}:6", lambda c: c.extra_products(product_url(c.t.pids[0], "again"))),
    Bad(
        "duplicate-product-in-one-file",
        f"{X}:7",
        lambda c: c.extra_products(product_url(c.t.fourth), product_url(c.t.fourth, "twice")),
    ),
    Bad(
        "duplicate-product-by-legacy-url",
        f"{X}:6",
        lambda c: c.extra_products(f"https://app.cjdropshipping.com/product-detail.html?id={c.t.pids[1]}"),
    ),
    Bad(
        "two-settings-documents",
        "manifests/",
        yaml_in("manifests/more-settings.yaml", "apiVersion: cjrec/v1\nkind: Settings\nspec: {qps: 2}\n"),
    ),
    Bad("manifests-folder-missing", "no-such-folder", lambda c: c.env.update(CJREC_MANIFESTS="no-such-folder")),
]

URL_CASES = [
    url_case("other-host", f"https://example.com/product/mug-p-{P}.html"),
    url_case("lookalike-host", f"https://cjdropshipping.com.evil.example/product/mug-p-{P}.html"),
    url_case("typo-host", f"https://cjdrophipping.com/product/mug-p-{P}.html"),
    url_case("aliexpress", "https://www.aliexpress.com/item/1005001234567890.html"),
    url_case("ftp-scheme", f"ftp://cjdropshipping.com/product/mug-p-{P}.html"),
    url_case("javascript", "javascript:alert(1)"),
    url_case("relative-path", f"/product/mug-p-{P}.html"),
    url_case("empty", ""),
    url_case("spaces", "   "),
    url_case("no-marker", "https://cjdropshipping.com/product/ceramic-mug.html"),
    url_case("pid-too-short", "https://cjdropshipping.com/product/mug-p-12345.html"),
    url_case("pid-too-long", "https://cjdropshipping.com/product/mug-p-123456789012345678901234.html"),
    url_case("truncated-uuid", "https://cjdropshipping.com/product/mug-p-000B9312-456A-4D31-94BD.html"),
    url_case("wrong-extension", f"https://cjdropshipping.com/product/mug-p-{P}.htm"),
    url_case("slash-in-path", f"https://cjdropshipping.com/product/mugs/mug-p-{P}.html"),
    url_case("userinfo", f"https://user:secret@cjdropshipping.com/product/mug-p-{P}.html"),
    url_case("odd-port", f"https://cjdropshipping.com:8443/product/mug-p-{P}.html"),
    url_case("bad-ipv6-host", "https://[::1/product/mug-p-1.html"),
    url_case("legacy-without-id", "https://app.cjdropshipping.com/product-detail.html"),
    url_case("legacy-empty-id", "https://app.cjdropshipping.com/product-detail.html?id="),
    url_case("legacy-two-ids", f"https://app.cjdropshipping.com/product-detail.html?id={P}&id=1712345678901234568"),
    url_case("legacy-id-not-a-pid", "https://app.cjdropshipping.com/product-detail.html?id=mug"),
]


def logo_doc(spec: str, name: str = "other") -> Callable[[Ctx], None]:
    return yaml_in(
        "manifests/more-logos.yaml", f"apiVersion: cjrec/v1\nkind: Logo\nmetadata: {{name: {name}}}\nspec: {spec}\n"
    )


def dangling_logo(c: Ctx) -> None:
    os.symlink(c.ws.root / "manifests" / "logos" / "gone.png", c.ws.root / "manifests" / "logos" / "link.png")
    logo_doc("{file: logos/link.png, publicUrl: 'https://cdn.example.com/l.png'}")(c)


def directory_logo(c: Ctx) -> None:
    (c.ws.root / "manifests" / "logos" / "dir.png").mkdir()
    logo_doc("{file: logos/dir.png, publicUrl: 'https://cdn.example.com/d.png'}")(c)


def text_logo(c: Ctx) -> None:
    c.ws.write("manifests/logos/notes.png", "these are not the pixels you are looking for\n")
    logo_doc("{file: logos/notes.png, publicUrl: 'https://cdn.example.com/n.png'}")(c)


def truncated_logo(c: Ctx) -> None:
    c.ws.write_bytes("manifests/logos/cut.png", tiny_png()[:20])
    logo_doc("{file: logos/cut.png, publicUrl: 'https://cdn.example.com/c.png'}")(c)


LOGO_CASES = [
    Bad(
        "logo-file-missing",
        "manifests/more-logos.yaml:4",
        logo_doc("{file: logos/missing.png, publicUrl: 'https://cdn.example.com/m.png'}"),
    ),
    Bad("logo-file-is-a-folder", "manifests/more-logos.yaml:4", directory_logo),
    Bad("logo-dangling-symlink", "manifests/more-logos.yaml:4", dangling_logo),
    Bad("logo-not-an-image", "manifests/more-logos.yaml:4", text_logo),
    Bad("logo-truncated-png", "manifests/more-logos.yaml:4", truncated_logo),
    Bad(
        "logo-outside-the-repository",
        "manifests/more-logos.yaml:4",
        logo_doc("{file: ../../../../etc/passwd, publicUrl: 'https://cdn.example.com/p.png'}"),
    ),
    Bad(
        "logo-public-url-not-https",
        "manifests/more-logos.yaml:4",
        logo_doc("{file: logos/brand.png, publicUrl: 'http://cdn.example.com/b.png'}"),
    ),
    Bad(
        "logo-file-and-url",
        "manifests/more-logos.yaml:4",
        logo_doc("{file: logos/brand.png, url: 'https://cdn.example.com/b.png'}"),
    ),
    Bad(
        "second-default-logo",
        "manifests/more-logos.yaml:4",
        logo_doc("{file: logos/brand.png, publicUrl: 'https://cdn.example.com/b.png', default: true}"),
    ),
    Bad(
        "product-names-unknown-logo",
        f"{X}:7",
        yaml_in(
            X,
            f"apiVersion: cjrec/v1\nkind: Products\nmetadata: {{name: x}}\nspec:\n  items:\n    - productUrl: {product_url(P)}\n      logo: nosuch\n",
        ),
    ),
]


def plaintext_credentials(c: Ctx, name: str) -> None:
    (c.ws.root / CREDS).unlink()
    c.write(
        name,
        f"apiVersion: cjrec/v1\nkind: Credentials\nmetadata: {{name: main}}\nspec:\n  email: {DEMO_EMAIL}\n  apiToken: {DEMO_API_KEY}\n",
    )


def wrong_key(c: Ctx) -> None:
    c.key = make_age_key().private


def no_key(c: Ctx) -> None:
    c.key = None


def tamper_encrypted_value(c: Ctx) -> None:
    path = c.ws.root / CREDS
    text = path.read_text()
    match = re.search(r"(apiToken: ENC\[AES256_GCM,data:)([^,]{4})", text)
    assert match
    flipped = "".join("A" if ch != "A" else "B" for ch in match.group(2))
    path.write_text(text[: match.start(2)] + flipped + text[match.end(2) :])


def encrypt_to_someone_else(c: Ctx) -> None:
    other = make_age_key()
    (c.ws.root / CREDS).unlink()
    c.write(
        CREDS,
        f"apiVersion: cjrec/v1\nkind: Credentials\nmetadata: {{name: main}}\nspec:\n  email: {DEMO_EMAIL}\n  apiToken: {DEMO_API_KEY}\n",
    )
    c.sops("--encrypt", "--in-place", "--age", other.public, CREDS)
    c.ws.watch.note_input(c.ws.root / CREDS)


def plaintext_credentials_second(c: Ctx) -> None:
    c.write(
        "manifests/more.sops.yaml",
        f"apiVersion: cjrec/v1\nkind: Credentials\nmetadata: {{name: second}}\nspec:\n  email: {DEMO_EMAIL}\n  apiToken: {DEMO_API_KEY}\n",
    )
    c.sops("--encrypt", "--in-place", "manifests/more.sops.yaml")
    c.ws.watch.note_input(c.ws.root / "manifests/more.sops.yaml")


SECRET_CASES = [
    Bad(
        "plaintext-token-in-credentials-yaml",
        "manifests/credentials.yaml:6",
        lambda c: plaintext_credentials(c, "manifests/credentials.yaml"),
    ),
    Bad("unencrypted-credentials-sops-file", f"{CREDS}:6", lambda c: plaintext_credentials(c, CREDS)),
    Bad(
        "api-key-pasted-into-products",
        f"{X}:3",
        yaml_in(X, f"apiVersion: cjrec/v1\nkind: Products\nmetadata: {{name: {DEMO_API_KEY}}}\nspec: {{items: []}}\n"),
    ),
    Bad("wrong-sops-key", CREDS, wrong_key),
    Bad("no-sops-key", CREDS, no_key),
    Bad("encrypted-to-another-key", CREDS, encrypt_to_someone_else),
    Bad("tampered-encrypted-value", CREDS, tamper_encrypted_value),
    Bad("tampered-clear-value-mac-mismatch", CREDS, lambda c: c.edit(CREDS, "name: main", "name: mine")),
    Bad("sops-metadata-cut-off", CREDS, lambda c: c.edit(CREDS, "sops:", "notsops:")),
    Bad("credentials-file-truncated", CREDS, lambda c: c.truncate(CREDS, 0.6)),
    Bad("second-credentials-document", "manifests/", plaintext_credentials_second),
    Bad("no-credentials-at-all", "Credentials", lambda c: (c.ws.root / CREDS).unlink()),
]


def state_set(key: str, value: object) -> Callable[[Ctx], None]:
    return lambda c: c.edit_json(SYNC, lambda d: d.__setitem__(key, value))


def as_format_1(c: Ctx) -> None:
    """Turn the workspace's state into one format-1 document (as the previous release wrote it), records inside."""
    (c.ws.root / SYNC).write_text(json.dumps(state_document(c.ws.root / "state"), indent=2))


def edit_shard(c: Ctx) -> None:
    """Hand-edit one product shard without updating the root's hash."""
    # one the root names: a shard only the backup names any more is not read
    name = next(n for n in sorted(root_document(c.ws.root / "state")["shards"]) if n.startswith("products/"))
    path = c.ws.root / "state" / name
    text = path.read_text()
    path.write_text(text.replace('"added"', '"adopted"', 1) if '"added"' in text else text.replace('"adopted"', '"added"', 1))


def first_product(change: Callable[[dict[str, object]], object]) -> Callable[[Ctx], None]:
    def mutate(c: Ctx) -> None:
        as_format_1(c)

        def edit(d: dict[str, object]) -> None:
            products = d["products"]
            assert isinstance(products, dict)
            change(products[sorted(products)[0]])

        c.edit_json(SYNC, edit)

    return mutate


def rename_first_product(new_pid: str) -> Callable[[Ctx], None]:
    def mutate(c: Ctx) -> None:
        as_format_1(c)

        def edit(d: dict[str, object]) -> None:
            products = d["products"]
            assert isinstance(products, dict)
            products[new_pid] = products.pop(sorted(products)[0])

        c.edit_json(SYNC, edit)

    return mutate


STATE_CASES = [
    Bad("state-truncated", f"re:{SYNC}:\\d+: the state is not valid JSON", lambda c: c.truncate(SYNC)),
    Bad("state-empty-file", f"{SYNC}:1", lambda c: (c.ws.root / SYNC).write_bytes(b"")),
    Bad("state-binary-garbage", SYNC, lambda c: (c.ws.root / SYNC).write_bytes(os.urandom(64) + b"\xff")),
    Bad("state-nested-too-deep", SYNC, lambda c: (c.ws.root / SYNC).write_text("[" * 50_000)),
    Bad("state-is-a-list", SYNC, lambda c: (c.ws.root / SYNC).write_text("[]")),
    Bad("state-from-the-future", f"{SYNC}: written by a newer cjrec", state_set("format_version", 99)),
    Bad("state-format-version-text", SYNC, state_set("format_version", "1")),
    Bad("state-without-format-version", SYNC, lambda c: c.edit_json(SYNC, lambda d: d.pop("format_version"))),
    Bad("state-lineage-not-a-uuid", SYNC, state_set("lineage", "my-lineage")),
    Bad("state-without-lineage", SYNC, lambda c: c.edit_json(SYNC, lambda d: d.pop("lineage"))),
    Bad("state-serial-text", SYNC, state_set("serial", "seven")),
    Bad("state-products-a-list", SYNC, state_set("products", [])),
    Bad("state-format-1-products-a-list", SYNC, lambda c: (as_format_1(c), state_set("products", [])(c))),
    Bad("state-shard-hand-edited", "does not match the hash the state root records", edit_shard),
    Bad("state-pid-not-canonical", SYNC, rename_first_product("mug")),
    Bad("state-pid-lowercase-uuid", SYNC, rename_first_product("000b9312-456a-4d31-94bd-b083e2a198e8")),
    Bad("state-unknown-origin", SYNC, first_product(lambda r: r.__setitem__("origin", "borrowed"))),  # type: ignore[attr-defined]
    Bad("state-record-without-url", SYNC, first_product(lambda r: r.pop("url"))),  # type: ignore[attr-defined]
    Bad(
        "state-snapshot-wrong-type",
        SYNC,
        first_product(lambda r: r.__setitem__("snapshot", {"name": "x", "customization_version": "many"})),
    ),  # type: ignore[attr-defined]
    Bad(
        "state-dir-is-a-file",
        "state-file",
        lambda c: (c.ws.write("state-file", "not a folder\n"), c.env.update(CJREC_STATE_DIR="state-file")),
    ),
]

TOKEN_CASES = [
    Bad("token-cache-garbage", TOKEN_CACHE, lambda c: (c.ws.root / TOKEN_CACHE).write_bytes(os.urandom(200))),
    Bad(
        "token-cache-plaintext",
        TOKEN_CACHE,
        lambda c: (c.ws.root / TOKEN_CACHE).write_text(json.dumps({"format_version": 1, "access_token": "x" * 40})),
    ),
    Bad("token-cache-truncated", TOKEN_CACHE, lambda c: c.truncate(TOKEN_CACHE)),
    Bad(
        "token-cache-tampered",
        TOKEN_CACHE,
        lambda c: c.edit(
            TOKEN_CACHE, '"access_token": "ENC[AES256_GCM,data:', '"access_token": "ENC[AES256_GCM,data:AAAA'
        ),
    ),
    Bad(
        "token-cache-future-format",
        TOKEN_CACHE,
        lambda c: c.reencrypt_cache(lambda d: d.__setitem__("format_version", 9)),
    ),  # type: ignore[attr-defined]
    Bad(
        "token-cache-bad-expiry",
        TOKEN_CACHE,
        lambda c: c.reencrypt_cache(lambda d: d.__setitem__("access_token_expiry", "next tuesday")),
    ),  # type: ignore[attr-defined]
]


def saved_plan(change: Callable[[Ctx], object]) -> Callable[[Ctx], None]:
    """The manifests plan.json was made from, and then ``change`` to the plan file."""

    def mutate(c: Ctx) -> None:
        c.with_fourth()
        change(c)

    return mutate


def no_change(c: Ctx) -> None:
    return None


PLAN_CASES = [
    Bad("saved-plan-truncated", "plan.json", saved_plan(lambda c: c.truncate("plan.json")), APPLY_SAVED),
    Bad(
        "saved-plan-edited",
        "plan.json: the saved plan was edited",
        saved_plan(lambda c: c.edit("plan.json", c.t.fourth, c.t.pids[0])),
        APPLY_SAVED,
    ),
    Bad(
        "saved-plan-binary",
        "plan.json",
        saved_plan(lambda c: (c.ws.root / "plan.json").write_bytes(b"\x00\xff" * 10)),
        APPLY_SAVED,
    ),
    Bad(
        "saved-plan-without-checksum",
        "plan.json",
        saved_plan(lambda c: c.edit_json("plan.json", lambda d: d.pop("checksum"))),
        APPLY_SAVED,
    ),
    Bad(
        "saved-plan-future-format",
        "plan.json",
        saved_plan(lambda c: c.edit_json("plan.json", lambda d: d.__setitem__("format_version", 99))),
        APPLY_SAVED,
    ),
    Bad(
        "saved-plan-nested-too-deep",
        "plan.json",
        saved_plan(lambda c: (c.ws.root / "plan.json").write_text("[" * 50_000)),
        APPLY_SAVED,
    ),
    Bad("saved-plan-missing", "nothing.json", no_change, (("apply", "--auto-approve", "nothing.json"),)),
    Bad(
        "saved-plan-offline",
        "plan-offline.json",
        saved_plan(no_change),
        (("apply", "--auto-approve", "plan-offline.json"),),
    ),
    Bad(
        "saved-plan-stale",
        "plan-before-state.json is stale",
        no_change,
        (("apply", "--auto-approve", "plan-before-state.json"),),
    ),
    Bad("saved-plan-manifests-changed", "plan.json is stale", no_change, APPLY_SAVED),
]

CONFIG_CASES = [
    Bad("api-url-ftp", "CJREC_API_URL", lambda c: c.env.update(CJREC_API_URL="ftp://127.0.0.1/api2.0/v1")),
    Bad("api-url-file", "CJREC_API_URL", lambda c: c.env.update(CJREC_API_URL="file:///etc/passwd")),
    Bad("api-url-no-scheme", "CJREC_API_URL", lambda c: c.env.update(CJREC_API_URL="localhost:8765/api2.0/v1")),
    Bad(
        "api-url-plain-http-remote",
        "CJREC_API_URL",
        lambda c: c.env.update(CJREC_API_URL="http://developers.cjdropshipping.com/api2.0/v1"),
    ),
    Bad("api-url-no-host", "CJREC_API_URL", lambda c: c.env.update(CJREC_API_URL="https:///api2.0/v1")),
    Bad("http-timeout-not-a-number", "CJREC_HTTP_TIMEOUT", lambda c: c.env.update(CJREC_HTTP_TIMEOUT="soon")),
]

LIST = "/product/myProduct/query"
DETAIL = "/product/query"


def canned(
    path: str, status: int, body: bytes, content_type: str = "application/json", *, fourth: bool = False
) -> Callable[[Ctx], None]:
    def mutate(c: Ctx) -> None:
        c.use_canned()
        if fourth:
            c.with_fourth()
        c.api.answer("POST" if path == ADD_PATH else "GET", path, status, body, content_type=content_type)

    return mutate


def ok(data: object) -> bytes:
    return json.dumps({"code": 200, "result": True, "message": "Success", "data": data, "requestId": "r-1"}).encode()


def page(rows: list[object]) -> bytes:
    return ok({"pageNumber": 1, "pageSize": 200, "totalRecords": len(rows), "totalPages": 1, "content": rows})


CALL_LIST, CALL_DETAIL, CALL_ADD = f"call GET {LIST}", f"call GET {DETAIL}", f"call POST {ADD_PATH}"
API_CASES = [
    Bad("api-html-page", CALL_LIST, canned(LIST, 200, HTML_500, "text/html")),
    Bad("api-404-html-page", CALL_LIST, canned(LIST, 404, HTML_404, "text/html")),
    Bad("api-empty-body", CALL_LIST, canned(LIST, 200, b"")),
    Bad("api-truncated-json", CALL_LIST, canned(LIST, 200, ok({"content": []})[:25])),
    Bad("api-json-array", CALL_LIST, canned(LIST, 200, b"[1, 2, 3]")),
    Bad("api-nested-too-deep", CALL_LIST, canned(LIST, 200, b"[" * 50_000)),
    Bad(
        "api-no-data", CALL_LIST, canned(LIST, 200, json.dumps({"code": 200, "result": True, "message": "ok"}).encode())
    ),
    Bad(
        "api-no-result-field",
        CALL_LIST,
        canned(LIST, 200, json.dumps({"code": 200, "message": "ok", "data": {}}).encode()),
    ),
    Bad(
        "api-code-as-text",
        CALL_LIST,
        canned(LIST, 200, json.dumps({"code": "200", "result": True, "data": {}}).encode()),
    ),
    Bad("api-data-is-a-string", CALL_LIST, canned(LIST, 200, ok("all good"))),
    Bad("api-content-not-a-list", CALL_LIST, canned(LIST, 200, ok({"content": {"a": 1}, "totalPages": 1}))),
    Bad("api-row-without-product-id", CALL_LIST, canned(LIST, 200, page([{"nameEn": "mug"}]))),
    Bad("api-product-id-a-float", CALL_LIST, canned(LIST, 200, page([{"productId": 1.7e18}]))),
    Bad("api-product-id-a-bool", CALL_LIST, canned(LIST, 200, page([{"productId": True}]))),
    Bad(
        "api-param-error",
        CALL_LIST,
        canned(LIST, 200, json.dumps({"code": 1600300, "result": False, "message": "param error"}).encode()),
    ),
    Bad("api-detail-data-null", CALL_DETAIL, canned(DETAIL, 200, ok(None), fourth=True)),
    Bad(
        "api-detail-without-pid",
        CALL_DETAIL,
        canned(DETAIL, 200, ok({"productNameEn": "mug", "variants": []}), fourth=True),
    ),
    Bad(
        "api-detail-variants-not-a-list",
        CALL_DETAIL,
        canned(DETAIL, 200, ok({"pid": P, "variants": "many"}), fourth=True),
    ),
    Bad(
        "api-detail-variant-without-vid",
        CALL_DETAIL,
        canned(DETAIL, 200, ok({"pid": P, "variants": [{"variantSku": "x"}]}), fourth=True),
    ),
    Bad(
        "api-add-html-page",
        CALL_ADD,
        canned(ADD_PATH, 200, HTML_500, "text/html", fourth=True),
        (("apply", "--auto-approve"),),
    ),
    Bad("api-add-empty-body", CALL_ADD, canned(ADD_PATH, 200, b"", fourth=True), (("apply", "--auto-approve"),)),
]

CASES = (
    MANIFEST_CASES
    + URL_CASES
    + LOGO_CASES
    + SECRET_CASES
    + STATE_CASES
    + TOKEN_CASES
    + PLAN_CASES
    + CONFIG_CASES
    + API_CASES
)


def test_there_are_at_least_60_bad_inputs_with_distinct_names() -> None:
    names = [case.id for case in CASES]
    assert len(names) == len(set(names))
    assert len(names) >= 60


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_bad_input_exits_1_names_the_place_prints_no_traceback_and_leaves_state_alone(
    case: Bad,
    template: Template,
    canned_api: CannedApi,
    tmp_path: Path,
    age_key: AgeKey,
    secret_watch: SecretWatch,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    root = tmp_path / "repo"
    shutil.copytree(template.root, root, symlinks=True)
    secret_watch.add_root(root)
    secret_watch.watch_sandbox(template.sandbox)
    ws = CjWorkspace(root=root, key=age_key, watch=secret_watch, monkeypatch=monkeypatch)
    ws.sandbox = template.sandbox
    ctx = Ctx(ws, template, canned_api)
    canned_api.clear()
    case.mutate(ctx)
    for path in root.rglob("*"):  # the copy and the breakage are test input; what the runs write is scanned
        secret_watch.note_input(path)
    before = state_checksums(root / "state")
    assert before, "the template has a state"
    template.sandbox.clear_calls()
    for command in case.commands:
        env = {"CJREC_API_URL": template.sandbox.base_url, **ctx.env}
        result = ws.cli(*command, key=ctx.key, env=env)
        shown = f"`cjrec {' '.join(command)}` on {case.id}:\n{result.output[-3000:]}"
        assert result.exit_code == 1, shown
        if case.where.startswith("re:"):
            assert re.search(case.where[3:], result.stderr), shown
        else:
            assert case.where in result.stderr, shown
        assert "Traceback" not in result.output, shown
        assert "internal error" not in result.output, shown
        assert state_checksums(root / "state") == before, f"{shown}\nstate/ changed"
        figures.add("bad_input_runs")
    assert calls_to(template.sandbox, ADD_PATH) == [], "CJ was asked to add a product"
    figures.add("bad_inputs_tried")
