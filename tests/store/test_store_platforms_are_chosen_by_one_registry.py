"""Store platforms are chosen through one registry keyed by ``platform:``: the kinds' registry
(the pure facts) and the adapters' connectors list the same platforms, a Store naming another
platform is refused with the list, and no module outside a platform's own compares platform
names (the store kind talks to every platform through ``kinds/store/platform.py``).
"""

from __future__ import annotations

import re
from pathlib import Path

from reconciler.adapters.store_platforms import connector_names
from reconciler.kinds.store.platforms import platform_named, platform_names
from tests.store.test_store_document import FILE, STORE, TOKEN
from tests.support.workspace import Workspace

ROOT = Path(__file__).resolve().parents[2] / "reconciler"
PLATFORM_MODULES = {
    "kinds/store/shopify.py",
    "adapters/shopify_store.py",
    "adapters/shopify_http.py",
    "kinds/store/woocommerce.py",
    "adapters/woocommerce_store.py",
    "adapters/woocommerce_http.py",
}
CSV_FORMATS = {"render/store_export.py"}  # the CSV export's own formats (shopify, woocommerce), not a store platform


def test_every_platform_has_its_facts_and_a_connector() -> None:
    assert platform_names() == connector_names() == ("shopify", "woocommerce")
    shopify = platform_named("shopify")
    assert shopify.cj_id("gid://shopify/Product/8123") == "8123"
    assert shopify.cost("publish", 5) == 10 and shopify.cost("prices", 251) == 20
    woo = platform_named("woocommerce")
    assert woo.cj_id("8123") == "8123"
    assert (woo.cost("publish", 5), woo.cost("variants", 5), woo.cost("prices", 250), woo.cost("status", 1)) == (
        1,
        3,
        3,
        1,
    )
    assert (shopify.publish_batch, woo.publish_batch) == (1, 100)


def test_a_store_on_a_platform_cjrec_does_not_know_is_refused_with_the_list(valid_workspace: Workspace) -> None:
    valid_workspace.watch.secrets.add(TOKEN)
    text = STORE.format(name="main", domain="shop.example.com", extra=f"  accessToken: {TOKEN}\n")
    valid_workspace.encrypt(FILE, text.replace("platform: shopify", "platform: bigcartel"))
    result = valid_workspace.cli("validate")
    assert result.exit_code == 1, result.output
    assert f"{FILE}:6: spec.platform" in result.stderr
    assert "'bigcartel' is not a platform cjrec publishes to: shopify, woocommerce" in result.stderr
    assert "Traceback" not in result.output


def test_no_module_outside_a_platforms_own_compares_platform_names() -> None:
    compare = re.compile(r"platform\s*[!=]=|[!=]=\s*['\"]shopify['\"]|['\"]shopify['\"]\s*[!=]=")
    offenders = [
        str(path.relative_to(ROOT))
        for path in ROOT.rglob("*.py")
        if str(path.relative_to(ROOT)) not in PLATFORM_MODULES | CSV_FORMATS and compare.search(path.read_text())
    ]
    assert offenders == []
