"""cjrec: a declarative, GitOps-style reconciler for a CJ Dropshipping account."""

__version__ = "0.1.0"
