"""What CJ says now, as gathered for one plan: My Products, product details, sourcing statuses, freight quotes."""

from __future__ import annotations

from dataclasses import dataclass, field

from reconciler.models.cj import MyProduct, ProductDetail
from reconciler.models.desired import WebhookSetting
from reconciler.models.markets import MarketQuote
from reconciler.models.sourcing import SourcingStatus


@dataclass(frozen=True)
class Observed:
    """CJ's side of a plan.

    ``my_products`` is None when the plan was made offline (nothing is known). ``details``
    holds the products queried this run; ``unavailable`` the ones CJ answered 1602001 or
    1602002 for, with the reason. ``calls`` and ``points`` are what gathering this cost.
    """

    my_products: dict[str, MyProduct] | None
    details: dict[str, ProductDetail] = field(default_factory=dict)
    unavailable: dict[str, str] = field(default_factory=dict)
    calls: int = 0
    points: int = 0
    webhooks: dict[str, WebhookSetting] | None = None  # CJ's callback settings, when asked
    subscriptions: frozenset[str] | None = None  # pids with product event subscriptions, when asked
    # sourcing requests by id, as queryList answered (None: not asked, offline or no open request)
    sourcing: dict[str, SourcingStatus] | None = None
    sourcing_problems: tuple[str, ...] = ()  # rows of CJ's answer that could not be read
    sourcing_error: str | None = None  # queryList failed (after its retries): statuses are as last recorded
    # fresh freight quotes by (pid, country); ``best`` is left for the planner to choose
    freight: dict[tuple[str, str], MarketQuote] = field(default_factory=dict)

    @classmethod
    def offline(cls) -> Observed:
        return cls(my_products=None)
