"""Commands that need only the state's place (export, state list…) read Settings ``spec.state``
without parsing every manifest: a file that cannot hold the word ``Settings`` is skipped (a
100,000-product file is read, not parsed). One that spells it with a YAML escape is still parsed."""

from __future__ import annotations

from pathlib import Path

import pytest

from reconciler.cli.run_options import RunOptions
from reconciler.cli.wiring import state_location
from reconciler.models.state_location import LocalLocation

SETTINGS = "apiVersion: cjrec/v1\nkind: {kind}\nspec: {{state: elsewhere}}\n"


def options(manifests: Path) -> RunOptions:
    return RunOptions(
        manifests=manifests,
        state_location="state",
        state_explicit=False,
        api_url="",
        sops_binary=None,
        debug=False,
        color=False,
    )


@pytest.mark.parametrize("kind", ["Settings", '"Setting\\x73"', "'Settings'"], ids=["plain", "escaped", "quoted"])
def test_the_settings_state_is_found_however_the_kind_is_spelt(tmp_path: Path, kind: str) -> None:
    (tmp_path / "settings.yaml").write_text(SETTINGS.format(kind=kind))
    (tmp_path / "products.yaml").write_text("apiVersion: cjrec/v1\nkind: Products\nspec: {items: [\n")  # unparsable
    assert state_location(options(tmp_path), None) == LocalLocation(Path("elsewhere"))


def test_a_file_that_cannot_name_the_settings_is_not_parsed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from reconciler.adapters import yaml_loader

    (tmp_path / "settings.yaml").write_text(SETTINGS.format(kind="Settings"))
    (tmp_path / "products.yaml").write_text("apiVersion: cjrec/v1\nkind: Products\nspec: {items: []}\n")
    parsed: list[str] = []
    real = yaml_loader.parse_text
    monkeypatch.setattr(yaml_loader, "parse_text", lambda text, **kw: parsed.append(kw["display"]) or real(text, **kw))
    assert state_location(options(tmp_path), None) == LocalLocation(Path("elsewhere"))
    assert [Path(name).name for name in parsed] == ["settings.yaml"]
