"""No two modules of the sandbox or of the models import each other, directly or round a loop.

The import graph is built with grimp (what import-linter runs on), imports made only for
type checking included: a cycle hidden behind ``if TYPE_CHECKING`` still ties the modules
together for a reader and for the next refactoring. A failure names every loop found, as
a chain of modules, so the fix can start at the right import.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator

import grimp
import pytest


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph("reconciler", cache_dir=None)


def _loop_through(graph: grimp.ImportGraph, start: str, inside: set[str]) -> list[str] | None:
    """The shortest chain of imports from ``start`` back to itself within ``inside``, if any."""
    came_from: dict[str, str] = {}
    queue = deque([start])
    while queue:
        module = queue.popleft()
        for imported in sorted(graph.find_modules_directly_imported_by(module) & inside):
            if imported == start:
                chain = [module]
                while chain[-1] != start:
                    chain.append(came_from[chain[-1]])
                return [start, *reversed(chain[:-1]), start]
            if imported not in came_from:
                came_from[imported] = module
                queue.append(imported)
    return None


def import_loops(graph: grimp.ImportGraph, package: str) -> Iterator[list[str]]:
    """Each loop among the modules of ``package`` once, as ``[a, b, …, a]``."""
    inside = graph.find_descendants(package) | {package}
    seen: set[frozenset[str]] = set()
    for module in sorted(inside):
        loop = _loop_through(graph, module, inside)
        if loop is not None and frozenset(loop) not in seen:
            seen.add(frozenset(loop))
            yield loop


def test_the_loop_finder_finds_a_loop() -> None:
    fake = grimp.ImportGraph()
    for name in ("pkg", "pkg.a", "pkg.b", "pkg.c", "pkg.d"):
        fake.add_module(name)
    fake.add_import(importer="pkg.a", imported="pkg.b")
    fake.add_import(importer="pkg.b", imported="pkg.c")
    fake.add_import(importer="pkg.c", imported="pkg.a")
    fake.add_import(importer="pkg.d", imported="pkg.a")
    assert list(import_loops(fake, "pkg")) == [["pkg.a", "pkg.b", "pkg.c", "pkg.a"]]


@pytest.mark.parametrize(
    "package",
    ["reconciler.sandbox", "reconciler.models", "reconciler.kinds"],
)
def test_modules_of_a_package_import_without_cycles(graph: grimp.ImportGraph, package: str) -> None:
    loops = [" -> ".join(loop) for loop in import_loops(graph, package)]
    assert not loops, f"import cycles in {package}:\n" + "\n".join(loops)
