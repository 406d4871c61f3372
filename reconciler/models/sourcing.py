"""Sourcing requests: products CJ does not list yet, asked for by a URL elsewhere.

Three shapes, as for every kind: :class:`SourcingItem` is what a Products item with
``sourceUrl`` asks for (built by the validator); :class:`SourcingRecord` is what the state
keeps of a request cjrec filed or adopted; :class:`SourcingStatus` is what CJ's
``queryList`` says of one now (built by the API client). :class:`SourcingQuota` is the
per-UTC-day count of creates kept in the state, because CJ accepts only a few a day.

Lifecycle of a record (``phase``): ``filing`` is written *before* the create call (the
intent); ``open`` once CJ's ``cjSourcingId`` is recorded, right after its answer;
``failed`` / ``succeeded`` once CJ says so. A ``filing`` record found by a later run means
that run was killed between sending the create and recording the answer: CJ may or may not
have the request, and there is no idempotency key to ask it, so cjrec never files that URL
again by itself (see docs/RELIABILITY.md, "Sourcing requests").
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from reconciler.models.cj_limits import QUERY_BATCH as QUERY_BATCH  # noqa: PLC0414 - still importable from here
from reconciler.models.cj_limits import SOURCING_PER_DAY
from reconciler.models.declared import Source, VariantSelection

# sourceStatus values seen in public clients; others are shown as in progress, with CJ's text
STATUS_IN_PROGRESS = "1"
STATUS_SUCCEEDED = "3"
STATUS_FAILED = "5"

PHASE_FILING = "filing"
PHASE_OPEN = "open"
PHASE_FAILED = "failed"
PHASE_SUCCEEDED = "succeeded"
PHASES = (PHASE_FILING, PHASE_OPEN, PHASE_FAILED, PHASE_SUCCEEDED)
DEFAULT_PER_DAY = SOURCING_PER_DAY


def normalise_url(url: str) -> str:
    """The URL a request is keyed by: host lower-cased, fragment and a trailing ``/`` of the path dropped."""
    parts = urlsplit(url.strip())
    path = parts.path.rstrip("/") if parts.path not in ("", "/") else ""
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), path, parts.query, ""))


def address_of(url: str) -> str:
    """``sourcing.<host/path?query>``: the plan address of the request for ``url``."""
    return "sourcing." + normalise_url(url).split("://", 1)[-1]


def third_product_id(url: str) -> str:
    """A stable id per URL sent as CJ's ``thirdProductId``, so a request can be found in CJ's web UI."""
    return "cjrec-" + hashlib.sha256(normalise_url(url).encode()).hexdigest()[:20]


@dataclass(frozen=True, slots=True)
class SourcingItem:
    """A Products item with ``sourceUrl``: what to ask CJ to source, and how to sell it once CJ lists it.

    ``sourcing_id`` adopts a request filed outside cjrec (or one a killed run may have
    filed) instead of filing a new one. ``logo``, ``variants``, ``pricing`` and
    ``store_price`` (the item's ``price``) apply to the product it becomes, as for any item.
    """

    url: str
    name: str
    image: str
    remark: str | None
    source_price: Decimal | None  # the price at the source listing (CJ's `price`), not a store price
    sourcing_id: str | None
    logo: str | None
    source: Source
    variants: VariantSelection | None = None  # how the product CJ lists is sold, as for any item
    pricing: str | None = None
    store_price: Decimal | None = None
    stores: tuple[str, ...] | None = None  # the Stores it is published to (None: every Store)

    @property
    def key(self) -> str:
        return normalise_url(self.url)

    @property
    def address(self) -> str:
        return address_of(self.url)

    @property
    def fingerprint(self) -> str:
        """What CJ is asked: a failed request is filed again only when this changes."""
        asked = {
            "url": self.key,
            "name": self.name,
            "image": self.image,
            "remark": self.remark,
            "price": None if self.source_price is None else str(self.source_price),
        }
        return "sha256:" + hashlib.sha256(json.dumps(asked, sort_keys=True).encode()).hexdigest()[:32]

    def create_body(self) -> dict[str, Any]:
        """The body of ``POST /product/sourcing/create`` for this item."""
        body: dict[str, Any] = {
            "productName": self.name,
            "productImage": self.image,
            "productUrl": self.url,
            "thirdProductId": third_product_id(self.url),
        }
        if self.remark:
            body["remark"] = self.remark
        if self.source_price is not None:
            body["price"] = str(self.source_price)
        return body


@dataclass(frozen=True, slots=True)
class SourcingStatus:
    """One row of ``queryList``: where CJ says a request stands (raw values kept for display)."""

    source_id: str
    status: str
    status_text: str
    number: str | None = None
    cj_product_id: str | None = None
    cj_variant_sku: str | None = None
    fail_reason: str | None = None

    @property
    def phase(self) -> str:
        """``succeeded`` (with a pid), ``failed`` or ``open``: unknown values and a success without a pid stay open."""
        if self.status == STATUS_SUCCEEDED and self.cj_product_id:
            return PHASE_SUCCEEDED
        if self.status == STATUS_FAILED:
            return PHASE_FAILED
        return PHASE_OPEN

    @property
    def undocumented(self) -> bool:
        return self.status not in (STATUS_IN_PROGRESS, STATUS_SUCCEEDED, STATUS_FAILED)


@dataclass(frozen=True, slots=True)
class SourcingRecord:
    """A request as the state keeps it, keyed by its normalised URL.

    ``filed_at`` is when the create was sent (ISO, UTC); ``checked_at`` when CJ was last
    asked; ``pid`` the product CJ listed for it (phase ``succeeded``); ``reason`` CJ's
    failure reason; ``cj_status`` CJ's last raw status text.
    """

    url: str
    phase: str
    fingerprint: str
    third_product_id: str
    sourcing_id: str | None = None
    filed_at: str | None = None
    checked_at: str | None = None
    pid: str | None = None
    reason: str | None = None
    cj_status: str | None = None
    origin: str = "filed"  # "filed" by cjrec | "adopted" (sourcingId given in the manifest)
    name: str | None = None  # the product name asked for, for display
    request: dict[str, Any] | None = None  # the body of the create call (what CJ was or is to be asked)

    def __post_init__(self) -> None:
        if self.phase not in PHASES:
            raise ValueError(f"unknown sourcing phase {self.phase!r}")

    @property
    def key(self) -> str:
        return normalise_url(self.url)

    def with_(self, **changes: Any) -> SourcingRecord:
        return replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "phase": self.phase,
            "fingerprint": self.fingerprint,
            "third_product_id": self.third_product_id,
            "sourcing_id": self.sourcing_id,
            "filed_at": self.filed_at,
            "checked_at": self.checked_at,
            "pid": self.pid,
            "reason": self.reason,
            "cj_status": self.cj_status,
            "origin": self.origin,
            "name": self.name,
            "request": self.request,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SourcingRecord:
        def opt(key: str) -> str | None:
            return None if data.get(key) is None else str(data[key])

        return cls(
            url=str(data["url"]),
            phase=str(data["phase"]),
            fingerprint=str(data["fingerprint"]),
            third_product_id=str(data["third_product_id"]),
            sourcing_id=opt("sourcing_id"),
            filed_at=opt("filed_at"),
            checked_at=opt("checked_at"),
            pid=opt("pid"),
            reason=opt("reason"),
            cj_status=opt("cj_status"),
            origin=str(data.get("origin") or "filed"),
            name=opt("name"),
            request=dict(data["request"]) if isinstance(data.get("request"), dict) else None,
        )


@dataclass(frozen=True, slots=True)
class SourcingQuota:
    """Creates sent on one UTC day (``day`` as YYYY-MM-DD); ``exhausted`` once CJ said 1600000 that day."""

    day: str
    filed: int = 0
    exhausted: bool = False

    def left(self, day: str, per_day: int) -> int:
        """Creates still allowed on ``day``."""
        if day != self.day:
            return per_day
        return 0 if self.exhausted else max(0, per_day - self.filed)

    def after_filing(self, day: str) -> SourcingQuota:
        return SourcingQuota(day, (self.filed if day == self.day else 0) + 1, self.exhausted and day == self.day)

    def exhausted_on(self, day: str) -> SourcingQuota:
        return SourcingQuota(day, self.filed if day == self.day else 0, True)

    def to_dict(self) -> dict[str, Any]:
        return {"day": self.day, "filed": self.filed, "exhausted": self.exhausted}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SourcingQuota:
        filed = data.get("filed", 0)
        if not isinstance(filed, int) or isinstance(filed, bool) or filed < 0:
            raise ValueError("sourcing_quota.filed must be a non-negative integer")
        return cls(day=str(data["day"]), filed=filed, exhausted=bool(data.get("exhausted", False)))
