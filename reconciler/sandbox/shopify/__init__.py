"""The Shopify stand-in of ``cjrec sandbox``: Shopify's Admin GraphQL API for one shop, built on
graphql-core over the subset of Shopify's own schema in ``admin-subset.graphql`` (see
``/work/shared/shopify/SOURCE.md``), so every query cjrec sends is validated against Shopify's types."""
