"""`cjrec init`: what it writes, that it never overwrites, and where the age key goes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from pyrage import x25519

BIN = Path(sys.executable).parent


def init(tmp: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    base = {**os.environ, "HOME": str(tmp / "home"), "XDG_CONFIG_HOME": str(tmp / "home" / ".config"), "NO_COLOR": "1"}
    for name in ("SOPS_AGE_KEY", "SOPS_AGE_KEY_FILE"):
        base.pop(name, None)
    return subprocess.run(
        [str(BIN / "cjrec"), "init", *args],
        cwd=tmp,
        env={**base, **(env or {})},
        capture_output=True,
        text=True,
        check=False,
    )


def test_init_writes_the_repository_and_prints_the_next_three_commands(tmp_path: Path) -> None:
    done = init(tmp_path, "shop")
    assert done.returncode == 0, done.stderr
    repo = tmp_path / "shop"
    for relpath in (
        "manifests/credentials.sops.yaml",
        "manifests/products.yaml",
        "manifests/logos.yaml",
        "manifests/settings.yaml",
        ".sops.yaml",
        "state/.gitignore",
        ".github/workflows/cjrec.yml",
        ".gitlab-ci.yml",
        ".pre-commit-config.yaml",
    ):
        assert (repo / relpath).is_file(), relpath
    lines = done.stdout.splitlines()
    steps = [line for line in lines if line.strip().startswith(("1.", "2.", "3."))]
    assert len(steps) == 3
    assert "sops --encrypt --in-place" in steps[0]
    assert "cjrec plan" in steps[1]
    assert "cjrec apply" in steps[2]
    key_file = tmp_path / "home" / ".config" / "sops" / "age" / "keys.txt"
    assert key_file.stat().st_mode & 0o777 == 0o600
    public = str(x25519.Identity.from_str(key_file.read_text().splitlines()[-1]).to_public())
    assert public in (repo / ".sops.yaml").read_text()
    assert "@CJREC_VERSION@" not in (repo / ".github/workflows/cjrec.yml").read_text()


def test_init_never_overwrites_an_existing_file(tmp_path: Path) -> None:
    assert init(tmp_path, "shop").returncode == 0
    products = tmp_path / "shop" / "manifests" / "products.yaml"
    products.write_text("# mine\n")
    again = init(tmp_path, "shop")
    assert again.returncode == 0
    assert products.read_text() == "# mine\n"
    assert "created" not in again.stdout
    assert "kept     manifests/products.yaml (exists)" in again.stdout
    keys = (tmp_path / "home" / ".config" / "sops" / "age" / "keys.txt").read_text()
    assert keys.count("AGE-SECRET-KEY-") == 1  # the existing key was used, no second one made


def test_init_uses_the_key_the_user_already_has(tmp_path: Path) -> None:
    identity = x25519.Identity.generate()
    done = init(tmp_path, "shop", env={"SOPS_AGE_KEY": str(identity)})
    assert done.returncode == 0, done.stderr
    assert str(identity.to_public()) in (tmp_path / "shop" / ".sops.yaml").read_text()
    assert not (tmp_path / "home" / ".config" / "sops" / "age" / "keys.txt").exists()
    assert str(identity) not in done.stdout + done.stderr


def test_init_with_a_team_recipient_writes_no_key(tmp_path: Path) -> None:
    team = str(x25519.Identity.generate().to_public())
    done = init(tmp_path, "shop", "--age-recipient", team)
    assert done.returncode == 0, done.stderr
    assert team in (tmp_path / "shop" / ".sops.yaml").read_text()
    assert not (tmp_path / "home" / ".config" / "sops" / "age" / "keys.txt").exists()
