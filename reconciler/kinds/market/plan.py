"""Plan the markets: which products get to each ``kind: Market`` country in time and for how much.

Pure, called by the planner core (and by the CLI, before observing, to know which freight
quotes to ask for and what they cost). Freight quotes cost 10 points each, so they are asked
only when needed: for a product whose details are queried this run (a new product, or
``--refresh-details``), for a product the market has no quote of yet, and for every product
when the market's origins (``from``) change. Each quote is for one variant, the heaviest
(shipping grows with weight, so the quote is the worst case), from each origin where it is
in stock (all of the market's origins when stock is not known).

Each market is one resource, ``market.<COUNTRY>``, holding per product every option found
and the cheapest qualifying one (price ≤ ``maxShipping``, upper bound of CJ's aging ≤
``maxDays``); its change records new quotes, or the qualifying choice when the market's
limits change (no call needed: every option is kept). Every plan warns for each product that
cannot reach a market within its limits, naming the option that comes closest.
:func:`shipping_cost` gives the recorded cheapest option to the pricing of a product
(``includeShipping``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from decimal import Decimal

from reconciler.kinds.market.model import freight_of, markets
from reconciler.kinds.market.record import markets_of
from reconciler.kinds.planning import KindPlan, PlanContext
from reconciler.kinds.pricing.model import pricing_rules
from reconciler.kinds.pricing.prices import rule_for
from reconciler.kinds.product.model import details_of, unavailable_of, with_products
from reconciler.kinds.product.model import products as declared_products
from reconciler.kinds.product.record import products_of
from reconciler.models.cj import ProductDetail
from reconciler.models.desired import Desired
from reconciler.models.markets import QUOTE_POINTS, Market, MarketQuote, QuoteRequest, best_option, closest_option
from reconciler.models.observed import Observed
from reconciler.models.plan import Action, Change, Finding
from reconciler.models.state import SyncState

KIND = "market"


@dataclass
class MarketsPlan:
    changes: list[Change] = field(default_factory=list)
    warnings: list[Finding] = field(default_factory=list)


def quote_budget(desired: Desired, recorded: SyncState | None, detail_pids: list[str]) -> int:
    """At most how many points this plan's freight quotes cost (before stock is known)."""
    calls = 0
    queried = set(detail_pids)
    for market in markets(desired):
        known = markets_of(recorded).get(market.country, {}) if recorded else {}
        for product in declared_products(desired):
            quote = known.get(product.pid)
            if product.pid in queried or quote is None or quote.origins != market.origins:
                calls += len(market.origins)
    return calls * QUOTE_POINTS


def quote_requests(desired: Desired, recorded: SyncState | None, observed: Observed) -> list[QuoteRequest]:
    """The quotes to ask CJ for, now that the details of new and refreshed products are known."""
    requests: list[QuoteRequest] = []
    for market in markets(desired):
        known = markets_of(recorded).get(market.country, {}) if recorded else {}
        for product in declared_products(desired):
            if product.pid in unavailable_of(observed):
                continue
            detail = details_of(observed).get(product.pid)
            quote = known.get(product.pid)
            if detail is None and quote is not None and quote.origins == market.origins:
                continue
            request = _request(product.pid, market, detail, recorded)
            if request is not None:
                requests.append(request)
    return requests


def _request(pid: str, market: Market, detail: ProductDetail | None, recorded: SyncState | None) -> QuoteRequest | None:
    if detail is not None and detail.variants:
        variant = max(detail.variants, key=lambda v: (v.weight is not None, v.weight or 0))
        if variant.stock is not None:  # CJ gave its inventories: ask only where it is in stock
            origins = tuple(o for o in market.origins if o in variant.stock_countries)
            skipped = tuple(f"no stock in {o}" for o in market.origins if o not in variant.stock_countries)
            return QuoteRequest(pid, market.country, variant.vid, origins, market.origins, skipped)
        return QuoteRequest(pid, market.country, variant.vid, market.origins, market.origins)
    record = products_of(recorded).get(pid) if recorded else None
    if record is None or record.snapshot is None or not record.snapshot.variants:
        return None  # nothing known to quote yet (an offline plan); the next plan quotes it
    vid = next(iter(record.snapshot.variants))
    return QuoteRequest(pid, market.country, vid, market.origins, market.origins)


def plan_markets(context: PlanContext) -> KindPlan:
    """The kind planner (``kinds/planning.py``): market changes and unreachable-market warnings."""
    found = market_plan(context.desired, context.recorded, context.observed, now=context.request.now)
    changes = found.changes
    if context.request.refresh_only:  # record the quotes CJ gave; forget nothing
        changes = [c for c in changes if c.action is not Action.FORGET]
    return KindPlan(changes=changes, warnings=found.warnings + _unpriced_shipping(context.desired))


