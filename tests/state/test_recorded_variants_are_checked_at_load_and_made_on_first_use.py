"""A snapshot's variants read from the state are made into objects on first use, and checked at load.

Loading 100,000 products x 5 variants made 500,000 variant objects that a plan without Pricing
rules never looks at (``RecordedVariants``). Deferring them must change nothing a user can see:
the variants read back equal to the ones written, the state writes the same bytes, and a state
whose variants are damaged is still refused when it is loaded, naming the file, never later in
the middle of a plan.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reconciler.adapters.state_store import LocalStateStore, parse_state, render_state
from reconciler.errors import StateError
from reconciler.kinds.product.record import ProductSnapshot, RecordedVariants, VariantSnapshot, products_of

FIXTURE = Path(__file__).parent / "fixtures" / "release-0.1" / "every-section.json"
PID = "000B9312-456A-4D31-94BD-B083E2A198E8"


def snapshot_of(raw: bytes) -> ProductSnapshot:
    snapshot = products_of(parse_state(raw, "sync.json", "")).get(PID)
    assert snapshot is not None and snapshot.snapshot is not None
    return snapshot.snapshot


def test_variants_read_back_equal_to_the_ones_written_and_write_the_same_bytes() -> None:
    raw = FIXTURE.read_bytes()
    snapshot = snapshot_of(raw)
    assert isinstance(snapshot.variants, RecordedVariants)
    written = {"M1": VariantSnapshot(sku="CJMUG-1", price="3.00", variant_key="White", image=None)}
    assert snapshot.variants == written and written == snapshot.variants
    assert snapshot == ProductSnapshot(**{**snapshot_fields(snapshot), "variants": written})
    assert len(snapshot.variants) == 1 and "M1" in snapshot.variants and "M2" not in snapshot.variants
    assert render_state(parse_state(raw, "sync.json", "")) == raw


def snapshot_fields(snapshot: ProductSnapshot) -> dict[str, object]:
    return {name: getattr(snapshot, name) for name in ProductSnapshot.__dataclass_fields__}


def test_variants_are_made_only_when_first_used() -> None:
    variants = snapshot_of(FIXTURE.read_bytes()).variants
    assert isinstance(variants, RecordedVariants)
    assert len(variants) == 1 and variants._decoded is None  # counted without being made
    assert variants["M1"].variant_key == "White"
    assert variants._decoded is not None


@pytest.mark.parametrize(
    "damage", [{"price": "3.00"}, "CJMUG-1", ["CJMUG-1"], None], ids=["no-sku", "text", "list", "null"]
)
def test_a_damaged_variant_is_refused_when_the_state_is_loaded(tmp_path: Path, damage: object) -> None:
    document = json.loads(FIXTURE.read_bytes())
    document["products"][PID]["snapshot"]["variants"]["M1"] = damage
    (tmp_path / "sync.json").write_text(json.dumps(document))
    with pytest.raises(StateError) as refused:
        LocalStateStore(tmp_path).load()
    assert str(tmp_path / "sync.json") in refused.value.message and "fails validation" in refused.value.message
