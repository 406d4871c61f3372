"""``sourceUrl`` items and ``kind: Market`` documents: accepted when valid, each mistake reported with file:line.

A ``sourceUrl`` item needs a name and an https image (both at most 200 characters, CJ's
limit), may not point at CJ itself (that is a ``productUrl``), may not be listed twice
across files (compared without case in the host, a fragment or a trailing slash), and may
not carry both ``productUrl`` and ``sourceUrl``. Markets are one per country, with
two-letter codes.
"""

from __future__ import annotations

from decimal import Decimal

from reconciler.adapters.sops import Sops
from reconciler.cli.wiring import load_configuration
from reconciler.kinds.market.model import markets
from reconciler.kinds.sourcing.model import sourcing_items
from tests.manifest.test_invalid_manifests_are_reported_with_file_and_line import at, check_reported
from tests.support.sops_keys import SOPS
from tests.support.workspace import Workspace

GOOD = """
    apiVersion: cjrec/v1
    kind: Products
    metadata: {name: sourced}
    spec:
      items:
        - sourceUrl: https://www.aliexpress.com/item/1005006.html
          name: Foldable Desk Lamp
          image: https://ae01.alicdn.com/kf/lamp.jpg
          remark: ship to US, warm white
          sourcePrice: 4.20
          logo: brand
          price: 19.99
          variants: {include: [Black-*]}
        - sourceUrl: https://detail.1688.com/offer/7788.html
          name: Bamboo Tray
          image: https://cbu01.alicdn.com/img/tray.jpg
          sourcingId: 1890000000000000001
    ---
    apiVersion: cjrec/v1
    kind: Market
    metadata: {name: us}
    spec: {country: US, maxDays: 10, maxShipping: 5.00, from: [CN, US]}
    ---
    apiVersion: cjrec/v1
    kind: Market
    metadata: {name: germany}
    spec: {country: DE, maxDays: 14, maxShipping: 7.5}
    """


def test_sourcing_items_and_markets_are_read_into_the_configuration(valid_workspace: Workspace) -> None:
    valid_workspace.write("manifests/sourced.yaml", GOOD)
    valid_workspace.write(
        "manifests/settings.yml", "apiVersion: cjrec/v1\nkind: Settings\nspec:\n  qps: 1\n  sourcingPerDay: 3\n"
    )
    assert valid_workspace.cli("validate").exit_code == 0

    result = load_configuration(
        manifests=valid_workspace.root / "manifests",
        sops=Sops(binary=SOPS, env=valid_workspace.sops_env()),
        need_secrets=True,
    )
    desired = result.desired
    assert desired is not None, result.diagnostics
    lamp, tray = sourcing_items(desired)
    assert (lamp.name, lamp.source_price, lamp.logo, lamp.remark) == (
        "Foldable Desk Lamp",
        Decimal("4.20"),
        "brand",
        "ship to US, warm white",
    )
    assert lamp.source.file == "manifests/sourced.yaml" and lamp.source.line == 6
    assert lamp.store_price == Decimal("19.99") and lamp.source_price == Decimal("4.20")
    assert lamp.variants is not None and [p.pattern for p in lamp.variants.include] == ["Black-*"]
    assert tray.sourcing_id == "1890000000000000001"  # a bare 19-digit YAML number, read exactly
    assert lamp.create_body()["thirdProductId"].startswith("cjrec-")
    us, de = sorted(markets(desired), key=lambda m: m.country, reverse=True)
    assert (us.country, us.max_days, us.max_shipping, us.origins) == ("US", 10, Decimal("5.00"), ("CN", "US"))
    assert de.origins == ("CN",)
    assert desired.settings.sourcing_per_day == 3


