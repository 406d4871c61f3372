"""Invalid manifests fail `cjrec validate` with exit 1 and a `file:line: field: message` per problem.

Every case starts from a complete, valid configuration (``valid_workspace``: an encrypted
Credentials file, a Logo, two Products, Settings) and breaks exactly one thing, usually by
adding ``manifests/shop.yaml``. The expected problems are listed with their file, line,
field path and a fragment of the message, and the run must report exactly those problems:
no fewer (nothing missed) and no more (no follow-on noise), and never a traceback.

Files are read in sorted order, so when two places clash (a duplicate product, a second
default logo…) the one in ``shop.yaml``, which sorts after the valid files, is reported and
its message names the first place.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.support.images import tiny_png
from tests.support.manifests import PRODUCT_URL
from tests.support.workspace import API_TOKEN, EMAIL, Workspace

EXPECTED_FORM = "https://cjdropshipping.com/product/<name>-p-<id>.html"
NUMERIC_PID = "1658748072937136128"
UUID_PID = "000B9312-456A-4D31-94BD-B083E2A198E8"  # the pid of tests.support.manifests.UUID_URL
OTHER_API_KEY = "CJ1111111@api@" + "feedfacecafebeef" * 2


@dataclass(frozen=True)
class Expect:
    """One problem the run must report.

    ``file`` is relative to ``manifests/`` (None for a problem of the whole configuration);
    ``line`` is a number, or a text whose line in that file is meant (for files sops
    rewrote, whose layout the test does not control); ``field`` is the field path, empty
    when the problem concerns the whole document or file.
    """

    file: str | None
    line: int | str | None
    field: str
    words: str


@dataclass(frozen=True)
class Case:
    id: str
    expect: tuple[Expect, ...]
    files: dict[str, str] = field(default_factory=dict)
    setup: Callable[[Workspace], None] | None = None
    key: str | None = "default"


def at(line: int | str | None, field_path: str, words: str, file: str | None = "shop.yaml") -> Expect:
    return Expect(file, line, field_path, words)


def products_with(url: str) -> str:
    """A Products document whose only item (line 6) has ``url``."""
    return f"""
        apiVersion: cjrec/v1
        kind: Products
        metadata: {{name: shop}}
        spec:
          items:
            - productUrl: '{url}'
        """


def _write_bytes(ws: Workspace, relpath: str, data: bytes) -> None:
    ws.write_bytes(relpath, data)


def _second_credentials(ws: Workspace) -> None:
    ws.credentials(relpath="manifests/more/second.sops.yaml")


# -- cases ------------------------------------------------------------------------------
CASES: list[Case] = []


def case(
    id: str,
    *expect: Expect,
    files: dict[str, str] | None = None,
    setup: Callable[[Workspace], None] | None = None,
    key: str | None = "default",
) -> None:
    CASES.append(Case(id=id, expect=expect, files=files or {}, setup=setup, key=key))


def shop_case(id: str, text: str, *expect: Expect, setup: Callable[[Workspace], None] | None = None) -> None:
    """A case whose broken document is ``manifests/shop.yaml``."""
    case(id, *expect, files={"manifests/shop.yaml": text}, setup=setup)


# YAML that cannot be parsed, and documents that are not mappings
case(
    "malformed-yaml-mapping-value-in-a-plain-scalar",
    at(2, "", "invalid YAML: mapping values are not allowed"),
    files={"manifests/shop.yaml": "apiVersion: cjrec/v1\nkind: Products: Logo\nspec: {}\n"},
)
case(
    "malformed-yaml-tab-indentation",
    at(5, "", "invalid YAML"),
    files={"manifests/shop.yaml": "apiVersion: cjrec/v1\nkind: Products\nmetadata: {name: shop}\nspec:\n\titems: []\n"},
)
case(
    "malformed-yaml-bad-indentation-in-an-item",
    at(7, "", "invalid YAML"),
    files={
        "manifests/shop.yaml": "apiVersion: cjrec/v1\nkind: Products\nmetadata: {name: shop}\nspec:\n"
        f"  items:\n    - productUrl: {PRODUCT_URL}\n   logo: brand\n"
    },
)
case(
    "file-that-is-not-utf8",
    at(None, "", "cannot read the file"),
    setup=lambda ws: _write_bytes(
        ws, "manifests/shop.yaml", b"apiVersion: cjrec/v1\nkind: Logo\nmetadata: {name: \xff}\n"
    ),
)
case(
    "document-that-is-a-list",
    at(1, "", "must be a mapping"),
    files={"manifests/shop.yaml": "- apiVersion: cjrec/v1\n- kind: Logo\n"},
)
case("document-that-is-a-string", at(1, "", "must be a mapping"), files={"manifests/shop.yaml": "just some words\n"})
case(
    "mapping-key-that-is-a-list",
    at(6, "spec", "mapping keys must be plain strings"),
    files={
        "manifests/shop.yaml": "apiVersion: cjrec/v1\nkind: Products\nmetadata: {name: shop}\nspec:\n  items: []\n  [a, b]: c\n"
    },
)

# apiVersion and kind
shop_case(
    "missing-apiVersion",
    "\nkind: Products\nmetadata: {name: shop}\nspec: {items: []}\n",
    at(1, "apiVersion", "missing; expected 'cjrec/v1'"),
)
shop_case(
    "wrong-apiVersion",
    "\n# a comment first\napiVersion: cjrec/v2\nkind: Products\nmetadata: {name: shop}\nspec: {items: []}\n",
    at(2, "apiVersion", "'cjrec/v2'; expected 'cjrec/v1'"),
)
shop_case(
    "kubernetes-style-apiVersion",
    "\napiVersion: v1\nkind: Products\nmetadata: {name: shop}\nspec: {items: []}\n",
    at(1, "apiVersion", "expected 'cjrec/v1'"),
)
shop_case(
    "unknown-kind",
    "\napiVersion: cjrec/v1\nkind: Product\nmetadata: {name: shop}\nspec: {items: []}\n",
    at(2, "kind", "unknown kind 'Product'"),
)
shop_case(
    "missing-kind",
    "\napiVersion: cjrec/v1\nmetadata: {name: shop}\nspec: {items: []}\n",
    at(1, "kind", "missing `kind`"),
)

# unknown fields at every level
shop_case(
    "unknown-top-level-field",
    "\napiVersion: cjrec/v1\nkind: Products\nmetadata: {name: shop}\nspec: {items: []}\nstatus: {synced: true}\n",
    at(5, "status", "unknown field"),
)
shop_case(
    "unknown-metadata-field",
    "\napiVersion: cjrec/v1\nkind: Products\nmetadata:\n  name: shop\n  namespace: default\nspec: {items: []}\n",
    at(5, "metadata.namespace", "unknown field"),
)
shop_case(
    "unknown-spec-field",
    "\napiVersion: cjrec/v1\nkind: Products\nmetadata: {name: shop}\nspec:\n  items: []\n  autoSync: true\n",
    at(6, "spec.autoSync", "unknown field"),
)
shop_case(
    "unknown-item-field",
    f"""
        apiVersion: cjrec/v1
        kind: Products
        metadata: {{name: shop}}
        spec:
          items:
            - productUrl: https://cjdropshipping.com/product/mug-p-{NUMERIC_PID}.html
            - productUrl: https://cjdropshipping.com/product/cap-p-1712345678901234567.html
              sku: CJ-CAP-01
        """,
    at(8, "spec.items[1].sku", "unknown field"),
)
shop_case(
    "unknown-logo-spec-field",
    "\napiVersion: cjrec/v1\nkind: Logo\nmetadata: {name: shop}\nspec:\n  url: https://cdn.example.com/x.png\n  size: 20\n",
    at(6, "spec.size", "unknown field"),
)

# wrong types and values
SETTINGS = "\napiVersion: cjrec/v1\nkind: Settings\nspec:\n  qps: {qps}\n  pointsBudget: {budget}\n"
for _id, _qps, _budget, _field, _words in [
    ("qps-is-a-word", "fast", "100", "spec.qps", "must be auto (the account's limit, from CJ) or a number"),
    ("qps-zero", "0", "100", "spec.qps", "greater than 0"),
    ("qps-eleven", "11", "100", "spec.qps", "at most 10"),
    ("pointsBudget-negative", "1", "-5", "spec.pointsBudget", "greater than or equal to 0"),
    ("pointsBudget-fractional", "1", "2.5", "spec.pointsBudget", "valid integer"),
]:
    case(
        _id,
        at(4 if _field == "spec.qps" else 5, _field, _words, file="settings.yml"),
        files={"manifests/settings.yml": SETTINGS.format(qps=_qps, budget=_budget)},
    )
case(
    "settings-spec-not-a-mapping",
    at(3, "spec", "valid dictionary", file="settings.yml"),
    files={"manifests/settings.yml": "apiVersion: cjrec/v1\nkind: Settings\nspec: 4\n"},
)
shop_case(
    "items-is-a-mapping",
    "\napiVersion: cjrec/v1\nkind: Products\nmetadata: {name: shop}\nspec:\n  items:\n    productUrl: https://cjdropshipping.com/product/a-p-1712345678901234567.html\n",
    at(5, "spec.items", "valid list"),
)
shop_case(
    "items-is-a-string",
    "\napiVersion: cjrec/v1\nkind: Products\nmetadata: {name: shop}\nspec: {items: none}\n",
    at(4, "spec.items", "valid list"),
)
shop_case(
    "item-is-a-bare-url",
    "\napiVersion: cjrec/v1\nkind: Products\nmetadata: {name: shop}\nspec:\n  items:\n    - https://cjdropshipping.com/product/a-p-1712345678901234567.html\n",
    at(6, "spec.items[0]", "valid dictionary"),
)
shop_case(
    "item-without-productUrl",
    "\napiVersion: cjrec/v1\nkind: Products\nmetadata: {name: shop}\nspec:\n  items:\n    - logo: brand\n",
    at(6, "spec.items[0]", "give exactly one of `productUrl` (a CJ product) or `sourceUrl`"),
)
shop_case(
    "productUrl-is-a-number",
    f"\napiVersion: cjrec/v1\nkind: Products\nmetadata: {{name: shop}}\nspec:\n  items:\n    - productUrl: {NUMERIC_PID}\n",
    at(6, "spec.items[0].productUrl", "valid string"),
)
shop_case(
    "default-is-not-a-bool",
    "\napiVersion: cjrec/v1\nkind: Logo\nmetadata: {name: shop}\nspec:\n  url: https://cdn.example.com/x.png\n  default: maybe\n",
    at(6, "spec.default", "valid boolean"),
)
shop_case(
    "products-without-metadata",
    "\napiVersion: cjrec/v1\nkind: Products\nspec: {items: []}\n",
    at(1, "metadata", "missing required field"),
)
shop_case(
    "logo-without-spec",
    "\napiVersion: cjrec/v1\nkind: Logo\nmetadata: {name: shop}\n",
    at(1, "spec", "missing required field"),
)

# metadata names
for _id, _name in [
    ("name-with-uppercase", "Shop"),
    ("name-with-a-space", "'my shop'"),
    ("name-starting-with-a-hyphen", "'-shop'"),
    ("name-ending-with-a-dot", "shop."),
    ("name-longer-than-63-characters", "s" * 64),
    ("name-empty", "''"),
]:
    shop_case(
        _id,
        f"\napiVersion: cjrec/v1\nkind: Products\nmetadata:\n  name: {_name}\nspec: {{items: []}}\n",
        at(4, "metadata.name", "names use lowercase letters"),
    )
shop_case(
    "name-that-is-a-number",
    "\napiVersion: cjrec/v1\nkind: Products\nmetadata:\n  name: 42\nspec: {items: []}\n",
    at(4, "metadata.name", "valid string"),
)
shop_case(
    "logo-reference-that-is-not-a-name",
    f"\napiVersion: cjrec/v1\nkind: Products\nmetadata: {{name: shop}}\nspec:\n  items:\n    - productUrl: https://cjdropshipping.com/product/a-p-{NUMERIC_PID}.html\n      logo: Brand Logo\n",
    at(7, "spec.items[0].logo", "match pattern"),
)

# duplicate mapping keys, which plain YAML loaders silently overwrite
shop_case(
    "duplicate-top-level-key",
    "\napiVersion: cjrec/v1\nkind: Products\nmetadata: {name: shop}\nkind: Logo\nspec: {items: []}\n",
    at(4, "kind", "appears twice"),
)
shop_case(
    "duplicate-key-in-an-item",
    f"\napiVersion: cjrec/v1\nkind: Products\nmetadata: {{name: shop}}\nspec:\n  items:\n    - productUrl: https://cjdropshipping.com/product/a-p-{NUMERIC_PID}.html\n      logo: brand\n      logo: other\n",
    at(8, "spec.items[0].logo", "appears twice"),
)

# the same product twice
shop_case(
    "same-product-in-two-files",
    products_with(PRODUCT_URL),
    at(6, "spec.items[0].productUrl", "already listed at manifests/products.yaml:6"),
)
shop_case(
    "same-product-through-www-and-a-slug-change",
    products_with("https://www.cjdropshipping.com/product/another-name-p-2503190327561613000.html"),
    at(6, "spec.items[0].productUrl", "product 2503190327561613000 is already listed at manifests/products.yaml:6"),
)
shop_case(
    "same-pid-through-legacy-and-current-url",
    f"""
        apiVersion: cjrec/v1
        kind: Products
        metadata: {{name: shop}}
        spec:
          items:
            - productUrl: https://cjdropshipping.com/product/mug-p-{NUMERIC_PID}.html
            - productUrl: https://app.cjdropshipping.com/product-detail.html?id={NUMERIC_PID}
        """,
    at(7, "spec.items[1].productUrl", f"product {NUMERIC_PID} is already listed at manifests/shop.yaml:6"),
)
shop_case(
    "same-uuid-in-lowercase-and-uppercase",
    products_with(f"https://cjdropshipping.com/product/hat-p-{UUID_PID.lower()}.html"),
    at(6, "spec.items[0].productUrl", f"product {UUID_PID} is already listed at manifests/products.yaml:8"),
)

# logos
LOGO = "\napiVersion: cjrec/v1\nkind: Logo\nmetadata: {{name: {name}}}\nspec:\n{spec}"
shop_case(
    "logo-reference-to-no-logo",
    f"\napiVersion: cjrec/v1\nkind: Products\nmetadata: {{name: shop}}\nspec:\n  items:\n    - productUrl: https://cjdropshipping.com/product/a-p-{NUMERIC_PID}.html\n      logo: nope\n",
    at(7, "spec.items[0].logo", "no Logo named 'nope' (known logos: brand)"),
)
shop_case(
    "logo-file-missing",
    LOGO.format(name="shop", spec="  file: logos/missing.png\n  publicUrl: https://cdn.example.com/m.png\n"),
    at(5, "spec.file", "logos/missing.png: the file does not exist"),
)
shop_case(
    "logo-file-is-text-named-png",
    LOGO.format(name="shop", spec="  publicUrl: https://cdn.example.com/t.png\n  file: logos/text.png\n"),
    at(6, "spec.file", "not a PNG, JPEG or WebP"),
    setup=lambda ws: _write_bytes(ws, "manifests/logos/text.png", b"this is not an image\n"),
)


def _huge_logo(ws: Workspace) -> None:
    path = ws.write_bytes("manifests/logos/huge.png", tiny_png())
    os.truncate(path, 20 * 1024 * 1024 + 1)  # sparse: fast, and still a PNG by its first bytes


shop_case(
    "logo-file-over-20-mb",
    LOGO.format(name="shop", spec="  file: logos/huge.png\n  publicUrl: https://cdn.example.com/h.png\n"),
    at(5, "spec.file", "at most 20 MB"),
    setup=_huge_logo,
)
shop_case(
    "logo-file-is-a-directory",
    LOGO.format(name="shop", spec="  file: logos\n  publicUrl: https://cdn.example.com/d.png\n"),
    at(5, "spec.file", "not a regular file"),
)
shop_case(
    "logo-file-absolute-path",
    LOGO.format(name="shop", spec="  file: /etc/passwd\n  publicUrl: https://cdn.example.com/d.png\n"),
    at(5, "spec.file", "/etc/passwd: an absolute path; logo files must be inside the repository"),
)
shop_case(
    "logo-file-dot-dot-out-of-the-repository",
    LOGO.format(name="shop", spec="  file: ../../../../../../../../proc/self/environ\n"),
    at(5, "spec.file", "../../../../../../../../proc/self/environ: leads out of the repository"),
)


def _symlink_out(ws: Workspace) -> None:
    outside = ws.root.parent / "outside.png"
    outside.write_bytes(tiny_png())
    (ws.root / "manifests" / "logos").mkdir(parents=True, exist_ok=True)
    (ws.root / "manifests" / "logos" / "linked.png").symlink_to(outside)


shop_case(
    "logo-file-symlink-out-of-the-repository",
    LOGO.format(name="shop", spec="  file: logos/linked.png\n  publicUrl: https://cdn.example.com/l.png\n"),
    at(5, "spec.file", "logos/linked.png: a symlink that leads out of the repository"),
    setup=_symlink_out,
)
case(
    "settings-state-is-not-a-folder-or-s3",
    at(3, "spec.state", "gs: is not supported", file="settings.yml"),
    files={"manifests/settings.yml": "apiVersion: cjrec/v1\nkind: Settings\nspec: {state: 'gs://bucket/x'}\n"},
)
shop_case(
    "logo-with-file-and-url",
    LOGO.format(name="shop", spec="  file: logos/brand.png\n  url: https://cdn.example.com/x.png\n"),
    at(4, "spec", "exactly one of `file`"),
)
shop_case(
    "logo-with-neither-file-nor-url",
    LOGO.format(name="shop", spec="  default: false\n"),
    at(4, "spec", "exactly one of `file`"),
)
shop_case(
    "logo-url-not-https",
    LOGO.format(name="shop", spec="  url: http://cdn.example.com/x.png\n"),
    at(5, "spec.url", "must be an https:// URL"),
)
shop_case(
    "logo-url-without-host",
    LOGO.format(name="shop", spec="  url: https:///x.png\n"),
    at(5, "spec.url", "must be an https:// URL"),
)
shop_case(
    "logo-publicUrl-http",
    LOGO.format(name="shop", spec="  file: logos/brand.png\n  publicUrl: http://cdn.example.com/b.png\n"),
    at(6, "spec.publicUrl", "publicUrl must be an https:// URL"),
)
shop_case(
    "logo-publicUrl-with-url",
    LOGO.format(name="shop", spec="  url: https://cdn.example.com/x.png\n  publicUrl: https://cdn.example.com/y.png\n"),
    at(4, "spec", "`publicUrl` goes with `file`"),
)
shop_case(
    "second-default-logo",
    LOGO.format(name="shop", spec="  url: https://cdn.example.com/x.png\n  default: true\n"),
    at(6, "spec.default", "'shop' is a second default; 'brand' at manifests/logos.yaml:7"),
)
shop_case(
    "two-logos-with-the-same-name",
    LOGO.format(name="brand", spec="  url: https://cdn.example.com/x.png\n"),
    at(3, "metadata.name", "a Logo named 'brand' is already declared at manifests/logos.yaml:1"),
)
shop_case(
    "two-products-documents-with-the-same-name",
    "\napiVersion: cjrec/v1\nkind: Products\nmetadata: {name: storefront}\nspec: {items: []}\n",
    at(3, "metadata.name", "already declared at manifests/products.yaml:1"),
)
shop_case(
    "two-settings-documents",
    "\napiVersion: cjrec/v1\nkind: Settings\nspec: {qps: 4}\n",
    at(2, "kind", "a second Settings document; the first is at manifests/settings.yml:1"),
)

# credentials and secrets
PLAIN_CREDENTIALS = f"""
apiVersion: cjrec/v1
kind: Credentials
metadata: {{name: main}}
spec:
  email: {EMAIL}
  apiToken: {API_TOKEN}
