"""A logo hosted in the logo store (Settings ``spec.logoStore``) plans its upload once, named by its content.

The validator gives a `file:` logo without publicUrl the store's object and public URL
(``Logo.hosted``, ``Logo.public_url``); the planner records both and says when apply must
upload: on create, and when the content (so the name) changes — never again otherwise.
"""

from __future__ import annotations

from dataclasses import replace

from reconciler.models.desired import Logo, LogoStore
from tests.support.plan_builders import applied, desired, logo, observed, only, plan

STORE = LogoStore(url="s3://acme-logos/pod/", public_base_url="https://cdn.example.com/pod/")


def hosted(name: str, *, content: bytes | None = None) -> Logo:
    source = logo(name, public_url=None, content=content)
    assert source.image is not None
    target, public = STORE.names(source.image)
    return replace(source, public_url=public, hosted=target)


def test_a_new_hosted_logo_plans_its_upload_and_records_the_public_url() -> None:
    brand = hosted("brand")
    assert brand.image is not None
    result = plan(desired(logos=[brand]), None, observed())

    change = next(c for c in result.changes if c.address == "logo.brand")
    sha = brand.image.sha256
    assert change.upload == f"s3://acme-logos/pod/{sha}.png"
    assert change.after is not None and change.after["public_url"] == f"https://cdn.example.com/pod/{sha}.png"
    assert change.reason == f"new logo; uploads manifests/logos/brand.png to s3://acme-logos/pod/{sha}.png"
    assert change.calls_out and not change.calls_cj
    assert result.cost.apply_calls == 0  # an upload is not a call to CJ: no rate, no points


def test_once_recorded_it_is_not_uploaded_again_until_its_content_changes() -> None:
    first = plan(desired(logos=[hosted("brand")]), None, observed())
    recorded = applied(first, None)
    assert not plan(desired(logos=[hosted("brand")]), recorded, observed()).changes

    changed = plan(desired(logos=[hosted("brand", content=b"a new artwork")]), recorded, observed())
    change = next(c for c in changed.changes if c.address == "logo.brand")
    assert change.action.value == "update"
    assert change.upload is not None and change.upload.endswith(".png")
    assert change.upload != only(first, "logo.brand")["after"]["hosted"]


def test_a_logo_that_leaves_the_store_for_a_public_url_updates_without_an_upload() -> None:
    recorded = applied(plan(desired(logos=[hosted("brand")]), None, observed()), None)
    result = plan(desired(logos=[logo("brand")]), recorded, observed())
    change = next(c for c in result.changes if c.address == "logo.brand")
    assert change.action.value == "update"
    assert change.upload is None and not change.calls_out
    assert change.after is not None and "hosted" not in change.after
