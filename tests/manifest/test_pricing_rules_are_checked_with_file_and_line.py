"""kind: Pricing and the items' ``pricing``/``price``/``variants`` — each bad rule is a manifest error at its line.

``upTo`` not increasing, a tier after the open one, a last tier with ``upTo``, a zero or
negative price or multiplier, ``cents`` outside the allowed set, an unknown rule name, two
defaults, a fixed ``price`` together with ``pricing`` on one item, a currency without a rate.
"""

from __future__ import annotations

import pytest

from tests.support.manifests import PRODUCT_URL
from tests.support.workspace import Workspace

RULE = """\
apiVersion: cjrec/v1
kind: Pricing
metadata: {{name: {name}}}
spec:
{spec}"""

GOOD = """\
  default: true
  tiers:
    - {upTo: 10, multiplier: 3}
    - {upTo: 50, multiplier: 2, add: 2}
    - {multiplier: 1.6}
  cents: 0.99
  compareAt: {multiplier: 1.3}
"""


def rule(name: str = "store", spec: str = GOOD) -> str:
    return RULE.format(name=name, spec=spec)


def products(item_extra: str) -> str:
    return (
        "apiVersion: cjrec/v1\nkind: Products\nmetadata: {name: storefront}\nspec:\n  items:\n"
        f"    - productUrl: {PRODUCT_URL}\n{item_extra}"
    )


def validate(ws: Workspace, *files: tuple[str, str]) -> tuple[int, str]:
    for path, text in files:
        ws.write(path, text)
    result = ws.cli("validate")
    return result.exit_code, result.stderr


def test_a_pricing_rule_and_items_using_it_validate(valid_workspace: Workspace) -> None:
    code, err = validate(
        valid_workspace,
        (
            "manifests/pricing.yaml",
            rule()
            + "---\n"
            + rule("eu", "  currency: EUR\n  exchangeRate: 0.92\n  tiers:\n    - {multiplier: 2}\n  cents: whole\n"),
        ),
        (
            "manifests/products.yaml",
            products("      pricing: eu\n      variants: {include: ['Black-*'], exclude: ['*-XS']}\n"),
        ),
    )
    assert code == 0, err


@pytest.mark.parametrize(
    ("spec", "where", "words"),
    [
        (
            "  tiers:\n    - {upTo: 50, multiplier: 2}\n    - {upTo: 10, multiplier: 3}\n    - {multiplier: 1.6}\n",
            "7: spec.tiers[1].upTo",
            "`upTo: 10` is not above the previous tier's `upTo: 50`",
        ),
        (
            "  tiers:\n    - {multiplier: 2}\n    - {upTo: 10, multiplier: 3}\n",
            "7: spec.tiers[1]:",
            "comes after the open tier",
        ),
        ("  tiers:\n    - {upTo: 10, multiplier: 3}\n", "6: spec.tiers[0].upTo", "drop `upTo` from the last tier"),
        ("  tiers:\n    - {multiplier: 0}\n", "6: spec.tiers[0].multiplier", "multiplier must be greater than 0"),
        ("  tiers:\n    - {multiplier: -2}\n", "6: spec.tiers[0].multiplier", "multiplier must be greater than 0"),
        ("  tiers:\n    - {upTo: 10}\n    - {add: 1}\n", "6: spec.tiers[0]:", "needs a `multiplier`, an `add` or both"),
        (
            "  tiers:\n    - {multiplier: 2}\n  cents: 0.49\n",
            "7: spec.cents",
            "cents must be one of 0.99, 0.95, 0.90 or whole",
        ),
        ("  tiers:\n    - {multiplier: 2}\n  cents: round\n", "7: spec.cents", "cents must be one of"),
        ("  tiers:\n    - {multiplier: 2}\n  currency: EUR\n", "4: spec:", "currency EUR needs an `exchangeRate`"),
        (
            "  tiers:\n    - {multiplier: 2}\n  compareAt: {multiplier: 1.3, add: 2}\n",
            "7: spec.compareAt",
            "exactly one",
        ),
        ("  tiers: []\n", "5: spec.tiers", "at least 1"),
    ],
)
def test_bad_rules_are_named_with_file_and_line(valid_workspace: Workspace, spec: str, where: str, words: str) -> None:
    code, err = validate(valid_workspace, ("manifests/pricing.yaml", rule(spec=spec)))
    assert code == 1
    assert f"manifests/pricing.yaml:{where}" in err
    assert words in err


