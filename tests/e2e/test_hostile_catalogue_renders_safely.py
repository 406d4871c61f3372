"""Every output cjrec makes from a hostile CJ catalogue is safe for the one who reads it.

A sandbox whose products carry what a malicious supplier could write (``make_hostile``:
Markdown that breaks out of a code fence and a ``<details>``, escape sequences, ``\\r``,
right-to-left overrides, formulas, NUL, lone surrogates, ``javascript:`` image URLs, and
hostile error messages). Through the real CLI: plan (text, Markdown as the CI templates
run it, JSON), apply with a failure carrying CJ's message, state list/show, import,
export (CSV, JSON Lines), and the drift plan. Each output is checked with a parser of its
reader: markdown-it-py (GFM) for Markdown, ``csv`` for CSV, ``json`` and YAML for files, and
the raw text for terminals (click's stripping of colour codes is turned off, as on a
terminal, so what reaches a terminal is exactly what is checked).
"""

from __future__ import annotations

import csv
import io
import json
import re
from typing import Any

import click.utils
import pytest
import yaml

from reconciler.models.product_url import pid_from_url
from reconciler.render.markdown import MARKER
from reconciler.sandbox.hostile import HOSTILE_NAMES
from tests.support.cj_workspace import CjWorkspace, on_sale
from tests.support.hostile_text import formula_cells, markdown_syntax, terminal_unsafe, tokens
from tests.support.state_files import shard_files
from tests.support.workspace import Result

# cjrec's own HTML in a plan comment: the marker and the <details> wrappers.
OWN_HTML = re.compile(r"<!-- cjrec-plan -->|<details( open)?><summary>[A-Za-z ()0-9]+</summary>|</details>")
OWN_HEADINGS = {"cjrec plan"}
FAKE_LINE = re.compile(r"^(::|FAKE|ok |## |Apply complete: 0 failed)", re.MULTILINE)
MANAGED = 8


@pytest.fixture(autouse=True)
def terminal_sees_everything(monkeypatch: pytest.MonkeyPatch) -> None:
    """click removes colour codes when not writing to a terminal; a terminal gets them all."""
    monkeypatch.setattr(click.utils, "should_strip_ansi", lambda *_args, **_kwargs: False)


def assert_terminal_safe(result: Result, what: str) -> None:
    for name, text in (("stdout", result.stdout), ("stderr", result.stderr)):
        assert terminal_unsafe(text) == [], f"{what} {name}: {text[:400]!r}"
        text.encode("utf-8")  # strict: no lone surrogate reaches the writer
        assert not FAKE_LINE.search(text), f"{what} {name} has a line CJ wrote: {FAKE_LINE.search(text)}"


def assert_markdown_safe(markdown: str, what: str) -> None:
    assert markdown.startswith(MARKER)
    assert markdown_syntax(markdown, allowed_html=OWN_HTML, allowed_headings=OWN_HEADINGS) == [], what
    assert terminal_unsafe(markdown) == [], what  # the CI templates also print it into the job log
    opened = [t for t in tokens(markdown) if t.type == "html_block" and "<details" in t.content]
    closed = [t for t in tokens(markdown) if t.type == "html_block" and "</details>" in t.content]
    assert len(opened) == len(closed), f"{what}: a <details> is left open or closed early"


def assert_json_safe(text: str, what: str) -> Any:
    assert terminal_unsafe(text) == [], what
    return json.loads(text)


