"""``kind: Store``: a shop cjrec publishes to, read from a sops-encrypted file with its secrets
decrypted in memory only; every mistake reported once with file:line, never a traceback, and
the store's secrets never in any output.
"""

from __future__ import annotations

import pytest

from reconciler.adapters.shopify_store import graphql_url
from reconciler.adapters.sops import Sops
from reconciler.cli.wiring import load_configuration
from reconciler.kinds.store.model import Store, stores
from tests.support.sops_keys import SOPS
from tests.support.workspace import Workspace

TOKEN = "shpat_" + "0f1e2d3c4b5a6978" * 2
CLIENT_ID = "client-id-7a6b5c4d3e2f1a0b"
CLIENT_SECRET = "shpss_" + "a1b2c3d4e5f60718" * 2
FILE = "manifests/store.sops.yaml"

STORE = """\
apiVersion: cjrec/v1
kind: Store
metadata:
  name: {name}
spec:
  platform: shopify
  domain: {domain}
  cjShop: My CJ Shop
{extra}"""


def write_store(
    ws: Workspace,
    *,
    name: str = "main",
    domain: str = "cjrec-demo.myshopify.com",
    auth: str = f"  accessToken: {TOKEN}\n",
    extra: str = "",
    relpath: str = FILE,
    encrypt: bool = True,
) -> None:
    ws.watch.secrets.update({TOKEN, CLIENT_SECRET, CLIENT_ID})
    text = STORE.format(name=name, domain=domain, extra=auth + extra)
    if encrypt:
        ws.encrypt(relpath, text)
    else:
        ws.write(relpath, text)


def configuration(ws: Workspace) -> tuple[Store, ...]:
    result = load_configuration(
        manifests=ws.root / "manifests", sops=Sops(binary=SOPS, env=ws.sops_env()), need_secrets=True
    )
    assert result.desired is not None, result.diagnostics
    return stores(result.desired)


def test_a_store_with_an_access_token_is_read_with_its_defaults(valid_workspace: Workspace) -> None:
    write_store(valid_workspace)
    result = valid_workspace.cli("validate")
    assert result.exit_code == 0, result.output

    (store,) = configuration(valid_workspace)
    assert (store.name, store.platform, store.domain, store.cj_shop) == (
        "main",
        "shopify",
        "cjrec-demo.myshopify.com",
        "My CJ Shop",
    )
    assert store.api_version == "2026-01"
    assert store.on_remove == "archive"
    assert (store.publish.status, store.publish.vendor, store.publish.tags) == ("active", None, ())
    assert graphql_url(store) == "https://cjrec-demo.myshopify.com/admin/api/2026-01/graphql.json"
    assert store.auth.grant == "token"
    assert store.auth.access_token is not None and store.auth.access_token.reveal() == TOKEN
    assert TOKEN not in repr(store) and TOKEN not in str(store.auth)
    assert store.source.file == FILE and store.source.line == 1


def test_the_secrets_are_ciphertext_in_the_file(valid_workspace: Workspace) -> None:
    write_store(valid_workspace, auth=f"  clientId: {CLIENT_ID}\n  clientSecret: {CLIENT_SECRET}\n")
    text = (valid_workspace.root / FILE).read_text()
    assert CLIENT_SECRET not in text and CLIENT_ID not in text
    assert "cjrec-demo.myshopify.com" in text  # the rest stays readable for review


def test_client_credentials_publishing_defaults_and_a_loopback_endpoint(valid_workspace: Workspace) -> None:
    write_store(
        valid_workspace,
        auth=f"  clientId: {CLIENT_ID}\n  clientSecret: {CLIENT_SECRET}\n",
        extra=(
            "  apiVersion: 2025-04\n"
            "  endpoint: http://127.0.0.1:8765/\n"
            "  onRemove: draft\n"
            "  publish: {status: draft, vendor: Acme, productType: Shirts, tags: [summer, cjrec]}\n"
        ),
    )
    (store,) = configuration(valid_workspace)
    assert store.auth.grant == "client_credentials"
    assert store.auth.client_secret is not None and store.auth.client_secret.reveal() == CLIENT_SECRET
    assert graphql_url(store) == "http://127.0.0.1:8765/admin/api/2025-04/graphql.json"
    assert store.on_remove == "draft"
    assert (store.publish.status, store.publish.vendor, store.publish.product_type, store.publish.tags) == (
        "draft",
        "Acme",
        "Shirts",
        ("summer", "cjrec"),
    )


def test_a_numeric_cj_shop_id_is_kept_as_text(valid_workspace: Workspace) -> None:
    valid_workspace.watch.secrets.update({TOKEN})
    valid_workspace.encrypt(
        FILE,
        STORE.format(name="main", domain="cjrec-demo.myshopify.com", extra=f"  accessToken: {TOKEN}\n").replace(
            "cjShop: My CJ Shop", "cjShop: 1234567890123"
        ),
    )
    (store,) = configuration(valid_workspace)
    assert store.cj_shop == "1234567890123"


