"""``kind: Store`` with ``platform: woocommerce``: the site's ``url`` and a REST API key pair
(``consumerKey``, ``consumerSecret``) read from a sops-encrypted file; a plaintext key, plain http
beyond loopback, a missing key or another platform's field is one message with file:line and
the fix; the keys never appear in any output (the workspace's secret watch).
"""

from __future__ import annotations

import pytest

from reconciler.adapters.sops import Sops
from reconciler.adapters.store_platforms import ConnectDeps, connect_stores
from reconciler.adapters.woocommerce_store import WooCommerceStore
from reconciler.cli.wiring import load_configuration
from reconciler.kinds.store.model import Store, stores
from tests.support.client_fakes import FakeClock
from tests.support.sops_keys import SOPS
from tests.support.workspace import Workspace

KEY = "ck_" + "5e4d3c2b1a09f8e7" * 2 + "abcdef12"
SECRET = "cs_" + "0a1b2c3d4e5f6a7b" * 2 + "99887766"
FILE = "manifests/woo.sops.yaml"

WOO = """\
apiVersion: cjrec/v1
kind: Store
metadata:
  name: {name}
spec:
  platform: woocommerce
  url: {url}
  cjShop: My Woo Shop
{extra}"""


def write_woo(
    ws: Workspace,
    *,
    name: str = "woo",
    url: str = "https://shop.example.com",
    keys: str = f"  consumerKey: {KEY}\n  consumerSecret: {SECRET}\n",
    extra: str = "",
    relpath: str = FILE,
    encrypt: bool = True,
) -> None:
    ws.watch.secrets.update({KEY, SECRET})
    text = WOO.format(name=name, url=url, extra=keys + extra)
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


def test_a_woocommerce_store_is_read_with_its_keys_and_gets_its_client(valid_workspace: Workspace) -> None:
    write_woo(valid_workspace, extra="  maxConcurrency: 4\n")
    result = valid_workspace.cli("validate")
    assert result.exit_code == 0, result.output
    text = (valid_workspace.root / FILE).read_text()
    assert KEY not in text and SECRET not in text and "shop.example.com" in text

    (store,) = configuration(valid_workspace)
    assert (store.platform, store.domain, store.base_url, store.api_version, store.max_concurrency) == (
        "woocommerce",
        "shop.example.com",
        "https://shop.example.com",
        "wc/v3",
        4,
    )
    assert store.auth.consumer_key is not None and store.auth.consumer_key.reveal() == KEY
    assert store.auth.consumer_secret is not None and store.auth.consumer_secret.reveal() == SECRET
    assert KEY not in repr(store) and SECRET not in repr(store)

    result = load_configuration(
        manifests=valid_workspace.root / "manifests",
        sops=Sops(binary=SOPS, env=valid_workspace.sops_env()),
        need_secrets=True,
    )
    assert result.desired is not None
    import threading

    (client,) = connect_stores(
        result.desired, ConnectDeps(cancel=threading.Event(), clock=FakeClock(), timeout=(1.0, 1.0))
    ).values()
    assert isinstance(client, WooCommerceStore) and client.http.max_concurrency == 4
    assert KEY not in repr(client) and SECRET not in repr(client.http)


def test_a_site_in_a_folder_and_a_loopback_sandbox_are_fine(valid_workspace: Workspace) -> None:
    write_woo(valid_workspace, url="https://example.com/shop/")
    write_woo(valid_workspace, name="sandbox", url="http://127.0.0.1:8765", relpath="manifests/sandbox.sops.yaml")
    found = {s.name: (s.domain, s.base_url, s.max_concurrency) for s in configuration(valid_workspace)}
    assert found == {
        "woo": ("example.com/shop", "https://example.com/shop", None),
        "sandbox": ("127.0.0.1", "http://127.0.0.1:8765", None),
    }


@pytest.mark.parametrize(
    ("kwargs", "where", "words"),
    [
        ({"url": "http://shop.example.com"}, "7: spec.url", "keys would travel unencrypted"),
        ({"url": "shop.example.com"}, "7: spec.url", "not an http(s) URL"),
        ({"url": "https://shop.example.com/?x=1"}, "7: spec.url", "only the site's address"),
        ({"keys": f"  consumerKey: {KEY}\n"}, "5: spec", "missing consumerSecret"),
        ({"keys": ""}, "5: spec", "Read/Write permissions"),
        ({"extra": "  accessToken: shpat_x\n"}, "5: spec", "accessToken is not a field of a WooCommerce Store"),
        ({"extra": "  domain: shop.example.com\n"}, "5: spec", "domain is not a field of a WooCommerce Store"),
        ({"extra": "  apiVersion: wc/v2\n"}, "11: spec.apiVersion", "wc/v3"),
        ({"extra": "  maxConcurrency: 0\n"}, "11: spec.maxConcurrency", "greater than or equal to 1"),
        ({"extra": "  publish: {vendor: Acme}\n"}, "5: spec", "publish.vendor is Shopify's"),
    ],
)
def test_a_wrong_woocommerce_store_is_named_with_file_line_and_the_fix(
    valid_workspace: Workspace, kwargs: dict[str, str], where: str, words: str
) -> None:
    write_woo(valid_workspace, **kwargs)  # type: ignore[arg-type]
    result = valid_workspace.cli("validate")
    assert result.exit_code == 1, result.output
    assert f"{FILE}:{where}" in result.stderr
    assert words in result.stderr
    assert "Traceback" not in result.output


def test_plaintext_keys_are_refused_with_file_and_line(valid_workspace: Workspace) -> None:
    write_woo(valid_workspace, relpath="manifests/woo.yaml", encrypt=False)
    result = valid_workspace.cli("validate")
    assert result.exit_code == 1
    assert "manifests/woo.yaml:1: the Store document must be in a sops-encrypted file" in result.stderr
    assert "manifests/woo.yaml:9: spec.consumerKey: this secret is in plaintext" in result.stderr
    assert "manifests/woo.yaml:10: spec.consumerSecret: this secret is in plaintext" in result.stderr


def test_a_shopify_store_refuses_woocommerce_fields_and_one_site_is_one_store(valid_workspace: Workspace) -> None:
    from tests.store.test_store_document import write_store

    write_store(valid_workspace, extra=f"  consumerKey: {KEY}\n")
    result = valid_workspace.cli("validate")
    assert result.exit_code == 1
    assert "consumerKey is not a field of a Shopify Store" in result.stderr
    (valid_workspace.root / "manifests/store.sops.yaml").unlink()

    write_woo(valid_workspace)
    write_woo(valid_workspace, name="again", url="https://SHOP.example.com/", relpath="manifests/again.sops.yaml")
    result = valid_workspace.cli("validate")
    assert result.exit_code == 1
    assert "the shop shop.example.com is already declared at" in result.stderr
