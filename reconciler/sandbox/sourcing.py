"""Sourcing requests as the sandbox keeps and answers them: products CJ does not list yet.

CJ's side of a sourcing request (../shared/cj-api-2.md): ``POST /product/sourcing/create``
files one (at most ``sourcing_per_day`` a UTC day, then code 1600000 "Exceeded the daily
source limit"), ``GET /product/sourcing/queryList?sourceIds=…`` (at most 100 ids) says
where each stands. CJ's agents answer within about a day; here the admin side plays them
(``POST /__sandbox/sourcing/<id>``): a request succeeds (the sandbox then lists a new
product in its catalog, or a given one), fails with a reason, or takes an undocumented
status. Answers can be made bad on purpose (a success without ``cjProductId``) so clients
can be tested on them.

:class:`SourcingDesk` is the bookkeeping, kept by the account (:mod:`.accounts`) and called
under the sandbox lock by the two endpoints (:mod:`.endpoints.sourcing`) and the admin side.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from reconciler.sandbox.catalog import IMAGE_BASE, Catalog, Product, Variant, price_text
from reconciler.sandbox.clock import cj_date

IN_PROGRESS = "1"
SUCCEEDED = "3"
FAILED = "5"
STATUS_TEXT = {IN_PROGRESS: "Sourcing", SUCCEEDED: "Sourcing succeeded", FAILED: "Sourcing failed"}
DEFAULT_FAIL_REASON = "The product link is invalid"
OPTIONAL_TEXT = ("productUrl", "thirdProductId", "thirdVariantId", "thirdProductSku", "remark")


@dataclass
class SourcingRequest:
    """One request as CJ keeps it."""

    source_id: str
    number: str
    product_name: str
    product_image: str
    created: float
    extra: dict[str, str] = field(default_factory=dict)  # productUrl, thirdProductId, remark, …
    price: float | None = None
    status: str = IN_PROGRESS
    status_text: str | None = None
    cj_product_id: str | None = None
    cj_variant_sku: str | None = None
    fail_reason: str | None = None
    omit_product_id: bool = False

    def row(self) -> dict[str, object]:
        """One entry of queryList's ``data``."""
        succeeded = self.status == SUCCEEDED
        return {
            "sourceId": self.source_id,
            "sourceNumber": self.number,
            "sourceStatus": self.status,
            "sourceStatusStr": self.status_text or STATUS_TEXT.get(self.status, "Processing"),
            "cjProductId": None if self.omit_product_id or not succeeded else self.cj_product_id,
            "cjVariantSku": self.cj_variant_sku if succeeded else None,
            "failReason": "1" if self.status == FAILED else None,
            "failReasonStr": self.fail_reason if self.status == FAILED else None,
        }

    def admin_view(self) -> dict[str, object]:
        """The row plus what was filed, for tests and the demo."""
        return self.row() | {
            "productName": self.product_name,
            "productImage": self.product_image,
            "price": self.price,
            "createDate": cj_date(self.created),
            **self.extra,
        }