def test_every_output_from_a_hostile_catalogue_is_safe(cjw: CjWorkspace) -> None:
    sandbox = cjw.sandbox
    pids = on_sale(sandbox, len(HOSTILE_NAMES))
    assert sandbox.make_hostile(pids) == len(HOSTILE_NAMES)
    managed, unmanaged = pids[:MANAGED], pids[MANAGED:]
    sandbox.add_to_my_products(*unmanaged)
    cjw.products(managed)

    # -- plan, as a person and as both CI templates run it -----------------------------------
    text = cjw.run("plan")
    assert text.exit_code == 0, text.output
    assert_terminal_safe(text, "plan")
    assert "Warnings:" in text.stdout and "not an http(s) URL" in text.stdout

    markdown = cjw.run("--no-color", "plan", "--format", "markdown", "--detailed-exitcode", "--out", "plan.json")
    assert markdown.exit_code == 2, markdown.output
    assert_terminal_safe(markdown, "plan --format markdown")
    assert_markdown_safe(markdown.stdout, "plan --format markdown")
    fences = [t for t in tokens(markdown.stdout) if t.type == "fence"]
    assert len(fences) == 1 and fences[0].info == "diff"
    assert "Approved by admin" in fences[0].content  # CJ's text is shown, inside the block, as text

    as_json = cjw.run("plan", "--format", "json")
    assert_terminal_safe(as_json, "plan --format json")
    document = assert_json_safe(as_json.stdout, "plan --format json")
    names = {c["after"]["snapshot"]["name"] for c in document["changes"] if c["after"].get("snapshot")}
    assert HOSTILE_NAMES[0] in names  # JSON keeps CJ's text exactly: only its encoding is made safe

    # -- apply a saved plan; one product went offline since: CJ's (hostile) message comes back --
    sandbox.set_product(managed[1], offline=True)
    applied = cjw.run("--no-color", "apply", "--auto-approve", "plan.json")
    assert applied.exit_code == 1, applied.output
    assert_terminal_safe(applied, "apply")
    assert f"product.{managed[1]}: " in applied.stderr and "Product rejected" in applied.stderr

    # -- state ---------------------------------------------------------------------------------
    listed = cjw.run("state", "list")
    assert_terminal_safe(listed, "state list")
    assert len([line for line in listed.stdout.splitlines() if line.startswith("product.")]) == MANAGED - 1
    for pid in managed:
        if pid == managed[1]:
            continue
        shown = cjw.run("state", "show", f"product.{pid}")
        assert_terminal_safe(shown, "state show")
        assert assert_json_safe(shown.stdout, "state show")["address"] == f"product.{pid}"
    state_dir = cjw.root / "state"
    state_files = [state_dir / "sync.json", *(state_dir / name for name in shard_files(state_dir))]  # root, shards
    assert any(p.parent.name == "products" for p in state_files)
    state_text = "".join(p.read_text(encoding="utf-8") for p in state_files)
    assert terminal_unsafe(state_text) == []  # `git diff` of the state shows no hidden characters

    # -- export ----------------------------------------------------------------------------------
    exported = cjw.run("export", "--format", "csv")
    assert_terminal_safe(exported, "export csv")
    rows = list(csv.reader(io.StringIO(exported.stdout)))
    assert len({len(row) for row in rows}) == 1
    assert formula_cells(rows) == []
    assert any(cell.startswith("'=") for row in rows for cell in row)  # the OWASP quote, not a dropped cell
    header = rows[0]
    images = [row[header.index(c)] for row in rows[1:] for c in ("image", "variant_image")]
    assert images and all(url == "" or url.startswith(("http://", "https://")) for url in images)

    jsonl = cjw.run("export", "--format", "jsonl")
    assert_terminal_safe(jsonl, "export jsonl")
    for line in jsonl.stdout.splitlines():
        record = assert_json_safe(line, "export jsonl")
        urls = [record["image"], *(v["image"] for v in record["variants"])]
        assert all(u is None or u.startswith(("http://", "https://")) for u in urls)
    assert "not http(s)" not in jsonl.stderr  # dropped when CJ's answer was read: nothing left to drop

    # -- import: the unmanaged hostile products, into a manifest ---------------------------------
    imported = cjw.run("import")
    assert imported.exit_code == 0, imported.output
    assert_terminal_safe(imported, "import")
    manifest = (cjw.root / "manifests" / "imported.yaml").read_text(encoding="utf-8")
    assert terminal_unsafe(manifest) == []
    doc = yaml.safe_load(manifest)
    assert set(doc) == {"apiVersion", "kind", "metadata", "spec"}
    assert sorted(pid_from_url(item["productUrl"]) for item in doc["spec"]["items"]) == sorted(unmanaged)
    assert all(set(item) == {"productUrl"} for item in doc["spec"]["items"])

    # -- drift: CJ renames managed products again; the drift job's outputs ------------------------
    sandbox.set_product(managed[1], offline=False)
    for pid in managed[:4]:
        sandbox.set_product(pid, productNameEn=HOSTILE_NAMES[(managed.index(pid) + 3) % len(HOSTILE_NAMES)])
    drift_md = cjw.run("--no-color", "plan", "--refresh-details", "--detailed-exitcode", "--format", "markdown")
    assert drift_md.exit_code == 2, drift_md.output
    assert_terminal_safe(drift_md, "drift markdown")
    assert_markdown_safe(drift_md.stdout, "drift markdown")
    cells = [t for t in tokens(drift_md.stdout) if t.type == "td_open"]
    assert cells and len(cells) % 4 == 0  # no cell split by a CJ "|"
    drift_text = cjw.run("--no-color", "plan", "--refresh-details", "--detailed-exitcode")
    assert drift_text.exit_code == 2, drift_text.output
    assert_terminal_safe(drift_text, "drift text")