def test_two_stores_are_read_file_by_file(valid_workspace: Workspace) -> None:
    write_store(valid_workspace)
    write_store(
        valid_workspace, name="outlet", domain="cjrec-outlet.myshopify.com", relpath="manifests/outlet.sops.yaml"
    )
    assert [(s.name, s.domain) for s in configuration(valid_workspace)] == [
        ("outlet", "cjrec-outlet.myshopify.com"),  # manifests/outlet.sops.yaml comes before store.sops.yaml
        ("main", "cjrec-demo.myshopify.com"),
    ]


@pytest.mark.parametrize(
    ("kwargs", "where", "words"),
    [
        ({"domain": "cjrec-demo.com"}, "7: spec.domain", "NAME.myshopify.com"),
        ({"domain": "CJREC.myshopify.com"}, "7: spec.domain", "NAME.myshopify.com"),
        ({"extra": "  apiVersion: 2024-10\n"}, "10: spec.apiVersion", "older than 2025-04"),
        ({"extra": "  apiVersion: 2025-05\n"}, "10: spec.apiVersion", "MM 01, 04, 07 or 10"),
        ({"extra": "  apiVersion: latest\n"}, "10: spec.apiVersion", "YYYY-MM"),
        ({"extra": "  platform2: shopify\n"}, "10: spec.platform2", "unknown field"),
        ({"extra": "  onRemove: hide\n"}, "10: spec.onRemove", "'archive', 'draft' or 'delete'"),
        ({"extra": "  endpoint: http://shop.example.com\n"}, "10: spec.endpoint", "travel unencrypted"),
        ({"extra": "  endpoint: https://shop.example.com/admin\n"}, "10: spec.endpoint", "only scheme, host and port"),
        ({"extra": "  endpoint: ftp://127.0.0.1\n"}, "10: spec.endpoint", "http(s) URL"),
        ({"extra": "  publish:\n    status: archived\n"}, "11: spec.publish.status", "'active' or 'draft'"),
        ({"extra": "  publish:\n    tags: [a, a]\n"}, "11: spec.publish.tags", "each tag once"),
        ({"extra": "  publish:\n    tags: ['a,b']\n"}, "11: spec.publish.tags", "no comma"),
        ({"auth": ""}, "5: spec", "missing the store's credentials"),
        ({"auth": f"  clientId: {CLIENT_ID}\n"}, "5: spec", "clientId and clientSecret must be given together"),
        (
            {"auth": f"  accessToken: {TOKEN}\n  clientId: {CLIENT_ID}\n  clientSecret: {CLIENT_SECRET}\n"},
            "5: spec",
            "not both",
        ),
    ],
)
def test_a_wrong_store_is_named_with_file_line_and_the_fix(
    valid_workspace: Workspace, kwargs: dict[str, str], where: str, words: str
) -> None:
    write_store(valid_workspace, **kwargs)  # type: ignore[arg-type]
    result = valid_workspace.cli("validate")
    assert result.exit_code == 1, result.output
    assert f"{FILE}:{where}" in result.stderr
    assert words in result.stderr
    assert "Traceback" not in result.output


def test_a_store_outside_a_sops_file_is_refused_and_its_token_named_plaintext(valid_workspace: Workspace) -> None:
    write_store(valid_workspace, relpath="manifests/store.yaml", encrypt=False)
    result = valid_workspace.cli("validate")
    assert result.exit_code == 1
    assert "manifests/store.yaml:1: the Store document must be in a sops-encrypted file" in result.stderr
    assert "manifests/store.yaml:9: spec.accessToken: this secret is in plaintext" in result.stderr
    # the secret watch (tests/support/secret_watch.py) fails the test if the token shows anywhere


def test_a_client_secret_left_plain_by_old_sops_rules_is_refused(valid_workspace: Workspace) -> None:
    rules = valid_workspace.root / ".sops.yaml"
    rules.write_text(rules.read_text().replace("|clientId|clientSecret|consumerKey|consumerSecret)$", ")$"))
    write_store(valid_workspace, auth=f"  clientId: {CLIENT_ID}\n  clientSecret: {CLIENT_SECRET}\n")
    result = valid_workspace.cli("validate")
    assert result.exit_code == 1
    assert f"{FILE}:10: spec.clientSecret: this secret is in plaintext" in result.stderr


def test_a_store_name_or_shop_declared_twice_points_at_the_first(valid_workspace: Workspace) -> None:
    write_store(valid_workspace)
    write_store(valid_workspace, relpath="manifests/again.sops.yaml")
    result = valid_workspace.cli("validate")
    assert result.exit_code == 1
    assert "a Store named 'main' is already declared at manifests/" in result.stderr

    (valid_workspace.root / "manifests/again.sops.yaml").unlink()
    write_store(valid_workspace, name="second", relpath="manifests/again.sops.yaml")
    result = valid_workspace.cli("validate")
    assert result.exit_code == 1
    assert "the shop cjrec-demo.myshopify.com is already declared at" in result.stderr
    assert "one Store per shop" in result.stderr


def test_without_a_key_the_store_is_declared_but_not_read(valid_workspace: Workspace) -> None:
    write_store(valid_workspace)
    result = valid_workspace.cli("validate", key=None)
    assert result.exit_code == 0, result.output
    assert "secret values were not checked" in result.output
