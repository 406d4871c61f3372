"""Every adapter module is named in the import-linter contracts that keep the outside world's
libraries (requests, subprocess, boto3) to one or two modules each.

A forbidden contract only checks the modules it lists, so a new adapter that is not listed
may import ``subprocess`` or ``requests`` unnoticed (``adapters.git_changes`` was added that
way). This test reads ``.importlinter`` and the package: each contract must list every
adapter except the ones allowed the library, so adding an adapter means deciding here.
"""

from __future__ import annotations

import configparser
import pkgutil
from pathlib import Path

import pytest

import reconciler.adapters

ROOT = Path(__file__).resolve().parents[2]

# contract section -> the adapters allowed to import its library
ALLOWED = {
    "importlinter:contract:requests-only-in-api-client": {"cj_http", "shopify_http", "woocommerce_http", "pipeline_trigger"},
    "importlinter:contract:subprocess-only-in-sops": {"sops", "git_changes"},
    "importlinter:contract:boto3-only-in-s3-adapter": {"s3_objects"},
}


def _adapter_modules() -> set[str]:
    return {info.name for info in pkgutil.iter_modules(reconciler.adapters.__path__)}


def _listed_adapters(section: str) -> set[str]:
    parser = configparser.ConfigParser()
    parser.read(ROOT / ".importlinter", encoding="utf-8")
    listed = parser[section]["source_modules"].split()
    prefix = "reconciler.adapters."
    return {module.removeprefix(prefix) for module in listed if module.startswith(prefix)}


@pytest.mark.parametrize("section", sorted(ALLOWED))
def test_each_library_contract_lists_every_adapter_but_the_allowed_ones(section: str) -> None:
    adapters = _adapter_modules()
    assert ALLOWED[section] <= adapters, f"{section} allows adapters that do not exist"
    missing = adapters - ALLOWED[section] - _listed_adapters(section)
    assert not missing, f".importlinter [{section}] does not list reconciler.adapters.{sorted(missing)}"
    wrongly = _listed_adapters(section) & ALLOWED[section]
    assert not wrongly, f".importlinter [{section}] forbids the library to the adapter allowed it: {sorted(wrongly)}"
