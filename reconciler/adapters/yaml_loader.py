"""Read manifest files from disk into plain data that remembers where each value came from.

Called by the CLI wiring. It finds every ``*.yaml``/``*.yml`` file below the manifests
directory, splits multi-document files, and returns for each document its data plus a map
from field path to line number, so the validator can point every error at ``file:line``.
Duplicate mapping keys, which PyYAML would silently overwrite, are reported here.
"""

from __future__ import annotations

import hashlib
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from reconciler.errors import Diagnostic
from reconciler.models.source_document import FieldPath, SourceDocument, field_label

try:  # the C parser is several times faster on large manifests
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]


@dataclass(frozen=True)
class LoadResult:
    """What the loader read: the documents, the files, and the problems it met."""

    documents: list[SourceDocument]
    files: list[Path]
    problems: list[Diagnostic]


def display_path(path: Path) -> str:
    """A path as the user would type it: relative to the working directory when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def find_manifest_files(root: Path) -> list[Path]:
    """Every ``*.yaml``/``*.yml`` file below ``root`` (or ``root`` itself), sorted."""
    if root.is_file():
        return [root]
    found = [p for p in root.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file()]
    return sorted(found)


def load_manifests(root: Path, *, mentioning: str | None = None) -> LoadResult:
    """Load every manifest document below ``root`` (with ``mentioning``: only the files that may hold that text)."""
    docs: list[SourceDocument] = []
    problems: list[Diagnostic] = []
    if not root.exists():
        problems.append(Diagnostic(display_path(root), None, "", "the manifests directory does not exist"))
        return LoadResult(docs, [], problems)
    files = find_manifest_files(root)
    for path in files:
        file_docs, file_problems = load_file(path, mentioning=mentioning)
        docs.extend(file_docs)
        problems.extend(file_problems)
    return LoadResult(docs, files, problems)


def digest_files(files: list[Path], *, extra: list[str] | None = None) -> str:
    """sha256 over the names and bytes of ``files`` (and ``extra`` strings, e.g. logo hashes)."""
    digest = hashlib.sha256()
    for path in sorted(files):
        digest.update(display_path(path).encode() + b"\0")
        try:
            digest.update(path.read_bytes())
        except OSError:
            digest.update(b"(unreadable)")
        digest.update(b"\0")
    for item in sorted(extra or []):
        digest.update(item.encode() + b"\0")
    return "sha256:" + digest.hexdigest()


def load_file(path: Path, *, mentioning: str | None = None) -> tuple[list[SourceDocument], list[Diagnostic]]:
    """Load the documents of one file, or explain why it cannot be read.

    With ``mentioning`` (``"Settings"``), a file whose text cannot hold that scalar is not
    parsed: it does not contain the text, and has no backslash (the only way YAML spells a
    scalar other than as written is a double-quoted escape). A 100,000-product file is then
    read, not parsed, by commands that only need the Settings.
    """
    shown = display_path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        return [], [Diagnostic(shown, None, "", f"cannot read the file: {reason}")]
    if mentioning is not None and mentioning not in text and "\\" not in text:
        return [], []
    return parse_text(text, file=path, display=shown)


def parse_text(text: str, *, file: Path, display: str) -> tuple[list[SourceDocument], list[Diagnostic]]:
    """Parse YAML text (possibly several documents) into SourceDocuments."""
    problems: list[Diagnostic] = []
    docs: list[SourceDocument] = []
    try:
        nodes = list(yaml.compose_all(text, Loader=_Loader))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        reason = exc.problem or exc.context or "invalid YAML"
        return [], [Diagnostic(display, line, "", f"invalid YAML: {reason}")]
    except yaml.YAMLError as exc:
        return [], [Diagnostic(display, None, "", f"invalid YAML: {exc}")]
    for index, node in enumerate(nodes):
        if node is None:
            continue
        lines: dict[FieldPath, int] = {}
        budget = [budget_limit(node, text)]
        try:
            data = _to_data(node, (), lines, problems, display, budget)
        except _TooLarge as exc:
            problems.append(Diagnostic(display, exc.line, "", str(exc)))
            continue
        if data is None:
            continue
        docs.append(SourceDocument(file, display, index, data, lines))
    return docs, problems


MAX_EXPANDED_VALUES = 100_000
MAX_DEPTH = 64  # manifests need fewer than ten levels; this keeps every later recursion safe


class _TooLarge(Exception):
    """Aliases expand the document beyond its budget (a "billion laughs" document), or it nests too deep."""

    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.line = line


def _distinct_nodes(root: yaml.Node) -> int:
    """How many nodes the document really has (an alias is the same node object seen again)."""
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            stack.extend(item for pair in node.value for item in pair)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
    return len(seen)


def budget_limit(root: yaml.Node, text: str | None = None) -> int:
    """Values a document may expand to: aliases may repeat parts of it, but not blow it up.

    Without an anchor (``&``) in ``text`` there is no alias, so the document expands to its own
    nodes and cannot exceed the budget: counting them (a walk over every node, 5 % of a plan of
    100,000 products) is skipped.
    """
    if text is not None and "&" not in text:
        return sys.maxsize
    return max(MAX_EXPANDED_VALUES, 2 * _distinct_nodes(root))


def _to_data(
    node: yaml.Node,
    path: FieldPath,
    lines: dict[FieldPath, int],
    problems: list[Diagnostic],
    display: str,
    budget: list[int],
) -> Any:
    budget[0] -= 1
    if budget[0] < 0:
        raise _TooLarge(
            f"YAML aliases (*name) expand this document to more than {MAX_EXPANDED_VALUES} values; "
            "write the values out instead of repeating anchors",
            node.start_mark.line + 1,
        )
    if len(path) > MAX_DEPTH:
        raise _TooLarge(f"values are nested more than {MAX_DEPTH} levels deep", node.start_mark.line + 1)
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = _scalar(key_node)
            if not isinstance(key, str | int | bool | float) or key is None:
                problems.append(
                    Diagnostic(
                        display, key_node.start_mark.line + 1, field_label(path), "mapping keys must be plain strings"
                    )
                )
                continue
            if key in result:
                problems.append(
                    Diagnostic(
                        display,
                        key_node.start_mark.line + 1,
                        field_label((*path, str(key))),
                        "this key appears twice in the same mapping",
                    )
                )
                continue
            child = (*path, str(key))
            result[str(key)] = _to_data(value_node, child, lines, problems, display, budget)
            lines[child] = key_node.start_mark.line + 1
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_to_data(item, (*path, i), lines, problems, display, budget) for i, item in enumerate(node.value)]
    return _scalar(node)


_CONSTRUCTOR = yaml.SafeLoader("")


def _scalar(node: yaml.Node) -> Any:
    if not isinstance(node, yaml.ScalarNode):
        return _Unhashable()
    construct = _CONSTRUCTOR.yaml_constructors.get(node.tag)
    if construct is None:  # a custom tag such as !include: keep the text, the validator rejects types
        return str(node.value)
    try:
        return construct(_CONSTRUCTOR, node)
    except (yaml.YAMLError, ValueError):
        return str(node.value)


class _Unhashable:
    """Marks a mapping key that is itself a mapping or a list."""