def test_an_unknown_rule_name_lists_the_known_ones(valid_workspace: Workspace) -> None:
    code, err = validate(
        valid_workspace,
        ("manifests/pricing.yaml", rule()),
        ("manifests/products.yaml", products("      pricing: wholesale\n")),
    )
    assert code == 1
    assert "manifests/products.yaml:7: spec.items[0].pricing" in err
    assert "no Pricing rule named 'wholesale' (known rules: store)" in err


def test_two_default_rules_are_an_error_at_the_second(valid_workspace: Workspace) -> None:
    code, err = validate(valid_workspace, ("manifests/pricing.yaml", rule() + "---\n" + rule("other")))
    assert code == 1
    assert "manifests/pricing.yaml:17: spec.default" in err
    assert "Pricing rule 'other' is a second default; 'store' at manifests/pricing.yaml:5" in err


@pytest.mark.parametrize(
    ("price", "words"), [("0", "price must be greater than 0"), ("-3.50", "price must be greater than 0")]
)
def test_a_zero_or_negative_item_price_is_an_error(valid_workspace: Workspace, price: str, words: str) -> None:
    code, err = validate(valid_workspace, ("manifests/products.yaml", products(f"      price: {price}\n")))
    assert code == 1
    assert "manifests/products.yaml:7: spec.items[0].price" in err
    assert words in err


def test_a_fixed_price_with_a_rule_on_the_same_item_is_an_error(valid_workspace: Workspace) -> None:
    code, err = validate(
        valid_workspace,
        ("manifests/pricing.yaml", rule()),
        ("manifests/products.yaml", products("      pricing: store\n      price: 19.99\n")),
    )
    assert code == 1
    assert "manifests/products.yaml:8: spec.items[0].price" in err
    assert "a fixed `price` and `pricing: store` on the same item; keep one" in err


def test_an_empty_variant_entry_is_an_error(valid_workspace: Workspace) -> None:
    code, err = validate(valid_workspace, ("manifests/products.yaml", products("      variants: {include: ['']}\n")))
    assert code == 1
    assert "manifests/products.yaml:7: spec.items[0].variants.include" in err


NOT_DEFAULT = "  tiers:\n    - {multiplier: 2}\n"


def test_a_rule_that_prices_no_product_is_a_warning_naming_the_fix(valid_workspace: Workspace) -> None:
    valid_workspace.write("manifests/pricing.yaml", rule("store") + "---\n" + rule("wholesale", NOT_DEFAULT))
    result = valid_workspace.cli("validate")
    assert result.exit_code == 0, result.output
    warned = " ".join(result.stderr.split())
    assert "manifests/pricing.yaml:15: metadata.name" in warned
    assert "Pricing rule 'wholesale' prices no product" in warned
    assert "add `pricing: wholesale` to the items it should price, or `default: true`" in warned
    assert "'store'" not in warned  # the default rule is used

    valid_workspace.write("manifests/products.yaml", products("      pricing: wholesale\n"))
    named = valid_workspace.cli("validate")
    assert named.exit_code == 0 and "prices no product" not in named.stderr


def test_plan_warns_about_the_unused_rule_too(valid_workspace: Workspace) -> None:
    valid_workspace.write("manifests/pricing.yaml", rule("wholesale", NOT_DEFAULT))
    result = valid_workspace.cli("plan", "--offline")
    assert "Pricing rule 'wholesale' prices no product" in " ".join(result.output.split())
