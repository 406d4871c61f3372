"""The WooCommerce stand-in of ``cjrec sandbox``: WooCommerce's REST API (``/wp-json/wc/v3``) for one
shop — products, variations, their batches with WooCommerce's item limit, ``?sku=`` lookup,
meta data, HTTP Basic auth with REST API keys, errors in WooCommerce's shape — and the merchant's
side of it (see ``/work/shared/store-apis.md`` §2)."""
