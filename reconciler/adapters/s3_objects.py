"""Objects in an S3-compatible bucket: get, conditional put, delete, copy — with retries and clear errors.

The only module of cjrec that imports boto3/botocore (the S3 state store and the logo
uploader go through it). Endpoint, region and credentials come from the standard AWS
environment (``AWS_ENDPOINT_URL_S3``, ``AWS_PROFILE``, keys, roles), as every AWS tool
reads them. botocore's own retries are off: this module retries 409
``ConditionalRequestConflict``, 5xx/``SlowDown`` and dropped connections itself, with
back-off on the injected clock, and re-reads after an ambiguous failure so that a write
that landed before its connection dropped is not mistaken for a lost race. Every failure
becomes a :class:`StateError` naming the bucket/key and what to do; nothing of botocore
escapes.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlsplit

import boto3
import botocore.session
from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    NoCredentialsError,
    PartialCredentialsError,
    ReadTimeoutError,
    ResponseStreamingError,
)

from reconciler.adapters.clock import Clock
from reconciler.errors import StateError
from reconciler.models.state_location import S3Location

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

log = logging.getLogger(__name__)
T = TypeVar("T")

ATTEMPTS = 5
BASE_DELAY_S = 0.25
MAX_DELAY_S = 4.0
TRANSIENT_CODES = frozenset(
    {
        "ConditionalRequestConflict",  # 409: another conditional write to the key is in progress
        "SlowDown",
        "ServiceUnavailable",
        "InternalError",
        "RequestTimeout",
        "Throttling",
        "ThrottlingException",
        "RequestLimitExceeded",
        "TooManyRequests",
    }
)
DROPPED = (
    EndpointConnectionError,
    ConnectionClosedError,
    ConnectTimeoutError,
    ReadTimeoutError,
    ResponseStreamingError,
)
CREDENTIAL_CODES = frozenset(
    {"InvalidAccessKeyId", "SignatureDoesNotMatch", "InvalidToken", "ExpiredToken", "TokenRefreshRequired"}
)
_LOADER: list[Any] = []
PARALLEL = 32  # requests in flight for the many objects of one state (its shards); S3 serves them side by side
PERMISSIONS = "s3:GetObject, s3:PutObject and s3:DeleteObject on the prefix, s3:ListBucket on the bucket"


class PreconditionFailed(StateError):
    """412: the object is not in the version the condition named (a lock is held, the state moved on)."""


@dataclass(frozen=True)
class StoredObject:
    """An object's bytes and the ETag of that version."""

    data: bytes
    etag: str


def endpoint_display() -> str:
    """Where requests go, for messages: the configured endpoint (without any user:password) or AWS."""
    raw = os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL")
    if not raw:
        return "AWS S3"
    parts = urlsplit(raw)
    host = parts.hostname or raw
    return f"{parts.scheme}://{host}{f':{parts.port}' if parts.port else ''}" if parts.scheme else host


def make_client() -> S3Client:
    """A boto3 S3 client from the standard AWS environment, with botocore's retries off (we retry)."""
    config = Config(
        retries={"total_max_attempts": 1, "mode": "standard"},
        max_pool_connections=PARALLEL,  # botocore's default of 10 would hold back the shard transfers
        connect_timeout=5,
        read_timeout=30,
        # S3-compatible services (R2, older MinIO and Ceph) refuse the CRC32 checksums newer botocore sends by default
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
    )
    core = botocore.session.Session()
    if _LOADER:  # the parsed service models, shared: building a client otherwise costs ~0.3 s
        core.register_component("data_loader", _LOADER[0])
    else:
        _LOADER.append(core.get_component("data_loader"))
    try:
        return boto3.session.Session(botocore_session=core).client("s3", config=config)
    except BotoCoreError as exc:  # a profile that does not exist, a malformed config file…
        raise StateError(
            f"cannot set up the S3 client: {_short(str(exc))}",
            hint="check AWS_PROFILE, AWS_REGION and ~/.aws/config",
        ) from None


