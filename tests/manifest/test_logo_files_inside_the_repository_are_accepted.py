"""Logo files may sit anywhere inside the repository — beside the manifest, up with ``../``, or behind a
symlink that stays inside — while the same paths leading out are refused (see the invalid-manifest cases)."""

from __future__ import annotations

from tests.support.images import tiny_png
from tests.support.workspace import Workspace


def test_a_logo_reached_with_dot_dot_or_a_symlink_inside_the_repository_is_accepted(valid_workspace: Workspace) -> None:
    ws = valid_workspace
    ws.write_bytes("assets/shared.png", tiny_png())
    (ws.root / "manifests" / "logos" / "alias.png").symlink_to(ws.root / "assets" / "shared.png")
    ws.write(
        "manifests/more-logos.yaml",
        """
        apiVersion: cjrec/v1
        kind: Logo
        metadata: {name: shared}
        spec: {file: ../assets/shared.png, publicUrl: https://cdn.example.com/s.png}
        ---
        apiVersion: cjrec/v1
        kind: Logo
        metadata: {name: alias}
        spec: {file: logos/alias.png, publicUrl: https://cdn.example.com/a.png}
        """,
    )
    result = ws.cli("validate")
    assert result.exit_code == 0, result.output
    assert "4 logos" not in result.stdout and "3 logos" in result.stdout