def _unpriced_shipping(desired: Desired) -> list[Finding]:
    """Products a rule prices with ``includeShipping`` that have no qualifying quote to that market."""
    warnings = []
    for product in declared_products(desired):
        rule = rule_for(desired, product)
        country = rule.include_shipping if rule is not None else None
        if country is not None and country not in dict(product.shipping):
            warnings.append(
                Finding(
                    f"product.{product.pid}",
                    f"Pricing {rule.name if rule else ''!r} includes shipping to {country}, but no qualifying option "
                    "is known for this product: it is priced without shipping",
                )
            )
    return warnings


def market_plan(desired: Desired, recorded: SyncState, observed: Observed, *, now: datetime) -> MarketsPlan:
    """The market changes (recording quotes) and the warnings for products that cannot reach a market."""
    plan = MarketsPlan()
    products = {p.pid for p in declared_products(desired)}
    for market in sorted(markets(desired), key=lambda m: m.country):
        before = markets_of(recorded).get(market.country)
        quotes: dict[str, MarketQuote] = {}
        for pid in sorted(products):
            quote = freight_of(observed).get((pid, market.country)) or (before or {}).get(pid)
            if quote is None:
                continue
            quote = replace(quote, best=best_option(quote.options, market))
            quotes[pid] = quote
            _warn(plan, market, pid, quote)
        after = {pid: q.to_dict() for pid, q in quotes.items()}
        address = f"{KIND}.{market.country}"
        old = {pid: q.to_dict() for pid, q in before.items()} if before else None
        if old is None and after:
            reason = f"freight quotes for {len(after)} product(s) to {market.country}"
            plan.changes.append(Change(address, Action.CREATE, None, {"quotes": after}, reason, str(market.source)))
        elif old is not None and old != after:
            reason = _why(old, after, now)
            plan.changes.append(
                Change(address, Action.UPDATE, {"quotes": old}, {"quotes": after}, reason, str(market.source))
            )
    wanted = {m.country for m in markets(desired)}
    for country, quotes_before in sorted(markets_of(recorded).items()):
        if country not in wanted:
            old = {pid: q.to_dict() for pid, q in quotes_before.items()}
            plan.changes.append(
                Change(f"{KIND}.{country}", Action.FORGET, {"quotes": old}, None, "removed from the manifests")
            )
    return plan


def _warn(plan: MarketsPlan, market: Market, pid: str, quote: MarketQuote) -> None:
    if quote.best is not None:
        return
    limits = f"within {market.max_days} days for ${market.max_shipping:.2f}"
    closest = closest_option(quote.options, market)
    if closest is not None:
        found = f"the best option found is {closest.describe()}"
    else:
        asked = ", ".join(quote.origins) or "no origin"
        notes = "; ".join(quote.notes)
        found = f"CJ quoted no option from {asked}" + (f" ({notes})" if notes else "")
    plan.warnings.append(Finding(f"product.{pid}", f"cannot reach {market.country} {limits}: {found}"))


def _why(old: Mapping[str, object], new: Mapping[str, object], now: datetime) -> str:
    added = len(set(new) - set(old))
    dropped = len(set(old) - set(new))
    changed = sum(1 for pid in set(old) & set(new) if old[pid] != new[pid])
    parts = [f"{n} {what}" for n, what in ((added, "quoted"), (changed, "updated"), (dropped, "dropped")) if n]
    return ", ".join(parts) + f" (as of {now.astimezone(UTC).date().isoformat()})"


def shipping_costs(desired: Desired, recorded: SyncState, observed: Observed) -> dict[str, dict[str, Decimal]]:
    """Per product, per market country: the price of the cheapest qualifying option, from this
    run's quotes or the recorded ones, under the markets' current limits (what
    ``includeShipping`` adds to the cost base). Products or markets without one are left out."""
    costs: dict[str, dict[str, Decimal]] = {}
    for market in markets(desired):
        known = markets_of(recorded).get(market.country, {})
        for product in declared_products(desired):
            quote = freight_of(observed).get((product.pid, market.country)) or known.get(product.pid)
            best = best_option(quote.options, market) if quote is not None else None
            if best is not None:
                costs.setdefault(product.pid, {})[market.country] = best.price
    return costs


def with_shipping(desired: Desired, recorded: SyncState | None, observed: Observed) -> Desired:
    """``desired`` with each product's cheapest qualifying shipping quote per market, for pricing."""
    if not markets(desired) or not any(rule.include_shipping for rule in pricing_rules(desired)):
        return desired
    costs = shipping_costs(desired, recorded or SyncState(lineage="", serial=0), observed)
    priced = (
        replace(p, shipping=tuple(sorted(costs[p.pid].items()))) if p.pid in costs else p
        for p in declared_products(desired)
    )
    return with_products(desired, priced)


def shipping_cost(recorded: SyncState, pid: str, country: str) -> Decimal | None:
    """The price of the cheapest qualifying option recorded for ``pid`` to ``country`` (pricing's ``includeShipping``)."""
    quote = markets_of(recorded).get(country, {}).get(pid)
    return quote.best.price if quote is not None and quote.best is not None else None
