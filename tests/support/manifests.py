"""Values the test manifests are written with: CJ product URLs of both forms (numeric pid, UUID pid).

Used by the ``valid_workspace`` fixture (tests/conftest.py) and the manifest tests.
"""

from __future__ import annotations

PRODUCT_URL = "https://cjdropshipping.com/product/mens-t-shirt-p-2503190327561613000.html"
UUID_URL = "https://app.cjdropshipping.com/product-detail.html?id=000B9312-456A-4D31-94BD-B083E2A198E8"
