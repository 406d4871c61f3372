"""Parse CJ product URLs into product ids (pids).

Pure functions, used by the manifest validator and by ``cjrec import``. CJ links come in
two forms (see ``shared/cj-api.md``):

* current: ``https://cjdropshipping.com/product/<slug>-p-<pid>.html`` (also ``www.``);
  the pid is the token after the *last* ``-p-``; the slug is cosmetic.
* legacy: ``https://app.cjdropshipping.com/product-detail.html?id=<pid>`` (also bare host).

A pid is an uppercase UUID or a 15-20 digit number, always kept as a string: numeric pids
exceed 2**53 and would be corrupted as floats.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import parse_qs, unquote, urlsplit

from reconciler.errors import CjrecError

EXPECTED_FORM = "https://cjdropshipping.com/product/<name>-p-<id>.html"
_CURRENT_HOSTS = frozenset({"cjdropshipping.com", "www.cjdropshipping.com"})
_LEGACY_HOSTS = frozenset({"cjdropshipping.com", "www.cjdropshipping.com", "app.cjdropshipping.com"})
_UUID = re.compile(r"[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}")
_NUMERIC = re.compile(r"[0-9]{15,20}")
_MARKER = "-p-"
# The form CJ's site and product_url() write, with a pid already canonical. Matched before the full
# parse below, which costs ten times more (a plan of 50,000 products parses every URL twice); for any
# text it matches, the full parse returns the same pid: the slug needs no unquoting, has no "/", and
# cannot hide a later "-p-" because a canonical pid has no lowercase letter.
_CANONICAL_URL = re.compile(
    r"https://(?:www\.)?cjdropshipping\.com/product/[0-9a-z-]*-p-"
    r"([0-9]{15,20}|[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12})\.html"
)
# Latin letters that Unicode does not decompose into a base letter plus accents
_FOLD = str.maketrans(
    {"ß": "ss", "ẞ": "SS", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE", "ø": "o", "Ø": "O", "ł": "l", "Ł": "L"}
    | {"đ": "d", "Đ": "D", "ð": "d", "Ð": "D", "þ": "th", "Þ": "TH", "ı": "i", "ħ": "h", "Ħ": "H"}
)


class ProductUrlError(CjrecError):
    """The text is not a CJ product URL; the message says what was expected."""


def normalise_pid(text: str) -> str:
    """Return the canonical pid for ``text`` (UUIDs uppercased) or raise ProductUrlError."""
    candidate = text.strip().upper()
    if _UUID.fullmatch(candidate) or _NUMERIC.fullmatch(candidate):
        return candidate
    raise ProductUrlError(f"{text[:60]!r} is not a CJ product id (expected an uppercase UUID or a 15-20 digit number)")


def pid_from_url(url: str) -> str:
    """Return the pid a CJ product URL points at; raise ProductUrlError for anything else."""
    if not isinstance(url, str):
        raise ProductUrlError(f"not a CJ product URL (expected {EXPECTED_FORM})")
    canonical = _CANONICAL_URL.fullmatch(url)
    if canonical is not None:
        return canonical.group(1)
    return _pid_from_parsed_url(url)


def _pid_from_parsed_url(url: str) -> str:
    """The full parse: every form and spelling pid_from_url accepts, and the reason for refusing the rest."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as exc:
        raise ProductUrlError(f"not a valid URL ({exc}); expected {EXPECTED_FORM}") from None
    if parts.scheme.lower() not in ("https", "http"):
        raise ProductUrlError(f"not a CJ product URL: it must be an https:// link (expected {EXPECTED_FORM})")
    host = (parts.hostname or "").lower()
    if (
        parts.username is not None
        or parts.password is not None
        or port not in (None, 443 if parts.scheme.lower() == "https" else 80)
    ):
        raise ProductUrlError(f"not a CJ product URL: unexpected user or port (expected {EXPECTED_FORM})")
    path = parts.path
    if path.startswith("/product/") and host in _CURRENT_HOSTS:
        return _pid_from_current_path(path)
    if path == "/product-detail.html" and host in _LEGACY_HOSTS:
        ids = parse_qs(parts.query).get("id", [])
        if len(ids) != 1:
            raise ProductUrlError(
                "legacy CJ product URL without exactly one id= parameter "
                f"(expected https://app.cjdropshipping.com/product-detail.html?id=<id> or {EXPECTED_FORM})"
            )
        return _pid_or_error(ids[0])
    if host not in _LEGACY_HOSTS:
        raise ProductUrlError(
            f"not a CJ product URL: host {host or '(none)'!r} is not cjdropshipping.com (expected {EXPECTED_FORM})"
        )
    raise ProductUrlError(f"not a CJ product URL (expected {EXPECTED_FORM})")


def _pid_from_current_path(path: str) -> str:
    raw = path[len("/product/") :]
    name = unquote(raw)  # after the "/" check: a percent-encoded slash in the cosmetic slug is harmless
    if not name.endswith(".html") or "/" in raw:
        raise ProductUrlError(f"not a CJ product URL: the path must end in -p-<id>.html (expected {EXPECTED_FORM})")
    stem = name[: -len(".html")]
    marker = stem.rfind(_MARKER)
    if marker < 0:
        raise ProductUrlError(f"not a CJ product URL: no -p-<id> before .html (expected {EXPECTED_FORM})")
    return _pid_or_error(stem[marker + len(_MARKER) :])


def _pid_or_error(token: str) -> str:
    try:
        return normalise_pid(token)
    except ProductUrlError:
        raise ProductUrlError(
            f"the product id {token[:60]!r} is neither a UUID nor a 15-20 digit number (expected {EXPECTED_FORM})"
        ) from None


def slugify(name: str) -> str:
    """Make the cosmetic slug CJ's site uses: lowercase ASCII words joined by hyphens.

    Every run of other characters becomes one hyphen (``Men's Tee`` → ``men-s-tee``, as on
    CJ's site). Accented Latin letters keep their base letter (``Déjà`` → ``deja``,
    ``Straße`` → ``strasse``) and full-width forms their ASCII twin; scripts with no ASCII
    spelling drop out, so the slug may be empty, which CJ's URLs allow.
    """
    folded = unicodedata.normalize("NFKD", name.translate(_FOLD))
    plain = "".join(ch for ch in folded if not unicodedata.combining(ch))
    return "-".join(re.findall(r"[0-9a-z]+", plain.lower()))


def product_url(pid: str, name: str = "") -> str:
    """Return the current-form URL of a product."""
    return f"https://cjdropshipping.com/product/{slugify(name)}-p-{pid}.html"
