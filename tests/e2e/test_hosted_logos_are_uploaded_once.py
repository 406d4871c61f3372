"""Hosted logos: a `file:` logo without publicUrl is published in Settings ``spec.logoStore`` by apply.

Against the sandbox (TEE is its fixed print-on-demand product) and moto_server on loopback.
The plan shows the upload; apply puts the file at ``PREFIX<sha256>.<ext>`` with its
Content-Type before the product that prints it is added; podProperties, ``state show`` and
``export`` carry the public URL; the next runs upload nothing; an object already at that
name is not written again; a logo store that cannot be reached stops apply before any add.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from reconciler.models.product_url import product_url
from tests.support.cj_workspace import CjWorkspace
from tests.support.images import tiny_png
from tests.support.s3_server import FaultProxy

TEE = "2503190327561613000"
BASE = "https://cdn.example.com/pod/"


@pytest.fixture
def hosted(cjw: CjWorkspace, s3_bucket: Any, monkeypatch: pytest.MonkeyPatch) -> CjWorkspace:
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    cjw.write(
        "manifests/settings.yaml",
        "apiVersion: cjrec/v1\nkind: Settings\nspec:\n  qps: 10\n  pointsBudget: 20000\n"
        f"  logoStore: {{url: '{s3_bucket.url('pod')}', publicBaseUrl: '{BASE}'}}\n",
    )
    cjw.write_bytes("manifests/logos/brand.png", tiny_png())
    cjw.write(
        "manifests/logos.yaml",
        "apiVersion: cjrec/v1\nkind: Logo\nmetadata: {name: brand}\nspec: {file: logos/brand.png, default: true}\n",
    )
    cjw.write(
        "manifests/products.yaml",
        "apiVersion: cjrec/v1\nkind: Products\nmetadata: {name: shop}\nspec:\n  items:\n"
        f"    - productUrl: {product_url(TEE, 'tee')}\n      logo: brand\n",
    )
    return cjw


def test_apply_uploads_the_file_once_and_every_record_carries_its_public_url(
    hosted: CjWorkspace, s3_bucket: Any
) -> None:
    digest = hashlib.sha256(tiny_png()).hexdigest()
    key, url = f"pod/{digest}.png", f"{BASE}{digest}.png"

    validated = hosted.run("validate")
    assert validated.exit_code == 0 and "no publicUrl" not in validated.output
    plan = hosted.run("plan")
    assert plan.exit_code == 0, plan.output
    assert f"uploads manifests/logos/brand.png to s3://{s3_bucket.name}/{key}" in plan.stdout
    assert s3_bucket.key_names() == []  # planning uploads nothing

    applied = hosted.run("apply", "--auto-approve")
    assert applied.exit_code == 0, applied.output
    assert s3_bucket.get(key) == tiny_png()
    head = s3_bucket.client.head_object(Bucket=s3_bucket.name, Key=key)
    assert head["ContentType"] == "image/png"
    shown = json.loads(hosted.run("state", "show", "logo.brand").stdout)
    assert (shown["public_url"], shown["hosted"]) == (url, f"s3://{s3_bucket.name}/{key}")
    tee = json.loads(hosted.run("state", "show", f"product.{TEE}").stdout)
    assert json.loads(tee["pod_properties"]) == [{"areaName": "LogoArea", "links": [url], "type": "1"}]
    exported = json.loads(hosted.run("export").stdout)
    assert exported["logo_url"] == url

    written = head["LastModified"]
    again = hosted.run("apply", "--auto-approve")
    assert again.exit_code == 0 and "nothing to do" in again.stdout
    assert s3_bucket.client.head_object(Bucket=s3_bucket.name, Key=key)["LastModified"] == written


def test_an_object_already_at_the_name_is_checked_first_and_not_sent_again(
    hosted: CjWorkspace, s3_bucket: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = f"pod/{hashlib.sha256(tiny_png()).hexdigest()}.png"
    s3_bucket.put(key, b"uploaded earlier by another repository")
    proxy = FaultProxy(upstream=s3_bucket.server.url)  # no faults: it only records what cjrec sends
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", proxy.url)
    try:
        applied = hosted.run("apply", "--auto-approve")
    finally:
        proxy.close()
    assert applied.exit_code == 0, applied.output
    assert s3_bucket.get(key) == b"uploaded earlier by another repository"
    sent = [(method, path.split("?")[0]) for method, path, _ in proxy.seen if path.split("?")[0].endswith(".png")]
    assert sent == [("HEAD", f"/{s3_bucket.name}/{key}")]  # asked first; the file was not sent


def test_a_logo_store_that_does_not_exist_stops_apply_before_the_product_is_added(
    hosted: CjWorkspace, s3_bucket: Any
) -> None:
    hosted.write(
        "manifests/settings.yaml",
        "apiVersion: cjrec/v1\nkind: Settings\nspec:\n  qps: 10\n"
        f"  logoStore: {{url: 's3://no-such-logo-bucket/pod', publicBaseUrl: '{BASE}'}}\n",
    )
    applied = hosted.run("apply", "--auto-approve")
    assert applied.exit_code == 1
    assert "s3://no-such-logo-bucket/: the bucket does not exist" in applied.stderr
    assert "spec.logoStore.url" in applied.stderr
    assert hosted.mutating_calls() == []
    state = hosted.root / "state" / "sync.json"
    assert not state.exists() or not hosted.state().get("logos")  # nothing recorded as hosted


def test_without_a_logo_store_validate_still_warns_about_a_file_logo_without_public_url(
    hosted: CjWorkspace,
) -> None:
    hosted.write("manifests/settings.yaml", "apiVersion: cjrec/v1\nkind: Settings\nspec: {qps: 10}\n")
    result = hosted.run("validate")
    assert result.exit_code == 0
    assert "logo 'brand' has no publicUrl" in result.stderr and "spec.logoStore" in result.stderr


def test_the_uploader_publishes_only_files_inside_the_repository_with_the_planned_content(
    tmp_path: Any, s3_bucket: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from reconciler.adapters.clock import SystemClock
    from reconciler.adapters.logo_store import S3LogoStore
    from reconciler.errors import CjrecError

    repo = tmp_path / "repo"
    (repo / "logos").mkdir(parents=True)
    (repo / "logos" / "brand.png").write_bytes(tiny_png())
    (tmp_path / "secret.txt").write_text("not for the bucket")
    monkeypatch.chdir(repo)
    store = S3LogoStore(clock=SystemClock())
    sha = hashlib.sha256(tiny_png()).hexdigest()
    target = f"s3://{s3_bucket.name}/pod/{sha}.png"
    for outside in ("../secret.txt", str(tmp_path / "secret.txt")):
        with pytest.raises(CjrecError, match="must be inside the repository"):
            store.upload(Path(outside), target, content_type="image/png", sha256=sha)
    with pytest.raises(CjrecError, match="changed since the plan"):
        store.upload(Path("logos/brand.png"), target, content_type="image/png", sha256="0" * 64)
    assert s3_bucket.key_names() == []
    assert store.upload(Path("logos/brand.png"), target, content_type="image/png", sha256=sha) is True
    assert store.upload(Path("logos/brand.png"), target, content_type="image/png", sha256=sha) is False
