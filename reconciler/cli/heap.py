"""The cyclic garbage collector during bulk loading and planning: paused, then frozen.

Loading 50,000 products builds millions of small objects (YAML nodes, dicts, frozen
dataclasses) and almost no reference cycles, yet CPython's collector runs every 700 net
allocations and, as the heap grows, rescans the older generations again and again. At
50,000 products that was about 40 % of ``cjrec plan --offline`` (see BENCHMARKS.md).

:func:`collector_paused` pauses the collector while a command loads the manifests and the
state and makes its plan; when the block ends it restores the collector, after moving what
the block built into the permanent generation (``gc.freeze``), so later collections — a long
apply runs for hours — do not rescan the loaded configuration either. Reference counting
frees objects as usual throughout; only reference cycles made inside the block and still
around at its end are left to the process's exit. Network work (observing CJ, applying)
runs outside the block, with the collector on.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cyclic collector for a block of bulk, cycle-free allocation; nestable."""
    if not gc.isenabled():  # an outer block already paused it
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        gc.enable()
