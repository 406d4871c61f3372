"""Manifest documents: their schema (``documents``) and their validation (``validator``)."""
