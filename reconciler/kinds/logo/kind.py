"""The logo kind, registered once as :data:`KIND` from the parts of its package (see ``reconciler/kinds/contract.py``)."""

from __future__ import annotations

from reconciler.kinds.contract import ApplyDeps, Kind
from reconciler.kinds.executing import Executor
from reconciler.kinds.logo.apply import LogoExecutor
from reconciler.kinds.logo.describe import description
from reconciler.kinds.logo.document import DOCUMENTS
from reconciler.kinds.logo.model import KIND as NAME
from reconciler.kinds.logo.model import upload_of
from reconciler.kinds.logo.plan import plan_logos
from reconciler.kinds.logo.record import SECTIONS


def _executor(deps: ApplyDeps) -> Executor:
    return LogoExecutor(deps.uploader)


KIND = Kind(
    name=NAME,
    summary="Print-on-demand logos: an image in the repository or a public URL CJ fetches at order time.",
    documents=DOCUMENTS,
    sections=SECTIONS,
    plan=plan_logos,
    executor=_executor,
    uploads=upload_of,
    describe=description(NAME),
    address_forms=("logo.<name>",),
)
