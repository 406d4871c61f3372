"""cjrec's benchmarks: ``make bench`` runs them against ``cjrec sandbox`` and writes BENCHMARKS.md.

A benchmark, not a test: nothing here asserts a time. Each module measures one thing the
engine issue asks of cjrec, always from outside the process under test (wall time and peak
RSS of the child, medians of several runs), and counts API calls and points from the
sandbox's own call log rather than trusting cjrec's report:

- :mod:`.throughput` — apply throughput against the account's rate limit, with a reference
  client (:mod:`.reference`) that does what public CJ integrations do;
- :mod:`.calls_points` — calls and points of a first apply, a no-op, and one product added
  among 1,000, against the minimum each needs;
- :mod:`.offline_scale` — ``validate`` and ``plan --offline`` at 1,000 to 50,000 products;
- :mod:`.startup` — ``cjrec --version`` and ``cjrec --help``;
- :mod:`.sourcing` — sourcing requests (creates, status calls) and market freight quotes against
  the minimum, with plan wall times.
- :mod:`.pricing_export` — pricing and Shopify/WooCommerce exports of 10,000 products x 5
  variants, offline.

Support modules: :mod:`.process` (run a child, measure it), :mod:`.workspace` (a throw-away
configuration repository with sops-encrypted credentials), :mod:`.sandbox` (a ``cjrec
sandbox`` child and its admin endpoints), :mod:`.machine` and :mod:`.report`.
Run ``python -m benchmarks --help``.
"""
