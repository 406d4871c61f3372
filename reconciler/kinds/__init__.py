"""The kinds of resource cjrec manages, one package each, and what they share.

Each kind (``logo``, ``product``, ``sourcing``, ``market``, ``webhook``, ``pricing``,
``settings``, ``credentials``) is a package here whose ``kind.py`` registers one
:class:`~reconciler.kinds.contract.Kind`; :mod:`reconciler.kinds.registry` is the only list of
them. The contracts the engines and the kinds share live beside them: ``contract.py`` (the
parts of a kind), ``documents.py`` and ``declarations.py`` (manifest documents and their shared
rules), ``planning.py`` and ``executing.py`` (planner and executor), ``state_codec.py`` (the
state file), ``wording.py`` (descriptions). See ``docs/adding-a-kind.md``.
"""
