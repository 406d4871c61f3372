"""Editors find the manifests' JSON Schema in the repository itself: every modeline is a relative path to a file.

No modeline points at a host (there is none serving it); `cjrec schema --out FILE` refreshes the file.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from importlib import resources
from pathlib import Path

import jsonschema
import yaml

from tests.gitops.test_init_scaffolds_without_overwriting import init

BIN = Path(sys.executable).parent
REPO = Path(__file__).resolve().parents[2]
MODELINE = re.compile(r"^#\s*yaml-language-server:\s*\$schema=(\S+)", re.MULTILINE)


def cjrec(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN / "cjrec"), *args], cwd=cwd, capture_output=True, text=True, check=False)


def modelines(root: Path) -> dict[Path, list[str]]:
    found: dict[Path, list[str]] = {}
    for path in sorted(root.rglob("*")):
        if path.is_file() and path.suffix in {".yaml", ".yml", ".example"}:
            refs = MODELINE.findall(path.read_text(encoding="utf-8", errors="replace"))
            if refs:
                found[path] = refs
    return found


def assert_each_reference_resolves_inside(root: Path, found: dict[Path, list[str]]) -> None:
    for path, refs in found.items():
        for ref in refs:
            assert "://" not in ref, f"{path}: $schema={ref} names a host"
            target = (path.parent / ref).resolve()
            assert target.is_file(), f"{path}: $schema={ref} does not resolve to a file"
            assert target.is_relative_to(root.resolve()), f"{path}: $schema={ref} leaves the repository"
            json.loads(target.read_text())


def test_every_schema_reference_init_writes_resolves_to_the_schema_it_also_writes(tmp_path: Path) -> None:
    assert init(tmp_path, "shop", "--install", "cjrec==0.1.0").returncode == 0
    shop = tmp_path / "shop"
    found = modelines(shop)
    assert len(found) == 4  # credentials, products, logos, settings
    assert_each_reference_resolves_inside(shop, found)
    assert {(p.parent / r).resolve() for p, refs in found.items() for r in refs} == {shop / "schema" / "cjrec-v1.json"}
    written = "".join(p.read_text() for p in shop.rglob("*") if p.is_file())
    assert "cjrec.dev" not in written


def test_the_manifests_init_writes_are_valid_against_the_schema_they_point_at(tmp_path: Path) -> None:
    assert init(tmp_path, "shop", "--install", "cjrec==0.1.0").returncode == 0
    shop = tmp_path / "shop"
    schema = json.loads((shop / "schema" / "cjrec-v1.json").read_text())
    for path in (shop / "manifests").glob("*.yaml"):
        jsonschema.validate(yaml.safe_load(path.read_text()), schema)


def test_the_projects_own_manifests_reference_the_committed_schema_by_relative_path() -> None:
    found = modelines(REPO / "manifests")
    assert found, "the example manifests carry modelines"
    assert_each_reference_resolves_inside(REPO, found)


def test_the_schema_carried_in_the_package_is_what_cjrec_schema_prints() -> None:
    packaged = resources.files("reconciler.schemas").joinpath("cjrec-v1.json").read_text(encoding="utf-8")
    assert packaged == cjrec("schema", cwd=REPO).stdout
    assert "cjrec.dev" not in packaged


def test_schema_out_writes_the_file_the_modelines_point_at(tmp_path: Path) -> None:
    done = cjrec("schema", "--out", "schema/cjrec-v1.json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "schema" / "cjrec-v1.json").read_text() == cjrec("schema", cwd=tmp_path).stdout
    reference = cjrec("schema", "--format", "markdown", "--out", "ref.md", cwd=tmp_path)
    assert reference.returncode == 0
    assert (tmp_path / "ref.md").read_text() == (REPO / "docs" / "manifest-reference.md").read_text()


def test_schema_out_into_a_place_it_cannot_write_is_one_clear_error(tmp_path: Path) -> None:
    (tmp_path / "blocked").write_text("a file, not a folder")
    done = cjrec("schema", "--out", "blocked/cjrec-v1.json", cwd=tmp_path)
    assert done.returncode == 1
    assert done.stderr.startswith("Error: cannot write blocked/cjrec-v1.json")
    assert "Traceback" not in done.stderr


def test_init_keeps_an_older_schema_copy_and_says_how_to_refresh_it(tmp_path: Path) -> None:
    (tmp_path / "shop" / "schema").mkdir(parents=True)
    (tmp_path / "shop" / "schema" / "cjrec-v1.json").write_text("{}")
    done = init(tmp_path, "shop", "--install", "cjrec==0.1.0")
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "shop" / "schema" / "cjrec-v1.json").read_text() == "{}"
    assert "cjrec schema --out schema/cjrec-v1.json" in done.stderr
    again = init(tmp_path, "fresh", "--install", "cjrec==0.1.0")
    assert "cjrec schema --out" not in init(tmp_path, "fresh", "--install", "cjrec==0.1.0").stderr  # kept, same
    assert again.returncode == 0


# hosts an init-written file may name: CJ itself, the JSON Schema standard's identifier, and the
# reserved example domain of the sample logo (RFC 2606); anything else would be a made-up host
REAL_OR_RESERVED_HOSTS = {"cjdropshipping.com", "app.cjdropshipping.com", "json-schema.org", "cdn.example.com"}
HOST = re.compile(r"https?://(?:[^@/\s\"']*@)?([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)")


def test_no_file_init_writes_names_a_made_up_host(tmp_path: Path) -> None:
    assert init(tmp_path, "shop", "--install", "cjrec==0.1.0").returncode == 0
    hosts = {
        host.lower()
        for path in (tmp_path / "shop").rglob("*")
        if path.is_file()
        for host in HOST.findall(path.read_text(encoding="utf-8", errors="replace"))
    }
    assert hosts, "the scan finds the CJ product URL at least"
    assert hosts <= REAL_OR_RESERVED_HOSTS, hosts - REAL_OR_RESERVED_HOSTS
