"""One `cjrec validate` reports structure and reference problems together, so one fix-and-rerun is enough.

A document with a structure error still takes part in the reference checks its valid parts
allow; and a Logo whose structure is wrong still counts as declared, so references to it are
not reported as unknown on top of its own error.
"""

from __future__ import annotations

import re

from tests.support.images import tiny_png
from tests.support.workspace import Workspace


def problems(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if re.match(r"^manifests/\S+:\d+: ", line)]


def header(stderr: str) -> int:
    match = re.search(r"Error: (\d+) problems? in the manifests", stderr)
    assert match, stderr
    return int(match.group(1))


def url(pid: str) -> str:
    return f"https://cjdropshipping.com/product/item-p-{pid}.html"


def test_a_bad_item_an_unknown_logo_and_a_duplicate_in_one_file_are_all_reported(workspace: Workspace) -> None:
    workspace.credentials()
    workspace.write(
        "manifests/shop.yaml",
        f"""
        apiVersion: cjrec/v1
        kind: Products
        metadata: {{name: shop}}
        spec:
          items:
            - productUrl: https://example.com/not-cj
            - productUrl: {url("2503190327561613001")}
              logo: nosuchlogo
            - productUrl: {url("2503190327561613002")}
            - productUrl: {url("2503190327561613002")}
        """,
    )
    result = workspace.cli("validate")
    assert result.exit_code == 1
    lines = problems(result.stderr)
    assert header(result.stderr) == len(lines) == 3, result.stderr
    assert any(line.startswith("manifests/shop.yaml:6: spec.items[0].productUrl:") for line in lines), lines
    assert any(line.startswith("manifests/shop.yaml:8: spec.items[1].logo: no Logo named 'nosuchlogo'") for line in lines)
    assert any(
        line.startswith("manifests/shop.yaml:10: spec.items[3].productUrl: product 2503190327561613002 is already listed")
        for line in lines
    ), lines


def test_a_logo_with_a_structure_error_is_not_also_reported_as_unknown(workspace: Workspace) -> None:
    workspace.credentials()
    workspace.write_bytes("manifests/logos/brand.png", tiny_png())
    workspace.write(
        "manifests/logos.yaml",
        """
        apiVersion: cjrec/v1
        kind: Logo
        metadata: {name: brand}
        spec:
          file: logos/brand.png
          colour: blue
        """,
    )
    workspace.write(
        "manifests/shop.yaml",
        f"""
        apiVersion: cjrec/v1
        kind: Products
        metadata: {{name: shop}}
        spec:
          items:
            - productUrl: {url("2503190327561613001")}
              logo: brand
            - productUrl: {url("2503190327561613003")}
              logo: other
        """,
    )
    result = workspace.cli("validate")
    lines = problems(result.stderr)
    assert header(result.stderr) == len(lines) == 2, result.stderr
    assert any(line.startswith("manifests/logos.yaml:6: spec.colour: unknown field") for line in lines), lines
    assert any("no Logo named 'other'" in line for line in lines), lines
    assert not any("'brand'" in line for line in lines), lines


def test_duplicate_names_are_reported_even_when_one_of_the_documents_is_broken(workspace: Workspace) -> None:
    workspace.credentials()
    workspace.write(
        "manifests/a.yaml",
        f"""
        apiVersion: cjrec/v1
        kind: Products
        metadata: {{name: shop}}
        spec:
          items:
            - productUrl: {url("2503190327561613001")}
        ---
        apiVersion: cjrec/v1
        kind: Logo
        metadata: {{name: brand}}
        spec: {{url: "https://cdn.example.com/a.png", size: 3}}
        ---
        apiVersion: cjrec/v1
        kind: Settings
        spec: {{qps: fast}}
        """,
    )
    workspace.write(
        "manifests/b.yaml",
        f"""
        apiVersion: cjrec/v1
        kind: Products
        metadata: {{name: shop}}
        spec:
          items:
            - productUrl: {url("2503190327561613001")}
            - productUrl: 42
        ---
        apiVersion: cjrec/v1
        kind: Logo
        metadata: {{name: brand}}
        spec: {{url: "https://cdn.example.com/b.png"}}
        ---
        apiVersion: cjrec/v1
        kind: Settings
        spec: {{qps: 2}}
        """,
    )
    result = workspace.cli("validate")
    lines = problems(result.stderr)
    text = "\n".join(lines)
    assert "manifests/a.yaml:11: spec.size: unknown field" in text
    assert "spec.qps: must be auto" in text
    assert "spec.items[1].productUrl" in text  # the 42
    assert "a Products document named 'shop' is already declared at manifests/a.yaml:1" in text
    assert "product 2503190327561613001 is already listed at manifests/a.yaml:6" in text
    assert "a Logo named 'brand' is already declared at manifests/a.yaml:" in text
    assert "a second Settings document; the first is at manifests/a.yaml:" in text
    assert header(result.stderr) == len(lines) == 7, result.stderr
