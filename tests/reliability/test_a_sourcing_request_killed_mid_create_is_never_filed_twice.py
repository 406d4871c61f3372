"""kill -9 an apply while CJ files a sourcing request: the next runs never file that URL again by themselves.

CJ has no idempotency key for ``sourcing/create``. The sandbox answers each call after a
delay (latency), having filed the request at once, so a SIGKILL sent as soon as CJ has the
create lands in the worst window: CJ filed it, cjrec never read the id. What must hold:

* the state parses, and records that request as ``filing`` (the intent written before the call);
* the next plans warn about it and name how to settle it; the next applies file the other
  URLs but never that one, however many run;
* ``sourcingId: <the id CJ gave>`` in the manifest settles it without a call (and it is then
  followed like any request), and ``cjrec state forget`` is the explicit way to file again;
* a kill later in a run (second create) leaves the first request recorded with its id.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from reconciler.adapters.state_store import LocalStateStore
from reconciler.kinds.sourcing.record import quota_of
from reconciler.models.sourcing import PHASE_FILING, PHASE_OPEN
from tests.reliability.harness import kill_when, new_sandbox, new_workspace
from tests.support.secret_watch import SecretWatch
from tests.support.sops_keys import AgeKey

CREATE_PATH = "/product/sourcing/create"
IMAGE = "https://ae01.alicdn.com/kf/lamp.jpg"


def items_yaml(urls: list[str], adopted: dict[str, str] | None = None) -> str:
    lines = ["apiVersion: cjrec/v1", "kind: Products", "metadata: {name: sourced}", "spec:", "  items:"]
    for i, url in enumerate(urls):
        lines += [f"    - sourceUrl: {url}", f"      name: Lamp {i}", f"      image: {IMAGE}"]
        if adopted and url in adopted:
            lines.append(f'      sourcingId: "{adopted[url]}"')
    return "\n".join(lines) + "\n"


def creates(sandbox: object, start: int = 0) -> int:
    return sum(str(c["path"]).endswith(CREATE_PATH) for c in sandbox.calls()[start:])  # type: ignore[attr-defined]


def kill_at_create(ws: object, sandbox: object, nth: int) -> None:
    """Start apply and SIGKILL it once the sandbox has received its ``nth`` create (and filed it)."""
    start = len(sandbox.calls())  # type: ignore[attr-defined]
    kill_when(ws, lambda: creates(sandbox, start) >= nth)  # type: ignore[arg-type]


def test_a_kill_between_cjs_answer_and_the_state_write_never_files_that_url_again(
    tmp_path: Path, age_key: AgeKey, secret_watch: SecretWatch, monkeypatch: pytest.MonkeyPatch
) -> None:
    sandbox = new_sandbox(latency_ms=1500)  # CJ files at once and answers 1.5 s later: the kill lands in between
    try:
        ws = new_workspace(tmp_path / "repo", sandbox, key=age_key, watch=secret_watch, monkeypatch=monkeypatch)
        ws.products([])
        urls = [f"https://www.aliexpress.com/item/{100 + i}.html" for i in range(3)]
        ws.write("manifests/sourced.yaml", items_yaml(urls))
        assert ws.run("token", "refresh").exit_code == 0  # type: ignore[attr-defined]
        store = LocalStateStore(ws.root / "state")

        kill_at_create(ws, sandbox, 1)
        (filed,) = sandbox.sourcing_requests()
        state = store.load()
        assert state is not None
        (record,) = state.sourcing.values()
        assert record.phase == PHASE_FILING and record.sourcing_id is None and record.filed_at
        killed_url = record.url
        assert filed["productUrl"] == killed_url and filed["thirdProductId"] == record.third_product_id

        sandbox.set_faults(latency_ms=0)
        for _ in range(2):  # however many runs follow, that URL is not filed again
            applied = ws.run("apply", "--auto-approve")  # type: ignore[attr-defined]
            assert applied.exit_code == 0, applied.output
            assert "CJ may or may not have it" in applied.output
            assert f"thirdProductId {record.third_product_id}" in applied.output
        per_url = Counter(str(r["productUrl"]) for r in sandbox.sourcing_requests())
        assert per_url == Counter(urls), per_url

        # settle it with the id found in CJ's web UI: adopted without a call, then followed
        ws.write("manifests/sourced.yaml", items_yaml(urls, adopted={killed_url: str(filed["sourceId"])}))
        before = creates(sandbox)
        settled = ws.run("apply", "--auto-approve")  # type: ignore[attr-defined]
        assert settled.exit_code == 0, settled.output
        assert "settles the filing a killed run left unconfirmed" in settled.output
        assert creates(sandbox) == before
        state = store.load()
        assert state is not None
        adopted = next(r for r in state.sourcing.values() if r.url == killed_url)
        assert (adopted.phase, adopted.sourcing_id) == (PHASE_OPEN, filed["sourceId"])
        quiet = ws.run("plan", "--detailed-exitcode")  # type: ignore[attr-defined]
        assert quiet.exit_code == 0, quiet.output
        assert "CJ may or may not have it" not in quiet.output
    finally:
        sandbox.stop()


def test_a_kill_at_the_second_create_keeps_the_first_and_forget_is_the_explicit_way_to_file_again(
    tmp_path: Path, age_key: AgeKey, secret_watch: SecretWatch, monkeypatch: pytest.MonkeyPatch
) -> None:
    sandbox = new_sandbox(latency_ms=800)
    try:
        ws = new_workspace(tmp_path / "repo", sandbox, key=age_key, watch=secret_watch, monkeypatch=monkeypatch)
        ws.products([])
        urls = [f"https://detail.1688.com/offer/{500 + i}.html" for i in range(3)]
        ws.write("manifests/sourced.yaml", items_yaml(urls))
        assert ws.run("token", "refresh").exit_code == 0  # type: ignore[attr-defined]
        store = LocalStateStore(ws.root / "state")

        kill_at_create(ws, sandbox, 2)
        first, second = sandbox.sourcing_requests()
        state = store.load()
        assert state is not None
        phases = {r.url: (r.phase, r.sourcing_id) for r in state.sourcing.values()}
        assert phases == {
            first["productUrl"]: (PHASE_OPEN, first["sourceId"]),
            second["productUrl"]: (PHASE_FILING, None),
        }
        assert quota_of(state) is not None and quota_of(state).filed == 2  # counted when it may have been

        sandbox.set_faults(latency_ms=0)
        from reconciler.models.sourcing import address_of

        address = address_of(str(second["productUrl"]))
        forgot = ws.run("state", "forget", address)  # type: ignore[attr-defined]
        assert forgot.exit_code == 0, forgot.output
        applied = ws.run("apply", "--auto-approve")  # type: ignore[attr-defined]
        assert applied.exit_code == 0, applied.output
        per_url = Counter(str(r["productUrl"]) for r in sandbox.sourcing_requests())
        assert per_url == Counter({urls[0]: 1, urls[1]: 2, urls[2]: 1}), per_url  # the second filed again: asked for
        state = store.load()
        assert state is not None and {r.phase for r in state.sourcing.values()} == {PHASE_OPEN}
        assert ws.run("plan", "--detailed-exitcode").exit_code == 0  # type: ignore[attr-defined]
    finally:
        sandbox.stop()