"""


def _remove_credentials(ws: Workspace) -> None:
    (ws.root / "manifests/credentials.sops.yaml").unlink()


def _plain_credentials(relpath: str) -> Callable[[Workspace], None]:
    def setup(ws: Workspace) -> None:
        _remove_credentials(ws)
        ws.write(relpath, PLAIN_CREDENTIALS)

    return setup


case("missing-credentials", Expect(None, None, "", "no Credentials document"), setup=_remove_credentials)
case(
    "two-credentials",
    at(
        2,
        "kind",
        "a second Credentials document; the first is at manifests/credentials.sops.yaml:1",
        file="more/second.sops.yaml",
    ),
    setup=_second_credentials,
)
for _name, _hint in [
    ("credentials.sops.yaml", "encrypt it with `sops --encrypt --in-place manifests/credentials.sops.yaml`"),
    (
        "credentials.yaml",
        "rename it to manifests/credentials.sops.yaml (the name the rules in .sops.yaml match), "
        "then encrypt it with `sops --encrypt --in-place manifests/credentials.sops.yaml`",
    ),
]:
    case(
        f"credentials-in-an-unencrypted-file-named-{_name}",
        at(1, "", f"the Credentials document must be in a sops-encrypted file; {_hint}", file=_name),
        at(6, "spec.apiToken", f"this secret is in plaintext; {_hint}", file=_name),
        setup=_plain_credentials(f"manifests/{_name}"),
    )
shop_case(
    "plaintext-apiToken-in-a-products-document",
    f"\napiVersion: cjrec/v1\nkind: Products\nmetadata: {{name: shop}}\nspec:\n  apiToken: {API_TOKEN}\n  items: []\n",
    at(
        5,
        "spec.apiToken",
        "this secret is in plaintext; rename it to manifests/shop.sops.yaml",
    ),
    at(5, "spec.apiToken", "unknown field"),
)
shop_case(
    "plaintext-refreshToken-in-an-annotation",
    "\napiVersion: cjrec/v1\nkind: Products\nmetadata:\n  name: shop\n  annotations:\n    refreshToken: some-refresh-token-value\nspec: {items: []}\n",
    at(6, "metadata.annotations.refreshToken", "this secret is in plaintext"),
)
shop_case(
    "cj-api-key-pattern-in-a-plain-field",
    f"\napiVersion: cjrec/v1\nkind: Products\nmetadata:\n  name: shop\n  labels: {{owner: '{OTHER_API_KEY}'}}\nspec: {{items: []}}\n",
    at(5, "metadata.labels.owner", "looks like a CJ API key in plaintext"),
    setup=lambda ws: ws.watch.secrets.add(OTHER_API_KEY),
)


def _credentials_with(extra: str, **kw: str) -> Callable[[Workspace], None]:
    def setup(ws: Workspace) -> None:
        ws.credentials(extra=extra, **kw)

    return setup


def _old_sops_rules_leave_access_token_plain(ws: Workspace) -> None:
    rules = (
        (ws.root / ".sops.yaml")
        .read_text()
        .replace(
            "^(email|apiToken|accessToken|refreshToken|receiverToken|clientId|clientSecret|consumerKey|consumerSecret)$",
            "^(email|apiToken)$",
        )
    )
    (ws.root / ".sops.yaml").write_text(rules)
    ws.watch.secrets.add("plain-access-token-0123456789")
    ws.credentials(extra="accessToken: plain-access-token-0123456789\naccessTokenExpiry: 2026-12-11T09:16:33+08:00\n")


CREDS = "credentials.sops.yaml"
case(
    "plaintext-accessToken-in-the-encrypted-credentials-file",
    at("accessToken:", "spec.accessToken", "this secret is in plaintext", file=CREDS),
    setup=_old_sops_rules_leave_access_token_plain,
)
case(
    "accessToken-without-accessTokenExpiry",
    at("spec:", "spec", "accessToken and accessTokenExpiry must be given together", file=CREDS),
    setup=_credentials_with("accessToken: access-token-value-1\n"),
)
case(
    "accessToken-without-accessTokenExpiry-is-found-without-a-key",
    at("spec:", "spec", "accessToken and accessTokenExpiry must be given together", file=CREDS),
    setup=_credentials_with("accessToken: access-token-value-1\n"),
    key=None,
)
case(
    "refreshTokenExpiry-without-refreshToken",
    at("spec:", "spec", "refreshToken and refreshTokenExpiry must be given together", file=CREDS),
    setup=_credentials_with("refreshTokenExpiry: 2027-05-20T09:16:33+08:00\n"),
)
case(
    "token-expiry-without-utc-offset",
    at("accessTokenExpiry:", "spec.accessTokenExpiry", "timezone", file=CREDS),
    setup=_credentials_with("accessToken: access-token-value-2\naccessTokenExpiry: 2026-12-11T09:16:33\n"),
)
case(
    "token-expiry-that-is-not-a-date",
    at("accessTokenExpiry:", "spec.accessTokenExpiry", "datetime", file=CREDS),
    setup=_credentials_with("accessToken: access-token-value-2\naccessTokenExpiry: next tuesday\n"),
)
case(
    "bad-email-found-after-decryption",
    at("email:", "spec.email", "not an email address", file=CREDS),
    setup=_credentials_with("", email="owner-at-example.com"),
)
case(
    "apiToken-with-a-space-found-after-decryption",
    at("apiToken:", "spec.apiToken", "single word without spaces", file=CREDS),
    setup=_credentials_with("", token="CJ7654321@api@ 0123456789abcdef"),
)
case(
    "unknown-field-in-credentials",
    at("password:", "spec.password", "unknown field", file=CREDS),
    setup=_credentials_with("password: hunter2-hunter2\n"),
)
case(
    "unknown-field-in-credentials-is-found-without-a-key",
    at("password:", "spec.password", "unknown field", file=CREDS),
    setup=_credentials_with("password: hunter2-hunter2\n"),
    key=None,
)

# product URLs that are not CJ product URLs (each in item 0, line 6 of shop.yaml)
P = NUMERIC_PID
for _id, _url, _words in [
    (
        "url-on-another-host",
        f"https://example.com/product/mug-p-{P}.html",
        "host 'example.com' is not cjdropshipping.com",
    ),
    (
        "url-on-a-lookalike-host",
        f"https://cjdropshipping.com.evil.example/product/mug-p-{P}.html",
        "is not cjdropshipping.com",
    ),
    ("url-with-ftp-scheme", f"ftp://cjdropshipping.com/product/mug-p-{P}.html", "must be an https:// link"),
    ("url-without-scheme", f"cjdropshipping.com/product/mug-p-{P}.html", "must be an https:// link"),
    ("bare-pid-instead-of-url", P, "must be an https:// link"),
    ("url-with-port", f"https://cjdropshipping.com:8443/product/mug-p-{P}.html", "unexpected user or port"),
    ("url-with-user", f"https://me@cjdropshipping.com/product/mug-p-{P}.html", "unexpected user or port"),
    ("url-with-broken-ipv6-host", f"https://[cjdropshipping.com/product/mug-p-{P}.html", "not a valid URL"),
    ("url-without-p-marker", f"https://cjdropshipping.com/product/mug-{P}.html", "no -p-<id> before .html"),
    ("url-ending-in-htm", f"https://cjdropshipping.com/product/mug-p-{P}.htm", "must end in -p-<id>.html"),
    ("url-with-nested-path", f"https://cjdropshipping.com/product/mugs/mug-p-{P}.html", "must end in -p-<id>.html"),
    (
        "url-with-14-digit-pid",
        "https://cjdropshipping.com/product/mug-p-16587480729371.html",
        "neither a UUID nor a 15-20 digit number",
    ),
    (
        "url-with-21-digit-pid",
        "https://cjdropshipping.com/product/mug-p-165874807293713612800.html",
        "neither a UUID nor a 15-20 digit number",
    ),
    (
        "url-with-letter-in-numeric-pid",
        "https://cjdropshipping.com/product/mug-p-16587480729371361X8.html",
        "neither a UUID",
    ),
    (
        "url-with-short-uuid",
        "https://cjdropshipping.com/product/mug-p-000B9312-456A-4D31-94BD-B083E2A198E.html",
        "neither a UUID",
    ),
    ("url-with-empty-pid", "https://cjdropshipping.com/product/mug-p-.html", "neither a UUID"),
    ("current-form-on-app-host", f"https://app.cjdropshipping.com/product/mug-p-{P}.html", "not a CJ product URL"),
    ("legacy-url-without-id", "https://app.cjdropshipping.com/product-detail.html", "without exactly one id="),
    (
        "legacy-url-with-two-ids",
        f"https://app.cjdropshipping.com/product-detail.html?id={P}&id={P}",
        "without exactly one id=",
    ),
    ("legacy-url-with-bad-id", "https://app.cjdropshipping.com/product-detail.html?id=mug", "neither a UUID"),
    ("legacy-url-on-another-host", f"https://shop.example/product-detail.html?id={P}", "host 'shop.example'"),
    ("search-page-url", "https://cjdropshipping.com/search?q=mug", "not a CJ product URL"),
    ("empty-url", "", "must be an https:// link"),
]:
    shop_case(_id, products_with(_url), at(6, "spec.items[0].productUrl", _words))


# -- the test ---------------------------------------------------------------------------
def diagnostics(stderr: str) -> list[str]:
    """The problem lines of a failed run: between 'Error: N problems…' and 'Hint:'."""
    lines = stderr.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("Error: ") and "in the manifests:" in line)
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("Hint: ")), len(lines))
    return lines[start + 1 : end]


def line_of(path: Path, text: str) -> int:
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        if line.strip().startswith(text):
            return number
    raise AssertionError(f"{text!r} not found in {path}")


def location(workspace: Workspace, expect: Expect) -> str:
    if expect.file is None:
        return "(manifests)"
    line = expect.line
    if isinstance(line, str):
        line = line_of(workspace.root / "manifests" / expect.file, line)
    where = f"manifests/{expect.file}" + ("" if line is None else f":{line}")
    return f"{where}: {expect.field}: " if expect.field else f"{where}: "


def check_reported(workspace: Workspace, stderr: str, expected: tuple[Expect, ...]) -> None:
    found = diagnostics(stderr)
    count = len(expected)
    assert f"Error: {count} problem{'s' if count != 1 else ''} in the manifests:" in stderr, stderr
    unmatched = list(found)
    for expect in expected:
        prefix = location(workspace, expect)
        match = next((d for d in unmatched if d.startswith(prefix) and expect.words in d), None)
        assert match is not None, f"expected a line starting {prefix!r} containing {expect.words!r}; got:\n{stderr}"
        unmatched.remove(match)
    assert not unmatched, f"unexpected problems reported: {unmatched}"


@pytest.mark.parametrize("bad", CASES, ids=[c.id for c in CASES])
def test_invalid_manifest_fails_with_file_line_and_field(valid_workspace: Workspace, bad: Case) -> None:
    for relpath, text in bad.files.items():
        valid_workspace.write(relpath, text)
    if bad.setup is not None:
        bad.setup(valid_workspace)

    result = valid_workspace.cli("validate", key=bad.key)

    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    check_reported(valid_workspace, result.stderr, bad.expect)
    assert "Hint: fix the lines above" in result.stderr
    if bad.id.startswith(("url-", "legacy-url-", "current-form-", "search-page-", "empty-url", "bare-pid")):
        assert EXPECTED_FORM in result.stderr, "a rejected URL must show the expected form"


def test_there_are_at_least_forty_invalid_manifest_cases() -> None:
    assert len(CASES) >= 40
    assert len({c.id for c in CASES}) == len(CASES), "case ids must be unique"


def test_all_problems_of_a_run_are_reported_together(valid_workspace: Workspace) -> None:
    valid_workspace.write(
        "manifests/products.yaml",
        """
        apiVersion: cjrec/v1
        kind: Products
        metadata: {name: storefront}
        spec:
          items:
            - productUrl: https://example.com/product/mug-p-1658748072937136128.html
        """,
    )
    valid_workspace.write(
        "manifests/logos.yaml",
        """
        apiVersion: cjrec/v1
        kind: Logo
        metadata: {name: brand}
        spec:
          url: http://cdn.example.com/brand.png
        """,
    )
    valid_workspace.write("manifests/settings.yml", "apiVersion: cjrec/v1\nkind: Settings\nspec:\n  qps: 0\n")

    result = valid_workspace.cli("validate")

    assert result.exit_code == 1
    check_reported(
        valid_workspace,
        result.stderr,
        (
            at(6, "spec.items[0].productUrl", "not a CJ product URL", file="products.yaml"),
            at(5, "spec.url", "must be an https:// URL", file="logos.yaml"),
            at(4, "spec.qps", "greater than 0", file="settings.yml"),
        ),
    )


def test_error_in_the_second_document_of_a_file_points_at_its_own_line(valid_workspace: Workspace) -> None:
    valid_workspace.write(
        "manifests/shop.yaml",
        f"""
        # Two documents; the second one is wrong.
        apiVersion: cjrec/v1
        kind: Products
        metadata: {{name: first}}
        spec:
          items:
            - productUrl: https://cjdropshipping.com/product/mug-p-{NUMERIC_PID}.html
        ---
        apiVersion: cjrec/v1
        kind: Products
        metadata: {{name: second}}
        spec:
          items:
            - productUrl: https://cjdropshipping.com/product/cap-p-1712345678901234567.html
            - productUrl: https://cjdropshipping.com/product/cap-without-an-id.html
        """,
    )

    result = valid_workspace.cli("validate")

    assert result.exit_code == 1
    check_reported(valid_workspace, result.stderr, (at(15, "spec.items[1].productUrl", "no -p-<id>"),))


def test_duplicate_product_message_names_both_places(valid_workspace: Workspace) -> None:
    valid_workspace.write("manifests/shop.yaml", products_with(PRODUCT_URL))

    result = valid_workspace.cli("validate")

    (problem,) = diagnostics(result.stderr)
    assert re.fullmatch(
        r"manifests/shop\.yaml:6: spec\.items\[0\]\.productUrl: product 2503190327561613000 is already listed at "
        r"manifests/products\.yaml:6; list each product once",
        problem,
    ), problem


def test_logo_of_exactly_20_mb_is_accepted(valid_workspace: Workspace) -> None:
    path = valid_workspace.root / "manifests/logos/brand.png"
    os.truncate(path, 20 * 1024 * 1024)

    result = valid_workspace.cli("validate")

    assert result.exit_code == 0, result.output


def test_warning_for_a_logo_file_without_public_url_does_not_fail_validation(valid_workspace: Workspace) -> None:
    valid_workspace.write(
        "manifests/shop.yaml",
        LOGO.format(name="shop", spec="  file: logos/brand.png\n"),
    )

    result = valid_workspace.cli("validate")

    assert result.exit_code == 0, result.output
    assert "Warning: manifests/shop.yaml:5: spec.publicUrl: logo 'shop' has no publicUrl" in result.stderr