class S3Objects:
    """The objects under one ``s3://BUCKET/PREFIX``."""

    def __init__(
        self,
        location: S3Location,
        *,
        clock: Clock,
        client: S3Client | None = None,
        attempts: int = ATTEMPTS,
        base_delay_s: float = BASE_DELAY_S,
        what: str = "the state",
        configured_by: str = "--state-dir / CJREC_STATE_DIR / Settings spec.state",
    ) -> None:
        self.location = location
        self.clock = clock
        self._client = client
        self.attempts = attempts
        self.base_delay_s = base_delay_s
        self.what = what
        self.configured_by = configured_by
        self.retries = 0  # transient failures retried (for tests and benchmarks)

    @property
    def client(self) -> S3Client:
        if self._client is None:
            self._client = make_client()
        return self._client

    def url(self, name: str) -> str:
        return self.location.url(name)

    # -- operations ----------------------------------------------------------------------
    def get(self, name: str) -> StoredObject | None:
        """The object ``PREFIX+name``, or None when there is none."""
        key = self.location.key(name)

        def call() -> StoredObject | None:
            try:
                answer = self.client.get_object(Bucket=self.location.bucket, Key=key)
            except ClientError as exc:
                if _code(exc) in ("NoSuchKey", "404"):
                    return None
                raise
            return StoredObject(answer["Body"].read(), str(answer.get("ETag", "")))

        return self._retrying("read", name, call)

    def head(self, name: str) -> str | None:
        """The ETag of ``PREFIX+name``, or None when there is none."""
        key = self.location.key(name)

        def call() -> str | None:
            try:
                return str(self.client.head_object(Bucket=self.location.bucket, Key=key).get("ETag", ""))
            except ClientError as exc:
                if _code(exc) in ("NoSuchKey", "404", "NotFound"):
                    return None
                raise

        return self._retrying("read", name, call)

    def put(
        self,
        name: str,
        data: bytes,
        *,
        if_match: str | None = None,
        if_none_match: bool = False,
        content_type: str = "application/json",
        cache_control: str | None = None,
    ) -> str:
        """Write ``PREFIX+name``; with a condition, raise PreconditionFailed when it does not hold. Returns the ETag."""
        key = self.location.key(name)
        extra: dict[str, Any] = {}
        if if_match is not None:
            extra["IfMatch"] = if_match
        if if_none_match:
            extra["IfNoneMatch"] = "*"
        if cache_control:
            extra["CacheControl"] = cache_control
        ambiguous = [False]

        def call() -> str:
            try:
                answer = self.client.put_object(
                    Bucket=self.location.bucket, Key=key, Body=data, ContentType=content_type, **extra
                )
            except ClientError as exc:
                if _status(exc) == 412 or _code(exc) == "PreconditionFailed":
                    if ambiguous[0]:  # an earlier attempt may have landed before its answer was lost
                        landed = self._landed(key, data)
                        if landed is not None:
                            return landed
                    raise PreconditionFailed(f"{self.url(name)}: the condition of the write does not hold") from None
                raise
            return str(answer.get("ETag", ""))

        return self._retrying("write", name, call, ambiguous=ambiguous)

    def delete(self, name: str, *, if_match: str | None = None) -> None:
        """Remove ``PREFIX+name`` (only in version ``if_match``, where the service supports conditional deletes)."""
        key = self.location.key(name)

        def call() -> None:
            try:
                if if_match is not None:
                    self.client.delete_object(Bucket=self.location.bucket, Key=key, IfMatch=if_match)
                else:
                    self.client.delete_object(Bucket=self.location.bucket, Key=key)
            except ClientError as exc:
                if _status(exc) == 412 or _code(exc) == "PreconditionFailed":
                    raise PreconditionFailed(
                        f"{self.url(name)}: the object changed before it could be removed"
                    ) from None
                if _code(exc) in ("NoSuchKey", "404"):
                    return
                if if_match is not None and _code(exc) in ("NotImplemented", "InvalidArgument"):
                    self.client.delete_object(Bucket=self.location.bucket, Key=key)  # no conditional deletes here
                    return
                raise

        self._retrying("delete", name, call)

    def get_many(self, names: Iterable[str]) -> dict[str, StoredObject | None]:
        """Every object of ``names`` (None for a missing one), fetched side by side."""
        wanted = list(names)
        if len(wanted) <= 1:
            return {name: self.get(name) for name in wanted}
        self.client  # noqa: B018 -- made once here, then shared by the threads (a boto3 client is thread-safe)
        with ThreadPoolExecutor(max_workers=min(PARALLEL, len(wanted))) as pool:
            return dict(zip(wanted, pool.map(self.get, wanted), strict=True))

    def put_many(self, objects: Mapping[str, bytes]) -> None:
        """Write every object of ``objects`` (unconditionally), side by side; returns when all have landed."""
        if len(objects) <= 1:
            for name, data in objects.items():
                self.put(name, data)
            return
        self.client  # noqa: B018 -- made once, before the threads share it
        with ThreadPoolExecutor(max_workers=min(PARALLEL, len(objects))) as pool:
            list(pool.map(lambda item: self.put(*item), sorted(objects.items())))

    def names(self, folder: str) -> list[str]:
        """The names (relative to PREFIX) of the objects under ``PREFIX+folder``, sorted."""
        start = self.location.key(folder)

        def call() -> list[str]:
            found: list[str] = []
            paginator = self.client.get_paginator("list_objects_v2")
            for page in paginator.paginate(Bucket=self.location.bucket, Prefix=start):
                found.extend(str(item["Key"])[len(self.location.prefix) :] for item in page.get("Contents", []))
            return sorted(found)

        return self._retrying("list", folder, call)

    def copy(self, source: str, target: str) -> None:
        """Server-side copy of ``PREFIX+source`` to ``PREFIX+target`` (no download)."""
        bucket = self.location.bucket

        def call() -> None:
            self.client.copy_object(
                Bucket=bucket,
                Key=self.location.key(target),
                CopySource={"Bucket": bucket, "Key": self.location.key(source)},
            )

        self._retrying("write", target, call)

    # -- retries and errors --------------------------------------------------------------
    def _landed(self, key: str, data: bytes) -> str | None:
        try:
            answer = self.client.get_object(Bucket=self.location.bucket, Key=key)
            if answer["Body"].read() == data:
                return str(answer.get("ETag", ""))
        except (ClientError, BotoCoreError):
            return None
        return None

    def _retrying(self, op: str, name: str, call: Callable[[], T], *, ambiguous: list[bool] | None = None) -> T:
        attempt = 0
        while True:
            attempt += 1
            try:
                return call()
            except PreconditionFailed:
                raise
            except ClientError as exc:
                transient = _code(exc) in TRANSIENT_CODES or _status(exc) >= 500
                if not transient or attempt >= self.attempts:
                    raise self._error(op, name, exc, attempt) from None
                if ambiguous is not None and _code(exc) != "ConditionalRequestConflict":
                    ambiguous[0] = True
                reason = _code(exc)
            except DROPPED as exc:
                if attempt >= self.attempts:
                    raise self._error(op, name, exc, attempt) from None
                if ambiguous is not None and not isinstance(exc, EndpointConnectionError | ConnectTimeoutError):
                    ambiguous[0] = True
                reason = type(exc).__name__
            except (BotoCoreError, ValueError) as exc:
                raise self._error(op, name, exc, attempt) from None
            self.retries += 1
            delay = min(MAX_DELAY_S, self.base_delay_s * 2 ** (attempt - 1))
            log.debug("S3 %s of %s failed (%s); retry %d in %.2f s", op, self.url(name), reason, attempt, delay)
            self.clock.sleep(delay)

    def _error(self, op: str, name: str, exc: Exception, attempts: int) -> StateError:
        where = self.url(name)
        bucket = f"s3://{self.location.bucket}/"
        endpoint = endpoint_display()
        tried = f" (after {attempts} attempts)" if attempts > 1 else ""
        if isinstance(exc, NoCredentialsError | PartialCredentialsError):
            return StateError(
                f"{where}: no AWS credentials were found to {op} {self.what}",
                hint="set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE, or run where a role is "
                "available (in CI: an OIDC role, see the README)",
            )
        if isinstance(exc, DROPPED):
            return StateError(
                f"{where}: the S3 endpoint {endpoint} does not answer{tried} ({type(exc).__name__})",
                hint="check AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL and the network; for AWS itself leave them unset "
                "and set AWS_REGION",
            )
        if not isinstance(exc, ClientError):
            return StateError(f"{where}: cannot {op} {self.what} ({type(exc).__name__}: {_short(str(exc))})")
        code, status = _code(exc), _status(exc)
        if code == "NoSuchBucket" or (status == 404 and not name):
            return StateError(
                f"{bucket}: the bucket does not exist at {endpoint}; nothing was written",
                hint=f"create it (e.g. `aws s3 mb s3://{self.location.bucket}`), or fix the bucket in "
                f"{self.configured_by}; for another S3-compatible service set AWS_ENDPOINT_URL_S3",
            )
        if code in CREDENTIAL_CODES:
            return StateError(
                f"{where}: {endpoint} refused the AWS credentials ({code})",
                hint="check AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN or AWS_PROFILE; "
                "temporary credentials may have expired",
            )
        if code in ("AccessDenied", "AllAccessDisabled", "403") or status == 403:
            return StateError(
                f"{where}: access denied to {op} {self.what} ({code or 'HTTP 403'})",
                hint=f"the credentials in use need {PERMISSIONS}",
            )
        if code in ("PermanentRedirect", "AuthorizationHeaderMalformed", "IllegalLocationConstraintException"):
            return StateError(
                f"{bucket}: the bucket is in another region than the client uses ({code})",
                hint="set AWS_REGION to the bucket's region",
            )
        if code in TRANSIENT_CODES or status >= 500:
            return StateError(
                f"{where}: S3 kept failing to {op} {self.what}{tried}: {code or status}",
                hint="the service is overloaded or down; run again later (everything done so far is recorded)",
            )
        return StateError(f"{where}: S3 refused to {op} {self.what}: {code or status} {_short(_message(exc))}".rstrip())


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def _status(exc: ClientError) -> int:
    status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
    return int(status) if isinstance(status, int) else 0


def _message(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Message", ""))


def _short(text: str, limit: int = 160) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"
