"""Property: whatever the manifests say, after apply the plan is empty (against the real sandbox).

One sandbox account and one workspace live through all examples, so each example also
starts from whatever the previous ones left: adopted, forgotten and re-added products.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reconciler.models.product_url import product_url
from tests.support.cj_workspace import CjWorkspace
from tests.support.images import tiny_png

POOL = 40

url_form = st.sampled_from(["current", "www", "legacy", "legacy-bare"])


def url(pid: str, form: str) -> str:
    if form == "www":
        return product_url(pid, "some item").replace("https://", "https://www.")
    if form == "legacy":
        return f"https://app.cjdropshipping.com/product-detail.html?id={pid}"
    if form == "legacy-bare":
        return f"https://cjdropshipping.com/product-detail.html?id={pid}"
    return product_url(pid, "some item")


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    chosen=st.lists(
        st.tuples(st.integers(0, POOL - 1), url_form, st.sampled_from([None, "brand", "other"])),
        max_size=8,
        unique_by=lambda t: t[0],
    ),
    pre_added=st.lists(st.integers(0, POOL - 1), max_size=3, unique=True),
    removed_in_ui=st.lists(st.integers(0, POOL - 1), max_size=2, unique=True),
    default_logo=st.booleans(),
)
def test_after_apply_plan_reports_no_changes(
    cjw: CjWorkspace,
    chosen: list[tuple[int, str, str | None]],
    pre_added: list[int],
    removed_in_ui: list[int],
    default_logo: bool,
) -> None:
    catalog = cjw.sandbox.catalog_pids("on_sale")[:POOL]
    cjw.write_bytes("manifests/logos/brand.png", tiny_png())
    cjw.write(
        "manifests/logos.yaml",
        f"""
        apiVersion: cjrec/v1
        kind: Logo
        metadata: {{name: brand}}
        spec: {{file: logos/brand.png, publicUrl: https://cdn.example.com/b.png, default: {str(default_logo).lower()}}}
        ---
        apiVersion: cjrec/v1
        kind: Logo
        metadata: {{name: other}}
        spec: {{url: https://cdn.example.com/o.png}}
        """,
    )
    items = []
    for index, form, logo in chosen:
        items.append(f"    - productUrl: {url(catalog[index], form)}")
        if logo:
            items.append(f"      logo: {logo}")
    body = "\n".join(items) if items else "    []"
    cjw.write(
        "manifests/products.yaml",
        f"apiVersion: cjrec/v1\nkind: Products\nmetadata: {{name: shop}}\nspec:\n  items:\n{body}\n",
    )
    cjw.sandbox.add_to_my_products(*(catalog[i] for i in pre_added))
    for i in removed_in_ui:
        cjw.sandbox.remove_from_my_products(catalog[i])
    applied = cjw.run("apply", "--auto-approve", "--allow-mass-forget")
    assert applied.exit_code == 0, applied.output
    cjw.sandbox.clear_calls()
    again = cjw.run("plan", "--detailed-exitcode")
    assert again.exit_code == 0, again.output
    assert cjw.mutating_calls() == []
    wanted = {catalog[i] for i, _, _ in chosen}
    assert wanted <= set(cjw.sandbox.my_product_ids())
