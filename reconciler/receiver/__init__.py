"""``cjrec receive``: CJ's webhook messages, verified and stored in the state backend's event log.

A layer beside ``sandbox``/``render``/``observe`` (below ``cli``): :mod:`.app` is the ASGI
application (path token, signature, size, JSON, then the durable write before the 200),
:mod:`.server` runs it under uvicorn (an installable extra: ``pip install 'cjrec[receiver]'``).
"""
