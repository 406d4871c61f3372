"""The sandbox's back door: inspect and steer it, in process or over HTTP under ``/__sandbox``.

:class:`Admin` holds the operations (``Sandbox`` exposes them as methods) and answers the
admin endpoints, which take and give plain JSON, need no token, are not rate-limited,
logged or faulted, and are served on the same host and port as the API:

- ``GET /__sandbox/calls`` → ``{"calls": [...]}``; ``DELETE /__sandbox/calls`` clears the log
- ``GET|POST /__sandbox/faults`` (partial JSON; ``{"reset": true}`` turns all off)
- ``POST /__sandbox/invalidate-tokens``
- ``GET|POST /__sandbox/clock`` (``{"advance_s": n}``)
- ``GET|POST /__sandbox/products/<pid>`` (see :func:`~.catalog.apply_changes`)
- ``GET /__sandbox/catalog?status=on_sale|offline|removed`` → ``{"pids": [...]}``
- ``POST /__sandbox/my-products`` (``{"productIds": [...]}``, bypassing the API) and
  ``POST /__sandbox/my-products/<pid>/remove`` (as if removed in CJ's web UI)
- ``GET /__sandbox/state`` → my_products, points_used, points_remaining, qps, now, faults
- ``GET /__sandbox/sourcing`` → ``{"requests": [...], "filed_today", "per_day"}``;
  ``POST /__sandbox/sourcing/<sourceId>`` answers a request as CJ's agent would
  (:meth:`~.sourcing.SourcingDesk.answer`: ``{"outcome": "succeeded"|"failed"|"in_progress", …}``)
- ``POST /__sandbox/webhook-target`` (``{"url": "http://127.0.0.1:PORT/cj/TOKEN"}``, null to
  reset): where webhook messages go instead of the public callback (a TLS proxy's stand-in);
  ``GET /__sandbox/deliveries`` → what was sent, retried and dropped (:mod:`.deliveries`)
- ``GET /__sandbox/connections`` → ``{"connections": [...]}``: store variants connected to CJ
  variants (``product/conn/connection``)
- ``GET|POST /__sandbox/freight`` (``{"noStock": "empty"|"error", "routes": {"CN-US": [...]}}``)
- ``POST /__sandbox/hostile`` (``{"pids": [...]}``, every product when absent): hostile
  names, SKUs, variant keys and image URLs, and hostile error messages from then on
  (see :mod:`.hostile`) → ``{"changed": n}``
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from urllib.parse import unquote

from reconciler.sandbox import envelope as env
from reconciler.sandbox.catalog import apply_changes
from reconciler.sandbox.clock import cj_date, epoch_ms
from reconciler.sandbox.deliveries import TOPIC_OF
from reconciler.sandbox.envelope import Reply, Request
from reconciler.sandbox.hostile import make_hostile
from reconciler.sandbox.state import SandboxState
from reconciler.sandbox.webhooks import TOPICS

ADMIN_PREFIX = "/__sandbox"


class Admin:
    """Operations on a sandbox's state; every one takes the state lock."""

    def __init__(self, state: SandboxState) -> None:
        self._state = state

    def calls(self) -> list[dict[str, object]]:
        with self._state.lock:
            return self._state.calls.all()

    def clear_calls(self) -> int:
        with self._state.lock:
            return self._state.calls.clear()

    def faults(self) -> dict[str, object]:
        with self._state.lock:
            return self._state.faults.as_dict()

    def set_faults(self, changes: Mapping[str, object]) -> dict[str, object]:
        """Change some faults (ValueError if one is wrong, then nothing changes); returns all."""
        state = self._state
        with state.lock:
            points = state.faults.update(changes)
            if points is not None:
                state.account.points.set_remaining(state.clock.utc_day(), points)
            return state.faults.as_dict()

    def invalidate_tokens(self) -> int:
        """Revoke every access and refresh token; returns how many grants were live."""
        with self._state.lock:
            return self._state.account.tokens.revoke_all()

    def clock(self) -> dict[str, object]:
        state = self._state
        with state.lock:
            return {"now": cj_date(state.clock.wall()), "offset_s": state.clock.offset_s}

    def advance_clock(self, seconds: float) -> dict[str, object]:
        with self._state.lock:
            self._state.clock.advance(seconds)
        return self.clock()

    def product(self, pid: str) -> dict[str, object]:
        """A product's full detail and availability; KeyError if the catalog has no such pid."""
        with self._state.lock:
            product = self._state.catalog.get(pid)
            if product is None:
                raise KeyError(pid)
            return product.detail(with_inventory=True) | {"availability": product.availability}

    def set_product(self, pid: str, changes: Mapping[str, object]) -> dict[str, object]:
        """Change a product (KeyError: unknown pid; ValueError: bad change); returns it."""
        with self._state.lock:
            product = self._state.catalog.get(pid)
            if product is None:
                raise KeyError(pid)
            before = product.detail(with_inventory=True) | {"availability": product.availability}
            apply_changes(product, changes)
            self._notify(pid, before, product.detail(with_inventory=True) | {"availability": product.availability})
        return self.product(pid)

    def _notify(self, pid: str, before: dict[str, object], after: dict[str, object]) -> None:
        """Send CJ's PRODUCT/VARIANT/STOCK messages for what changed, to the topics the account enabled."""
        state = self._state
        callbacks = state.account.webhooks.callbacks
        open_id = str(state.account.open_id)
        fields = [k for k in ("sellPrice", "productNameEn", "status") if before.get(k) != after.get(k)]
        old_variants = {str(v["vid"]): v for v in _variants(before)}
        messages: list[tuple[str, dict[str, object]]] = []
        if fields or before.get("availability") != after.get("availability"):
            changed = {"sellPrice": "productSellPrice", "productNameEn": "productNameEn", "status": "productStatus"}
            messages.append(
                ("PRODUCT", {"pid": pid, "fields": [changed[f] for f in fields]} | {changed[f]: after.get(f) for f in fields})
            )
        for variant in _variants(after):
            vid = str(variant["vid"])
            old = old_variants.get(vid, {})
            if old.get("variantSellPrice") != variant.get("variantSellPrice"):
                messages.append(
                    (
                        "VARIANT",
                        {
                            "vid": vid,
                            "pid": pid,
                            "variantSku": variant.get("variantSku"),
                            "variantSellPrice": variant.get("variantSellPrice"),
                            "fields": ["variantSellPrice"],
                        },
                    )
                )
            if old.get("inventories") != variant.get("inventories"):
                messages.append(("STOCK", {vid: variant.get("inventories") or []}))
        for type_, params in messages:
            kind, urls = callbacks[TOPIC_OF[type_]]
            if kind == "ENABLE" and urls:
                state.deliveries.post(urls[0], open_id, type_, "UPDATE", params)

    def add_to_my_products(self, pids: Sequence[str]) -> int:
        """Put catalog products in My Products without API calls; returns how many were new."""
        state = self._state
        with state.lock:
            missing = [pid for pid in pids if state.catalog.get(pid) is None]
            if missing:
                raise KeyError(missing[0])
            now_ms = epoch_ms(state.clock.wall())
            return sum(state.account.my_products.add(pid, now_ms) for pid in pids)

    def remove_from_my_products(self, pid: str) -> bool:
        with self._state.lock:
            return self._state.account.my_products.remove(pid)

    def my_product_ids(self) -> list[str]:
        with self._state.lock:
            return self._state.account.my_products.pids()

    def points_used(self) -> int:
        state = self._state
        with state.lock:
            return state.account.points.used(state.clock.utc_day())

    def catalog_pids(self, status: str | None = None) -> list[str]:
        with self._state.lock:
            return self._state.catalog.pids(status)

    def set_webhook(self, topic: str, kind: str, urls: Sequence[str]) -> dict[str, object]:
        """Change a callback behind cjrec's back (as CJ's web UI would), to test drift."""
        if topic not in TOPICS or kind not in ("ENABLE", "CANCEL"):
            raise ValueError("topic must be product, stock, order or logistics; type ENABLE or CANCEL")
        with self._state.lock:
            self._state.account.webhooks.set(topic, kind, [str(u) for u in urls])
            return self._state.account.webhooks.as_callback()

    def webhooks(self) -> dict[str, object]:
        """The callback configuration and the subscribed pids."""
        with self._state.lock:
            hooks = self._state.account.webhooks
            return {"callback": hooks.as_callback(), "subscriptions": sorted(hooks.subscriptions)}

    def sourcing(self) -> dict[str, object]:
        """Every sourcing request with what was filed, and today's count against the daily limit."""
        state = self._state
        with state.lock:
            desk = state.account.sourcing
            return {
                "requests": [request.admin_view() for request in desk.all()],
                "filed_today": desk.filed_on(state.clock.utc_day()),
                "per_day": desk.per_day,
            }

    def answer_sourcing(self, source_id: str, changes: Mapping[str, object]) -> dict[str, object]:
        """Play CJ's agent on one request (KeyError: unknown id or pid; ValueError: bad change)."""
        state = self._state
        with state.lock:
            view = state.account.sourcing.answer(source_id, changes, state.catalog).admin_view()
            kind, urls = state.account.webhooks.callbacks[TOPIC_OF["SOURCINGCREATE"]]
            if kind == "ENABLE" and urls:  # CJ's SOURCINGCREATE message: the request has an answer
                params: dict[str, object] = {
                    "cjSourcingId": view["sourceId"],
                    "cjProductId": view["cjProductId"],
                    "cjVariantSku": view["cjVariantSku"],
                    "status": view["sourceStatus"],
                    "failReason": view["failReasonStr"],
                }
                state.deliveries.post(urls[0], str(state.account.open_id), "SOURCINGCREATE", "INSERT", params)
            return view

    def connections(self) -> list[dict[str, object]]:
        """The account's connections (store variant → CJ variant), as ``GET product/conn/connection`` lists them."""
        with self._state.lock:
            return self._state.connections.listed(shop_id=None, platform_product_id=None, platform_variant_id=None)

    def freight(self) -> dict[str, object]:
        with self._state.lock:
            return self._state.freight.as_dict()

    def set_freight(self, changes: Mapping[str, object]) -> dict[str, object]:
        with self._state.lock:
            return self._state.freight.configure(changes)

    def make_hostile(self, pids: Sequence[str] | None = None) -> int:
        """Make products hostile (all when ``pids`` is None) and every error message too; KeyError: unknown pid."""
        with self._state.lock:
            changed = make_hostile(self._state.catalog, None if pids is None else list(pids))
            self._state.faults.hostile_messages = True
            return changed

    def summary(self) -> dict[str, object]:
        state = self._state
        with state.lock:
            day = state.clock.utc_day()
            return {
                "my_products": state.account.my_products.pids(),
                "points_used": state.account.points.used(day),
                "points_remaining": state.account.points.remaining(day),
                "qps": state.config.qps,
                "now": cj_date(state.clock.wall()),
                "faults": state.faults.as_dict(),
                "calls": len(state.calls),
            }

    def handle(self, request: Request) -> Reply:
        """Answer one admin request; errors are ``{"error": ...}`` with HTTP 400 or 404."""
        body = _json_body(request.body)
        if body is None:
            return env.admin_error("the body must be a JSON object")
        route = request.path[len(ADMIN_PREFIX) :].rstrip("/")
        try:
            return self._route(request.method, route, body, request.query)
        except KeyError as missing:
            return env.admin_error(f"not found: {missing.args[0] if missing.args else route}", status=404)
        except ValueError as problem:
            return env.admin_error(str(problem))

    def _route(self, method: str, route: str, body: dict[str, object], query: dict[str, list[str]]) -> Reply:
        parts = [unquote(p) for p in route.split("/")[1:]]
        match method, parts:
            case "GET", ["calls"]:
                return env.admin_json({"calls": self.calls()})
            case "DELETE", ["calls"]:
                return env.admin_json({"cleared": self.clear_calls()})
            case "GET", ["faults"]:
                return env.admin_json(self.faults())
            case "POST", ["faults"]:
                return env.admin_json(self.set_faults(body))
            case "POST", ["invalidate-tokens"]:
                return env.admin_json({"invalidated": self.invalidate_tokens()})
            case "GET", ["clock"]:
                return env.admin_json(self.clock())
            case "POST", ["clock"]:
                return env.admin_json(self.advance_clock(_seconds(body.get("advance_s", 0))))
            case "GET", ["products", pid]:
                return env.admin_json(self.product(pid))
            case "POST", ["products", pid]:
                return env.admin_json(self.set_product(pid, body))
            case "GET", ["catalog"]:
                status = query.get("status", [None])[0]
                return env.admin_json({"pids": self.catalog_pids(status or None)})
            case "POST", ["my-products"]:
                pids = body.get("productIds")
                if not isinstance(pids, list) or not all(isinstance(p, str) for p in pids):
                    raise ValueError("productIds must be a list of pid strings")
                return env.admin_json({"added": self.add_to_my_products([str(p) for p in pids])})
            case "POST", ["my-products", pid, "remove"]:
                return env.admin_json({"removed": self.remove_from_my_products(pid)})
            case "POST", ["hostile"]:
                pids = body.get("pids")
                if pids is not None and (not isinstance(pids, list) or not all(isinstance(p, str) for p in pids)):
                    raise ValueError("pids must be a list of pid strings")
                return env.admin_json({"changed": self.make_hostile(None if pids is None else [str(p) for p in pids])})
            case "GET", ["state"]:
                return env.admin_json(self.summary())
            case "GET", ["sourcing"]:
                return env.admin_json(self.sourcing())
            case "POST", ["sourcing", source_id]:
                return env.admin_json(self.answer_sourcing(source_id, body))
            case "GET", ["connections"]:
                return env.admin_json({"connections": self.connections()})
            case "GET", ["freight"]:
                return env.admin_json(self.freight())
            case "POST", ["freight"]:
                return env.admin_json(self.set_freight(body))
            case "GET", ["deliveries"]:
                return env.admin_json(self._state.deliveries.log())
            case "POST", ["webhook-target"]:
                url = body.get("url")
                if url is not None and (not isinstance(url, str) or not url.startswith(("http://", "https://"))):
                    raise ValueError("url must be an http(s) URL, or null to send to the callbacks themselves")
                self._state.deliveries.target = url
                return env.admin_json({"target": url})
            case "GET", ["webhooks"]:
                return env.admin_json(self.webhooks())
            case "POST", ["webhooks", topic]:
                urls = body.get("callbackUrls") or []
                if not isinstance(urls, list):
                    raise ValueError("callbackUrls must be a list")
                return env.admin_json(self.set_webhook(topic, str(body.get("type")), [str(u) for u in urls]))
        raise KeyError(f"{method} {ADMIN_PREFIX}{route}")


def _variants(detail: dict[str, object]) -> list[dict[str, object]]:
    variants = detail.get("variants")
    return [v for v in variants if isinstance(v, dict)] if isinstance(variants, list) else []


def _json_body(raw: bytes) -> dict[str, object] | None:
    if not raw.strip():
        return {}
    try:
        parsed: object = json.loads(raw.decode("utf-8"))
    except ValueError:
        return None
    return {str(k): v for k, v in parsed.items()} if isinstance(parsed, dict) else None


def _seconds(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise ValueError("advance_s must be a number of seconds, at least 0")
    return float(value)