class SourcingDesk:
    """The account's sourcing requests and its daily count of creates."""

    def __init__(self, *, per_day: int, seed: int) -> None:
        self.per_day = per_day
        self._rng = random.Random(f"cjrec-sandbox-sourcing-{seed}")
        self._requests: dict[str, SourcingRequest] = {}
        self._filed: dict[date, int] = {}

    def __len__(self) -> int:
        return len(self._requests)

    def filed_on(self, day: date) -> int:
        return self._filed.get(day, 0)

    def file(self, *, now: float, day: date, fields: Mapping[str, object]) -> SourcingRequest | None:
        """File a request; None when today's quota is used up (nothing is filed then)."""
        if self.filed_on(day) >= self.per_day:
            return None
        self._filed[day] = self.filed_on(day) + 1
        source_id = self._new_id()
        stamp = datetime.fromtimestamp(now, tz=UTC).strftime("%y%m%d")
        price = fields.get("price")
        request = SourcingRequest(
            source_id=source_id,
            number=f"SR{stamp}{len(self._requests) + 1:05d}",
            product_name=str(fields["productName"]),
            product_image=str(fields["productImage"]),
            created=now,
            extra={key: str(fields[key]) for key in OPTIONAL_TEXT if fields.get(key) is not None},
            price=float(str(price)) if price is not None else None,
        )
        self._requests[source_id] = request
        return request

    def get(self, source_id: str) -> SourcingRequest | None:
        return self._requests.get(source_id)

    def all(self) -> list[SourcingRequest]:
        return list(self._requests.values())

    def _new_id(self) -> str:
        while True:
            candidate = str(self._rng.randrange(1_800_000_000_000_000_000, 1_900_000_000_000_000_000))
            if candidate not in self._requests:
                return candidate

    def answer(self, source_id: str, changes: Mapping[str, object], catalog: Catalog) -> SourcingRequest:
        """Play CJ's agent (admin ``POST /__sandbox/sourcing/<id>``); KeyError/ValueError on a bad call.

        ``{"outcome": "succeeded"}`` lists a new product made from the request (or ``"pid"``,
        an existing catalog product); ``{"outcome": "failed", "reason": "…"}``;
        ``{"outcome": "in_progress"}``; ``{"sourceStatus": "2", "sourceStatusStr": "…"}`` sets a
        raw (undocumented) status; ``"omitProductId": true`` drops ``cjProductId`` from a success.
        """
        request = self._requests.get(source_id)
        if request is None:
            raise KeyError(source_id)
        unknown = set(changes) - {"outcome", "reason", "pid", "sourceStatus", "sourceStatusStr", "omitProductId"}
        if unknown:
            raise ValueError(f"unknown sourcing fields: {', '.join(sorted(unknown))}")
        outcome = changes.get("outcome")
        if outcome is not None and outcome not in ("succeeded", "failed", "in_progress"):
            raise ValueError("outcome must be succeeded, failed or in_progress")
        omit = changes.get("omitProductId", False)
        if not isinstance(omit, bool):
            raise ValueError("omitProductId must be true or false")
        if outcome == "succeeded":
            product = self._product_for(request, changes.get("pid"), catalog)
            request.status, request.cj_product_id = SUCCEEDED, product.pid
            request.cj_variant_sku = product.variants[0].sku if product.variants else None
            request.fail_reason = None
        elif outcome == "failed":
            reason = changes.get("reason", DEFAULT_FAIL_REASON)
            request.status, request.fail_reason = FAILED, str(reason)
        elif outcome == "in_progress":
            request.status = IN_PROGRESS
        if "sourceStatus" in changes:
            request.status = str(changes["sourceStatus"])
        request.status_text = str(changes["sourceStatusStr"]) if "sourceStatusStr" in changes else None
        request.omit_product_id = omit
        return request

    def _product_for(self, request: SourcingRequest, pid: object, catalog: Catalog) -> Product:
        if pid is not None:
            found = catalog.get(str(pid))
            if found is None:
                raise KeyError(str(pid))
            return found
        if request.cj_product_id is not None and catalog.get(request.cj_product_id) is not None:
            found = catalog.get(request.cj_product_id)
            assert found is not None
            return found
        return catalog.add(_sourced_product(request, self._rng, catalog))


def _sourced_product(request: SourcingRequest, rng: random.Random, catalog: Catalog) -> Product:
    """The product CJ lists for a successful request: a 19-digit pid ending in 00, two variants."""
    while True:
        pid = str(rng.randrange(17_000_000_000_000_000, 18_000_000_000_000_000)) + "00"
        if catalog.get(pid) is None:
            break
    base = round(request.price if request.price is not None else rng.uniform(2.0, 30.0), 2)
    sku = f"CJSR{pid[-9:-2]}"
    variants = [
        Variant(
            vid=f"{pid[:-2]}{i + 1:02d}",
            sku=f"{sku}-{colour}",
            key=colour,
            name_en=f"{request.product_name} {colour}",
            price=round(base + 0.3 * i, 2),
            image=f"{IMAGE_BASE}/{pid}/{colour.lower()}.jpg",
            weight_g=150 + 40 * i,
            inventory={"CN": 500 + 100 * i},
        )
        for i, colour in enumerate(("Black", "White"))
    ]
    return Product(
        pid=pid,
        name_en=request.product_name,
        sku=sku,
        category="Sourced",
        material="Mixed",
        sell_price=price_text([v.price for v in variants]),
        variants=variants,
    )
