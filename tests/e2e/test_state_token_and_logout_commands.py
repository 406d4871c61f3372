"""The state, token and logout commands against a real apply."""

from __future__ import annotations

import json
import urllib.request

from reconciler.adapters.sops import Sops
from tests.support.cj_workspace import CjWorkspace, on_sale
from tests.support.sops_keys import SOPS


def test_state_list_show_and_forget(cjw: CjWorkspace) -> None:
    pids = on_sale(cjw.sandbox, 2)
    cjw.products(pids)
    assert cjw.run("apply", "--auto-approve").exit_code == 0
    listed = cjw.run("state", "list")
    assert listed.exit_code == 0
    assert all(f"product.{pid}" in listed.stdout for pid in pids)
    shown = cjw.run("state", "show", f"product.{pids[0]}")
    assert shown.exit_code == 0
    record = json.loads(shown.stdout)
    assert record["address"] == f"product.{pids[0]}"
    assert record["origin"] == "added"
    serial = cjw.state()["serial"]
    forgot = cjw.run("state", "forget", f"product.{pids[0]}")
    assert forgot.exit_code == 0, forgot.output
    assert pids[0] not in cjw.state()["products"]  # type: ignore[operator]
    assert cjw.state()["serial"] == serial + 1  # type: ignore[operator]
    plan = json.loads(cjw.run("plan", "--format", "json").stdout)
    assert [c["action"] for c in plan["changes"]] == ["adopt"]  # still in the manifests and in My Products


def test_state_show_of_an_unknown_address_says_how_to_list_them(cjw: CjWorkspace) -> None:
    result = cjw.run("state", "show", "product.123")
    assert result.exit_code == 1
    assert "cjrec state list" in result.stderr


def setting_get_code(cjw: CjWorkspace, token: str) -> object:
    """What CJ answers ``setting/get`` with ``token``: 200 while it works, 1600001 once revoked."""
    request = urllib.request.Request(cjw.sandbox.base_url + "/setting/get", headers={"CJ-Access-Token": token})
    with urllib.request.urlopen(request, timeout=10) as answer:
        return json.loads(answer.read())["code"]


def test_token_status_never_shows_a_token_and_logout_revokes_and_clears(cjw: CjWorkspace) -> None:
    assert cjw.run("token", "refresh").exit_code == 0
    status = cjw.run("token", "status")
    assert status.exit_code == 0
    assert "Token source:          getAccessToken" in status.stdout or "cache" in status.stdout
    assert "API@CJ" not in status.stdout
    cache = cjw.root / "state" / "token.sops.json"
    tokens = json.loads(Sops(binary=SOPS, env=cjw.sops_env()).decrypt_json(cache, display="cache"))
    assert setting_get_code(cjw, tokens["access_token"]) == 200
    out = cjw.run("logout")
    assert out.exit_code == 0, out.output
    assert "revoked" in out.stdout
    assert not (cjw.root / "state" / "token.sops.json").exists()
    assert [c for c in cjw.auth_calls() if str(c["path"]).endswith("/logout")]
    assert setting_get_code(cjw, tokens["access_token"]) == 1600001  # revoked at CJ, not only forgotten here


def test_a_token_for_another_account_is_refused_by_the_cli(cjw: CjWorkspace) -> None:
    from reconciler.sandbox import DEMO_API_KEY

    cjw.credentials(email="someone-else@example.com", token=DEMO_API_KEY)
    result = cjw.run("token", "refresh")
    assert result.exit_code == 1
    assert "d***@example.com" in result.stderr
    assert "checkAccountEmail: false" in result.stderr


def test_a_hand_edited_state_stops_apply_and_is_left_untouched(cjw: CjWorkspace) -> None:
    cjw.products(on_sale(cjw.sandbox, 2))
    assert cjw.run("apply", "--auto-approve").exit_code == 0
    path = cjw.root / "state" / "sync.json"
    broken = path.read_text().replace('"serial"', '"serial" :: ', 1)
    path.write_text(broken)
    cjw.sandbox.clear_calls()
    result = cjw.run("apply", "--auto-approve")
    assert result.exit_code == 1
    assert "sync.json" in result.stderr
    assert "will not overwrite" in result.stderr
    assert path.read_text() == broken
    assert cjw.mutating_calls() == []
