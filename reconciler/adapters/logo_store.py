"""Publish logo files in S3-compatible storage (Settings ``spec.logoStore``), for CJ to fetch at order time.

Called by the logo executor during apply, through the ``LogoUploader`` protocol. Each file
goes to the key its plan named (``PREFIX<sha256>.<ext>``, so content decides the name)
with its Content-Type and a long cache lifetime (the name changes when the content does).
The store is asked first whether the object exists, so a file is uploaded once; the write
itself is ``If-None-Match: *``, so two runners uploading together never overwrite each
other. The file must lie inside the working directory (the repository) and still have the
sha256 the plan recorded, so an edited saved plan cannot publish any other file.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from reconciler.adapters.clock import Clock
from reconciler.adapters.s3_objects import PreconditionFailed, S3Objects
from reconciler.errors import CjrecError
from reconciler.models.state_location import S3Location, parse_s3_url

CACHE_CONTROL = "public, max-age=31536000, immutable"


class S3LogoStore:
    """Uploads logo files under ``s3://BUCKET/PREFIX``."""

    def __init__(self, *, clock: Clock) -> None:
        self.clock = clock
        self._buckets: dict[str, S3Objects] = {}

    def upload(self, source: Path, target: str, *, content_type: str, sha256: str) -> bool:
        location = parse_s3_url(target.rsplit("/", 1)[0] + "/")
        name = target.rsplit("/", 1)[1]
        objects = self._objects(location)
        if objects.head(name) is not None:
            return False
        here = Path.cwd().resolve()
        if source.is_absolute() or not (here / source).resolve().is_relative_to(here):
            raise CjrecError(
                f"{source}: a logo file to upload must be inside the repository",
                hint="run apply from the repository root, with a plan made there",
            )
        try:
            data = source.read_bytes()
        except OSError as exc:
            raise CjrecError(
                f"{source}: cannot read the logo file to upload it ({exc.strerror})",
                hint="run apply from the repository root, where the plan was made",
            ) from None
        if hashlib.sha256(data).hexdigest() != sha256:
            raise CjrecError(
                f"{source}: the logo file changed since the plan was made (its sha256 differs)",
                hint="run `cjrec plan` again",
            )
        try:
            objects.put(name, data, if_none_match=True, content_type=content_type, cache_control=CACHE_CONTROL)
        except PreconditionFailed:
            return False  # another run uploaded the same content meanwhile
        return True

    def _objects(self, location: S3Location) -> S3Objects:
        key = location.url()
        if key not in self._buckets:
            self._buckets[key] = S3Objects(
                location, clock=self.clock, what="the logo", configured_by="Settings spec.logoStore.url"
            )
        return self._buckets[key]
