"""What cjrec knows of network addresses: whether a host is this machine (``is_loopback``).

Plain ``http://`` is accepted only to a loopback host (the sandbox, tests): credentials must
never travel unencrypted beyond this machine. Used by the CJ transport's base-URL check, the
Store document's ``endpoint``, and the WooCommerce platform's ``url``.
"""

from __future__ import annotations

import ipaddress


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and loopback addresses (127.0.0.0/8, ::1)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
