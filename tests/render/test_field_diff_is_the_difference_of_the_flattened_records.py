"""``field_diff`` lists exactly the fields where ``flatten(before)`` and ``flatten(after)`` differ.

It skips parts that are equal as a whole instead of flattening them (10,000 first pricings spent
half their plan flattening unchanged snapshots); whatever the shapes — maps nested or empty, a
map on one side and a value on the other, a field on one side only — the result must be the one
the plain comparison of the two flattened records gives.
"""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from reconciler.models.plan import Action, Change
from reconciler.render.describe import BOOKKEEPING, field_diff, flatten

KEYS = st.sampled_from(["a", "b", "price", "variants", "checked_at", "x.y"])
LEAVES = st.one_of(st.none(), st.integers(-2, 2), st.sampled_from(["", "1.00", "Black"]), st.booleans())
VALUES = st.recursive(LEAVES, lambda inner: st.dictionaries(KEYS, inner, max_size=4), max_leaves=12)
RECORDS = st.dictionaries(KEYS, VALUES, max_size=5)


def plain(before: dict[str, Any], after: dict[str, Any]) -> list[tuple[str, Any, Any]]:
    old, new = flatten(before), flatten(after)
    return [
        (key, old.get(key), new.get(key))
        for key in sorted(set(old) | set(new))
        if old.get(key) != new.get(key) and key not in BOOKKEEPING
    ]


@settings(max_examples=400, deadline=None)
@given(before=RECORDS, after=RECORDS)
def test_the_fields_listed_are_those_of_the_flattened_comparison(before: dict[str, Any], after: dict[str, Any]) -> None:
    change = Change("product.1", Action.UPDATE, before, after, "", "")
    assert field_diff(change) == plain(before, after)


@given(record=RECORDS)
def test_a_record_compared_with_a_changed_copy_lists_only_the_change(record: dict[str, Any]) -> None:
    after = {**record, "listing": {"rule": "store", "variants": {}}}
    change = Change("product.1", Action.UPDATE, record, after, "", "")
    assert field_diff(change) == plain(record, after)
