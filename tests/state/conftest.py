"""Fixtures of the state tests: a fault proxy between cjrec and the moto bucket (``tests/support/s3_server.py``)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.s3_server import FaultProxy


@pytest.fixture
def proxy(s3_bucket: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[FaultProxy]:
    """cjrec's S3 requests go through a proxy that can fail them and that records each (``seen``)."""
    faults = FaultProxy(upstream=s3_bucket.server.url)
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", faults.url)
    yield faults
    faults.close()
