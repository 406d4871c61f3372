"""The store kind: its parts live in this package; ``kind.py`` registers them as one :class:`~reconciler.kinds.contract.Kind`."""
