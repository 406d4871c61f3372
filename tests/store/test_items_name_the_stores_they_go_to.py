"""``stores: [NAME]`` on a Products item: the product is published to those Stores only (by
default to every Store); naming a Store that is not declared is a manifest error with
file:line and the known stores; taking a Store off an item removes the product from it as
that Store's ``onRemove`` says.
"""

from __future__ import annotations

from dataclasses import replace

from reconciler.models.plan import Action
from tests.store.test_publishing_keeps_identity_and_the_merchants_edits import PID, record, store
from tests.store.test_store_document import write_store
from tests.store.test_store_listings_are_planned_and_applied import desired, plan, state_with
from tests.support.workspace import Workspace


def test_an_item_goes_to_the_stores_it_names_and_by_default_to_every_store() -> None:
    main, outlet = store("http://127.0.0.1:1"), replace(store("http://127.0.0.1:1"), name="outlet")
    want = desired(main, PID)
    want.resources["store"]["outlet"] = outlet
    state = state_with(record())
    everywhere = plan(want, state)
    assert sorted(c.address for c in everywhere.changes) == [f"store.main/product.{PID}", f"store.outlet/product.{PID}"]

    only_outlet = want.resources["product"][PID]
    want.resources["product"][PID] = replace(only_outlet, stores=("outlet",))
    assert [c.address for c in plan(want, state).changes] == [f"store.outlet/product.{PID}"]


def test_taking_a_store_off_an_item_archives_the_product_there() -> None:
    from reconciler.kinds.store.record import ListingRecord, with_listing

    main = store("http://127.0.0.1:1")
    want = desired(main, PID)
    want.resources["product"][PID] = replace(want.resources["product"][PID], stores=("outlet",))
    published = ListingRecord("main", PID, "gid://shopify/Product/1", {}, "sha256:x", "active", "2026-03-01T12:00:00Z")
    (change,) = plan(want, with_listing(state_with(record()), published)).changes
    assert (change.address, change.action, change.after and change.after["status"]) == (
        f"store.main/product.{PID}",
        Action.UPDATE,
        "archived",
    )
    assert "its item names stores: outlet" in change.reason


def test_a_store_name_no_store_has_is_a_manifest_error_with_file_and_line(valid_workspace: Workspace) -> None:
    write_store(valid_workspace)
    valid_workspace.write(
        "manifests/products.yaml",
        "apiVersion: cjrec/v1\nkind: Products\nmetadata:\n  name: catalog\nspec:\n  items:\n"
        f"    - productUrl: https://cjdropshipping.com/product/x-p-{PID}.html\n      stores: [main, outlet]\n",
    )
    result = valid_workspace.cli("validate")
    assert result.exit_code == 1, result.output
    assert "manifests/products.yaml:8: spec.items[0].stores[1]" in result.stderr
    assert "no Store named 'outlet' (known stores: main)" in result.stderr
    assert "Traceback" not in result.output
