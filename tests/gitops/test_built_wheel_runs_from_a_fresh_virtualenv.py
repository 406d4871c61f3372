"""The wheel `make dist` builds works on its own: installed (not editable) into a fresh virtualenv,
its cjrec scaffolds a repository, validates it, and plans and applies against the sandbox.

The wheel is built once per test session and installed into one virtualenv that the tests share
(one test here: under xdist, a second test could land on the other worker and build it again).
"""

from __future__ import annotations

import json
import os
import subprocess
import zipfile
from pathlib import Path

import pytest

from reconciler.models.product_url import product_url
from reconciler.sandbox import DEMO_API_KEY, DEMO_EMAIL, Sandbox, SandboxConfig
from tests.gitops.installs import REPO, Venv, build_wheel, fresh_venv, imported_from, pip_install
from tests.support.secret_watch import SecretWatch


@pytest.fixture(scope="session")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_wheel(tmp_path_factory.mktemp("dist"))


@pytest.fixture(scope="session")
def wheel_venv(tmp_path_factory: pytest.TempPathFactory, wheel: Path) -> Venv:
    venv = fresh_venv(tmp_path_factory.mktemp("wheel") / "venv")
    pip_install(venv, str(wheel))
    return venv


def assert_carries_the_ci_templates_and_the_json_schema(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for name in (
        "reconciler/templates/github-workflow.yml",
        "reconciler/templates/gitlab-ci.yml",
        "reconciler/templates/pre-commit-config.yaml",
        "reconciler/schemas/cjrec-v1.json",
    ):
        assert name in names, name
    packaged = zipfile.ZipFile(wheel).read("reconciler/schemas/cjrec-v1.json")
    assert packaged == (REPO / "schema" / "cjrec-v1.json").read_bytes()
    assert not [n for n in names if n.startswith(("tests/", "benchmarks/"))]


class Shop:
    """A configuration repository driven by the wheel's cjrec, with its own HOME (and age key)."""

    def __init__(self, tmp: Path, venv: Venv, sandbox: Sandbox) -> None:
        self.root = tmp / "shop"
        base = {k: v for k, v in os.environ.items() if k not in {"SOPS_AGE_KEY", "SOPS_AGE_KEY_FILE"}}
        base.update(
            HOME=str(tmp / ".home"),
            XDG_CONFIG_HOME=str(tmp / ".home" / ".config"),
            CJREC_API_URL=sandbox.base_url,
            NO_COLOR="1",
            SOPS_DISABLE_VERSION_CHECK="1",
        )
        self.env = venv.env(base)
        self.venv = venv

    def cjrec(self, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(self.venv.cjrec), *args], cwd=cwd or self.root, env=self.env, capture_output=True, text=True, check=False
        )


def test_the_wheel_carries_its_templates_and_schema_and_installed_inits_validates_plans_and_applies(
    tmp_path: Path, wheel: Path, wheel_venv: Venv, secret_watch: SecretWatch
) -> None:
    assert_carries_the_ci_templates_and_the_json_schema(wheel)
    site = imported_from(wheel_venv)
    assert wheel_venv.root in site.parents and REPO not in site.parents
    with Sandbox(SandboxConfig(qps=10, products=40, seed=5)) as cj:
        shop = Shop(tmp_path, wheel_venv, cj)
        secret_watch.add_root(shop.root)
        made = shop.cjrec("init", str(shop.root), cwd=tmp_path)
        assert made.returncode == 0, made.stderr
        # installed from a wheel file on this disk: CI could not install from there, and init says so
        assert "local archive" in made.stderr and "--install" in made.stderr
        assert "CHECK THIS LINE" in (shop.root / ".github/workflows/cjrec.yml").read_text()
        assert (shop.root / "schema/cjrec-v1.json").read_bytes() == (REPO / "schema/cjrec-v1.json").read_bytes()

        creds = shop.root / "manifests" / "credentials.sops.yaml"
        creds.write_text(
            creds.read_text().replace("you@example.com", DEMO_EMAIL).replace("REPLACE-WITH-YOUR-CJ-API-KEY", DEMO_API_KEY)
        )
        encrypted = subprocess.run(
            [str(wheel_venv.bin / "sops"), "--encrypt", "--in-place", str(creds)],
            cwd=shop.root,
            env=shop.env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert encrypted.returncode == 0, encrypted.stderr
        secret_watch.note_input(creds)
        pids = cj.catalog_pids("on_sale")[:2]
        (shop.root / "manifests" / "products.yaml").write_text(
            "apiVersion: cjrec/v1\nkind: Products\nmetadata: {name: storefront}\nspec:\n  items:\n"
            + "".join(f"    - productUrl: {product_url(pid, 'item')}\n" for pid in pids)
        )
        secret_watch.note_input(shop.root / "manifests" / "products.yaml")

        valid = shop.cjrec("validate")
        assert valid.returncode == 0, valid.stderr
        assert "qps auto" in valid.stdout
        plan = shop.cjrec("plan", "--detailed-exitcode", "--out", "plan.json")
        assert plan.returncode == 2, plan.stdout + plan.stderr
        assert json.loads((shop.root / "plan.json").read_text())["cost"]["qps"] == 10  # auto: the account's limit
        applied = shop.cjrec("apply", "--auto-approve", "plan.json")
        assert applied.returncode == 0, applied.stdout + applied.stderr
        assert set(pids) <= set(cj.my_product_ids())
        again = shop.cjrec("plan", "--detailed-exitcode")
        assert again.returncode == 0, again.stdout + again.stderr
