"""The sandbox's connection desk: which store variants are connected to which CJ variants
(``product/conn/connection``), kept per sandbox under the state lock.

A connection is keyed by its shop and the store's variant id, so posting the same variant
again replaces its row (one store variant fulfils from one CJ variant) and never adds a
second. Rows made by hand (``Sandbox.connect_by_hand``: a person connecting in CJ's web UI)
are kept apart only by their ids, as CJ would. Imports nothing from the endpoints.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class ConnectionDesk:
    """The account's connections, by (shop id, platform variant id)."""

    rows: dict[tuple[str, str], dict[str, object]] = field(default_factory=dict)

    def connect(self, row: dict[str, object]) -> None:
        self.rows[(str(row["shopId"]), str(row["platformVariantId"]))] = dict(row)

    def listed(
        self, *, shop_id: str | None, platform_product_id: str | None, platform_variant_id: str | None
    ) -> list[dict[str, object]]:
        return [
            dict(row)
            for row in self.rows.values()
            if (shop_id is None or str(row["shopId"]) == shop_id)
            and (platform_product_id is None or str(row["platformProductId"]) == platform_product_id)
            and (platform_variant_id is None or str(row["platformVariantId"]) == platform_variant_id)
        ]

    def disconnect(self, *, shop_id: str, platform_product_id: str, platform_variant_id: str | None) -> int:
        gone = [
            key
            for key, row in self.rows.items()
            if key[0] == shop_id
            and str(row["platformProductId"]) == platform_product_id
            and (platform_variant_id is None or key[1] == platform_variant_id)
        ]
        for key in gone:
            del self.rows[key]
        return len(gone)
