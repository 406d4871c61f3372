"""Values the test manifests are written with: CJ product URLs of both forms (numeric pid, UUID pid).

Used by the ``valid_workspace`` fixture (tests/conftest.py) and the manifest tests.
"""

from __future__ import annotations

PRODUCT_URL = "https://cjdropshipping.com/product/mens-t-shirt-p-2503190327561613000.html"
UUID_URL = "https://app.cjdropshipping.com/product-detail.html?id=000B9312-456A-4D31-94BD-B083E2A198E8"

# A Credentials document as sops writes it (values encrypted, never decrypted here): lets a test
# validate other documents without a key, as `cjrec validate` does when no key is at hand.
SEALED_CREDENTIALS = """\
apiVersion: cjrec/v1
kind: Credentials
metadata: {name: main}
spec: {email: "ENC[AES256_GCM,data:a,type:str]", apiToken: "ENC[AES256_GCM,data:b,type:str]"}
sops: {mac: "ENC[AES256_GCM,data:c,type:str]", version: 3.11.0}
"""
