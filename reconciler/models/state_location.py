"""Where the state lives: a local folder or ``s3://BUCKET/PREFIX``, parsed without touching either.

Used by the manifest validator (Settings ``spec.state`` and ``spec.logoStore.url``) and by
the CLI wiring, which picks the state store once from the result. Anything that looks
like a URL but is not ``s3://`` is refused, so ``gs://x`` or a mistyped ``s3:/x`` never
becomes a local folder named ``gs:`` or ``s3:``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

# S3's rules for general-purpose bucket names (also what R2, MinIO and Ceph accept).
_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_IP_LIKE = re.compile(r"^\d+\.\d+\.\d+\.\d+$")
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")


class LocationError(ValueError):
    """A state or logo-store location that cannot be used; the message says why."""


@dataclass(frozen=True, slots=True)
class LocalLocation:
    """State in a folder on this machine (the default: ``./state``)."""

    path: Path

    def __str__(self) -> str:
        return str(self.path)


@dataclass(frozen=True, slots=True)
class S3Location:
    """State (or hosted logos) under a prefix of an S3-compatible bucket; ``prefix`` is '' or ends in '/'."""

    bucket: str
    prefix: str

    def key(self, name: str) -> str:
        return self.prefix + name

    def url(self, name: str = "") -> str:
        return f"s3://{self.bucket}/{self.prefix}{name}"

    def __str__(self) -> str:
        return self.url()


StateLocation = LocalLocation | S3Location


def parse_location(text: str) -> StateLocation:
    """``s3://BUCKET[/PREFIX]`` or a folder path; raise LocationError for anything else that names a scheme."""
    value = text.strip()
    if not value:
        raise LocationError("the state location is empty; give a folder or s3://BUCKET/PREFIX")
    if value.lower().startswith("s3:"):
        return parse_s3_url(value)
    scheme = _SCHEME.match(value)
    if scheme and len(scheme.group(1)) > 1:  # one letter is a Windows drive, not a scheme
        raise LocationError(
            f"{value[:80]!r}: cjrec keeps state in a folder or in S3-compatible storage (s3://BUCKET/PREFIX); "
            f"{scheme.group(1)}: is not supported"
        )
    return LocalLocation(Path(value))


def parse_s3_url(text: str) -> S3Location:
    """``s3://BUCKET/PREFIX`` → S3Location with the prefix normalised to end in '/' (or be empty)."""
    value = text.strip()
    if not value.startswith("s3://"):
        raise LocationError(f"{value[:80]!r} is not an s3:// URL (expected s3://BUCKET/PREFIX)")
    rest = value[len("s3://") :]
    bucket, _, prefix = rest.partition("/")
    if not _BUCKET.match(bucket) or ".." in bucket or _IP_LIKE.match(bucket):
        raise LocationError(
            f"{value[:80]!r}: {bucket[:70]!r} is not a bucket name "
            "(3-63 lowercase letters, digits, '.' and '-', starting and ending with a letter or digit)"
        )
    if any(c in prefix for c in "?#\\") or "//" in prefix or any(p in (".", "..") for p in prefix.split("/")):
        raise LocationError(f"{value[:80]!r}: the prefix may not contain '?', '#', '\\', '//', '.' or '..' parts")
    if prefix and not prefix.endswith("/"):
        prefix += "/"
    return S3Location(bucket=bucket, prefix=prefix)
