"""Plan the logo resources: one ``logo.<name>`` per Logo document.

Pure, called by the planner core. Logos are local records (the image's facts and where CJ
fetches it): nothing is observed at CJ for them, a new or changed one is recorded by apply
without a call — unless it is hosted in the Settings' logo store and that object is not
recorded yet: then the change says it uploads it (``Change.upload``) — and one dropped
from the manifests is forgotten. Products use the logos
through ``Desired.logo``; they do not depend on this plan.
"""

from __future__ import annotations

from reconciler.kinds.logo.model import logos
from reconciler.kinds.logo.record import LogoRecord, logos_of
from reconciler.kinds.planning import KindPlan, PlanContext
from reconciler.models.desired import Logo
from reconciler.models.plan import Action, Change


def plan_logos(context: PlanContext) -> KindPlan:
    """Create, update or forget the logo records."""
    found = KindPlan()
    if context.request.refresh_only:
        return found  # logos are local records: nothing at CJ to refresh
    recorded = logos_of(context.recorded)
    for logo in logos(context.desired):
        after = logo_record(logo)
        before = recorded.get(logo.name)
        address = f"logo.{logo.name}"
        upload = (
            f"; uploads {logo.file_display} to {after.hosted}"
            if after.hosted is not None and (before is None or before.hosted != after.hosted)
            else ""
        )
        if before is None:
            found.changes.append(
                Change(address, Action.CREATE, None, after.to_dict(), "new logo" + upload, str(logo.source))
            )
        elif before.to_dict() != after.to_dict():
            what = [k for k, v in after.to_dict().items() if before.to_dict().get(k) != v]
            reason = "changed: " + ", ".join(what) + upload
            found.changes.append(
                Change(address, Action.UPDATE, before.to_dict(), after.to_dict(), reason, str(logo.source))
            )
    wanted = {logo.name for logo in logos(context.desired)}
    for name, record in sorted(recorded.items()):
        if name not in wanted:
            found.changes.append(
                Change(f"logo.{name}", Action.FORGET, record.to_dict(), None, "removed from the manifests", None)
            )
    return found


def logo_record(logo: Logo) -> LogoRecord:
    """What the state records of ``logo``."""
    image = logo.image
    return LogoRecord(
        name=logo.name,
        file=logo.file_display,
        url=logo.url,
        public_url=logo.public_url,
        default=logo.default,
        sha256=image.sha256 if image else None,
        format=image.format if image else None,
        width=image.width if image else None,
        height=image.height if image else None,
        hosted=logo.hosted,
    )
