"""The store listing kind: a managed product published to a Store (``listing.<store>/<pid>``); see ``payload.py``."""