def test_each_sourcing_mistake_is_reported_at_its_line(valid_workspace: Workspace) -> None:
    valid_workspace.write("manifests/other.yaml", GOOD)
    valid_workspace.write(
        "manifests/shop.yaml",
        f"""
        apiVersion: cjrec/v1
        kind: Products
        metadata: {{name: shop}}
        spec:
          items:
            - sourceUrl: https://cjdropshipping.com/product/mug-p-1658748072937136128.html
              name: Mug
              image: https://i.test/mug.jpg
            - sourceUrl: https://a.test/no-name
              image: https://i.test/a.jpg
            - sourceUrl: https://a.test/no-image
              name: Thing
            - sourceUrl: http://a.test/plain-http
              name: Thing
              image: https://i.test/a.jpg
            - sourceUrl: https://a.test/long-name
              name: {"x" * 201}
              image: https://i.test/a.jpg
            - sourceUrl: https://a.test/long-image
              name: Thing
              image: https://i.test/{"y" * 200}.jpg
            - sourceUrl: https://a.test/both
              productUrl: https://cjdropshipping.com/product/mug-p-1658748072937136128.html
              name: Thing
              image: https://i.test/a.jpg
            - productUrl: https://cjdropshipping.com/product/cap-p-1712345678901234567.html
              remark: cheaper please
            - sourceUrl: https://a.test/negative
              name: Thing
              image: https://i.test/a.jpg
              sourcePrice: -1
            - name: Neither
              image: https://i.test/a.jpg
        ---
        apiVersion: cjrec/v1
        kind: Products
        metadata: {{name: duplicates}}
        spec:
          items:
            - sourceUrl: https://WWW.AliExpress.com/item/1005006.html/#reviews
              name: Lamp again
              image: https://i.test/a.jpg
            - sourceUrl: https://a.test/adopted-twice
              name: Thing
              image: https://i.test/a.jpg
              sourcingId: "1890000000000000001"
        """,
    )

    result = valid_workspace.cli("validate")

    assert result.exit_code == 1 and "Traceback" not in result.output
    check_reported(
        valid_workspace,
        result.stderr,
        (
            at(6, "spec.items[0].sourceUrl", "this is a CJ product page: list it with `productUrl`"),
            at(9, "spec.items[1]", "needs name (CJ requires both"),
            at(11, "spec.items[2]", "needs image"),
            at(13, "spec.items[3].sourceUrl", "must be an https:// URL"),
            at(17, "spec.items[4].name", "at most 200 characters"),
            at(21, "spec.items[5].image", "at most 200 characters"),
            at(22, "spec.items[6]", "exactly one of `productUrl`"),
            at(26, "spec.items[7]", "remark go with `sourceUrl`"),
            at(31, "spec.items[8].sourcePrice", "greater than or equal to 0"),
            at(32, "spec.items[9]", "exactly one of `productUrl`"),
            at(40, "spec.items[0].sourceUrl", "already listed at manifests/other.yaml:6"),
            at(46, "spec.items[1].sourcingId", "already adopted at manifests/other.yaml:17"),
        ),
    )


def test_each_market_mistake_is_reported_at_its_line(valid_workspace: Workspace) -> None:
    valid_workspace.write("manifests/other.yaml", GOOD)
    valid_workspace.write(
        "manifests/shop.yaml",
        """
        apiVersion: cjrec/v1
        kind: Market
        metadata: {name: usa}
        spec: {country: US, maxDays: 8, maxShipping: 4}
        ---
        apiVersion: cjrec/v1
        kind: Market
        metadata: {name: us}
        spec: {country: CA, maxDays: 8, maxShipping: 4}
        ---
        apiVersion: cjrec/v1
        kind: Market
        metadata: {name: lower}
        spec:
          country: fr
          maxDays: 0
          maxShipping: cheap
          from: [CN, CN, China]
        ---
        apiVersion: cjrec/v1
        kind: Market
        metadata: {name: nothing}
        spec: {country: GB}
        """,
    )

    result = valid_workspace.cli("validate")

    assert result.exit_code == 1 and "Traceback" not in result.output
    check_reported(
        valid_workspace,
        result.stderr,
        (
            at(4, "spec.country", "market US is already declared at manifests/other.yaml:22"),
            at(8, "metadata.name", "a Market named 'us' is already declared at manifests/other.yaml:19"),
            at(15, "spec.country", "should match pattern"),
            at(16, "spec.maxDays", "greater than or equal to 1"),
            at(17, "spec.maxShipping", "valid decimal"),
            at(18, "spec.from", "'China' is not a two-letter country code"),
            at(23, "spec.maxDays", "missing required field"),
            at(23, "spec.maxShipping", "missing required field"),
        ),
    )


def test_include_shipping_must_name_a_market(valid_workspace: Workspace) -> None:
    valid_workspace.write(
        "manifests/shop.yaml",
        """
        apiVersion: cjrec/v1
        kind: Pricing
        metadata: {name: store}
        spec:
          tiers: [{multiplier: 2}]
          includeShipping: FR
        """,
    )
    result = valid_workspace.cli("validate")
    assert result.exit_code == 1 and "Traceback" not in result.output
    check_reported(
        valid_workspace,
        result.stderr,
        (at(6, "spec.includeShipping", "includeShipping 'FR' names no Market (markets: none are declared)"),),
    )
