"""The JSON plan document: valid against ``schema/plan-v1.json``, round-trips, and guards itself with a checksum.

``docs/plan-format.md`` documents every field; these tests keep the schema, the document
and the code in step: everything ``Plan.to_dict()`` emits is described in the schema, every
representative plan validates, and changing any value (or dropping any key) of a saved plan
breaks its checksum.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from reconciler.models.plan import FORMAT_VERSION, Action, Plan, checksum
from tests.render import plans
from tests.support.plan_builders import desired, observed, pid, plan, record, state

SCHEMA_PATH = Path(__file__).parents[2] / "schema" / "plan-v1.json"
SCHEMA: dict[str, Any] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)


def mass_forget() -> Plan:
    pids = [pid(n) for n in range(3)]
    return plan(desired(), state([record(p) for p in pids]), observed(my_products=pids))


PLANS: dict[str, Callable[[], Plan]] = {
    "mixed": plans.mixed,
    "offline": plans.offline,
    "priced": plans.priced,
    "no_changes": plans.no_changes,
    "mass_forget": mass_forget,
}


def test_the_schema_is_a_valid_draft_2020_12_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert SCHEMA["properties"]["format_version"]["const"] == FORMAT_VERSION


@pytest.mark.parametrize("name", PLANS)
def test_plans_validate_against_the_schema(name: str) -> None:
    document = PLANS[name]().to_dict()

    errors = [f"{list(e.absolute_path)}: {e.message}" for e in VALIDATOR.iter_errors(document)]
    assert errors == []


def test_the_saved_form_validates_too() -> None:
    """What ``plan --out`` writes: the document through json.dumps/json.loads."""
    VALIDATOR.validate(json.loads(json.dumps(plans.mixed().to_dict(), indent=2)))


def test_the_schema_describes_every_field_the_plan_emits() -> None:
    document = plans.mixed().to_dict()
    defs = SCHEMA["$defs"]

    optional = {"material_drift", "refresh", "status"}  # emitted only when set (fields are only ever added)
    assert set(document) - optional == set(SCHEMA["required"])
    assert set(document) | optional == set(SCHEMA["properties"])
    for key in ("state", "summary", "cost"):
        assert set(document[key]) == set(SCHEMA["properties"][key]["properties"]), key
    assert set(document["summary"]) == {a.value for a in Action}
    assert set(defs["action"]["enum"]) == {a.value for a in Action}
    assert set(SCHEMA["properties"]["mode"]["enum"]) == {"normal", "refresh-details", "offline"}
    change = document["changes"][0]
    assert set(change) == set(defs["change"]["properties"])
    product = next(c["after"] for c in document["changes"] if c["address"].startswith("product.") and c["after"])
    assert set(product) | {"listing"} == set(defs["productRecord"]["properties"])  # listing: when priced
    assert set(product["snapshot"]) | {"option_names"} == set(defs["snapshot"]["properties"])
    priced = next(c["after"] for c in plans.priced().to_dict()["changes"] if c["after"])
    assert set(priced) == set(defs["productRecord"]["properties"])
    assert set(priced["snapshot"]) == set(defs["snapshot"]["properties"])
    listing = defs["productRecord"]["properties"]["listing"]
    assert set(priced["listing"]) == set(listing["properties"])
    assert set(next(iter(priced["listing"]["variants"].values()))) == set(
        listing["properties"]["variants"]["additionalProperties"]["properties"]
    )
    logo = next(c["after"] for c in document["changes"] if c["address"].startswith("logo.") and c["after"])
    assert set(defs["logoRecord"]["required"]) <= set(logo) <= set(defs["logoRecord"]["properties"])  # `hosted` is optional
    assert set(document["drift"][0]) == set(defs["drift"]["properties"])
    assert set(document["warnings"][0]) == set(defs["finding"]["properties"])


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("format_version",), 2),
        (("mode",), "fast"),
        (("checksum",), "sha256:abc"),
        (("changes", 0, "action"), "delete"),
        (("changes", 0, "address"), "bucket.x"),
        (("changes", 1, "before"), {"url": "x"}),  # a create with a before record
        (("summary", "create"), -1),
        (("cost", "qps"), 0),
        (("state", "serial"), "41"),
    ],
)
def test_the_schema_rejects_malformed_documents(path: tuple[str | int, ...], value: Any) -> None:
    document = plans.mixed().to_dict()
    target: Any = document
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value

    assert not VALIDATOR.is_valid(document)


@pytest.mark.parametrize("name", PLANS)
def test_a_plan_round_trips_through_its_document(name: str) -> None:
    original = PLANS[name]()
    document = original.to_dict()

    again = Plan.from_dict(document)
    assert again == original
    assert again.to_dict() == document
    saved = Plan.from_dict(json.loads(json.dumps(document)))
    assert json.dumps(saved.to_dict(), sort_keys=True) == json.dumps(document, sort_keys=True)
    assert saved.is_mass_forget is original.is_mass_forget


def test_the_checksum_covers_everything_but_itself() -> None:
    document = plans.mixed().to_dict()
    body = {k: v for k, v in document.items() if k != "checksum"}

    assert document["checksum"] == checksum(body)
    assert checksum(json.loads(json.dumps(body, indent=2))) == document["checksum"]


def _leaves(value: Any, path: tuple[str | int, ...] = ()) -> Iterator[tuple[str | int, ...]]:
    if isinstance(value, dict) and value:
        for key, inner in value.items():
            yield from _leaves(inner, (*path, key))
    elif isinstance(value, list) and value:
        for i, inner in enumerate(value):
            yield from _leaves(inner, (*path, i))
    else:
        yield path


def _edited(value: Any) -> Any:
    if isinstance(value, bool):
        return not value
    if isinstance(value, int | float):
        return value + 1
    if isinstance(value, str):
        return value + "x"
    if value is None:
        return "x"
    return [*value, "x"] if isinstance(value, list) else {**value, "x": 1}


def test_editing_any_field_breaks_the_checksum() -> None:
    document = plans.mixed().to_dict()
    claimed = document.pop("checksum")
    leaves = list(_leaves(document))
    assert len(leaves) > 200

    for path in leaves:
        edited = copy.deepcopy(document)
        parent: Any = edited
        for step in path[:-1]:
            parent = parent[step]
        parent[path[-1]] = _edited(parent[path[-1]])
        assert checksum(edited) != claimed, f"editing {path} kept the checksum"

        if isinstance(parent, dict):
            del parent[path[-1]]
            assert checksum(edited) != claimed, f"dropping {path} kept the checksum"


def test_a_plan_with_sourcing_requests_markets_and_their_status_validates() -> None:
    document = plans.sourcing_and_markets().to_dict()
    assert document["status"] and any(c["address"].startswith("sourcing.") for c in document["changes"])
    VALIDATOR.validate(document)
