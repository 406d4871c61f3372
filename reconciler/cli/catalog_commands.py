"""``cjrec import`` and ``cjrec export``: adopting an existing account, and handing the catalog on.

``import`` reads My Products (free) and writes one ``kind: Products`` manifest listing
every product no other manifest names, so that the next apply adopts them instead of
adding them again. The text is checked with the normal loader and validator, together
with the other manifests, before it is written (atomically); an existing file is replaced
only with ``--force``, and only when it holds nothing but cjrec Products documents.

``export`` turns the recorded state into JSON Lines or CSV (see
``reconciler.render.catalog_export`` for the fields), or into a product CSV that Shopify or
WooCommerce imports as is (``reconciler.render.store_export``). It reads nothing else: no
manifests, no sops key, no API call.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from reconciler.cli.account_scope import one_account, per_account
from reconciler.cli.context import AppContext
from reconciler.errors import EXIT_OK, CjrecError, ManifestError, StateError, UsageError

if TYPE_CHECKING:
    from reconciler.models.cj import MyProduct
    from reconciler.models.desired import Desired
    from reconciler.models.state import SyncState
    from reconciler.render.imported_manifest import ImportedProduct

DEFAULT_IMPORT_FILE = "imported.yaml"


@click.command("import")
@click.option(
    "--out",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help=f"Manifest to write.  [default: {DEFAULT_IMPORT_FILE} in the manifests directory]",
)
@click.option("--name", default="imported", show_default=True, help="metadata.name of the Products document.")
@click.option("--force", is_flag=True, help="Replace --out when it exists (only if it holds only Products documents).")
@click.pass_obj
@one_account
def import_command(obj: AppContext, out: Path | None, name: str, force: bool) -> int:
    """Write a Products manifest for the products already in My Products (free: no points).

    Products any other manifest names, in either URL form, are skipped. The next
    `cjrec plan` shows the listed products as `adopt`: apply records them without adding
    them again. Needs the sops key (it calls CJ).
    """
    import re

    from reconciler import __version__
    from reconciler.adapters.atomic_file import write_atomic
    from reconciler.adapters.clock import SystemClock
    from reconciler.adapters.yaml_loader import display_path
    from reconciler.manifest.documents import NAME_PATTERN
    from reconciler.render.imported_manifest import ImportHeader, render_products_manifest
    from reconciler.safe_text import for_terminal

    manifests = obj.options.manifests
    target = _import_target(manifests, out)
    shown = display_path(target)
    if not re.fullmatch(NAME_PATTERN, name):
        raise UsageError(
            f"--name {name[:70]!r} is not a manifest name",
            hint="use lowercase letters, digits, '.', '_' and '-', starting and ending with a letter or digit",
        )
    replacing = target.exists()
    if replacing:
        _check_replaceable(target, shown, force=force)
    desired = obj.desired()
    with obj.connect(desired) as connection:
        from reconciler.cli.plan_commands import settle_rate

        settle_rate(obj, connection, desired)  # auto: page through My Products at the account's rate
        listed = connection.api.my_products()
    products, skipped, invalid = _partition(listed, desired, target)
    for row in invalid:
        obj.console.warning(
            f"skipped {for_terminal(row.pid, limit=40)!r} ({for_terminal(row.name, limit=80) or 'no name'}): "
            "not a CJ product id"
        )
    if replacing:
        _warn_dropped(obj, desired, target, shown, {p.pid for p in products})
    if not products:
        why = (
            f"all {_count(skipped, 'product')} in My Products are already in the manifests"
            if skipped
            else "My Products holds no product"
        )
        obj.console.success(f"Nothing to import: {why}." + (f" {shown} was left as it is." if replacing else ""))
        return EXIT_OK
    header = ImportHeader(
        generated_at=SystemClock().now(), cjrec_version=__version__, listed=len(listed), skipped=skipped
    )
    text = render_products_manifest(products, name=name, header=header)
    _check_manifest(manifests, target, text, expected={p.pid for p in products})
    write_atomic(target, text.encode("utf-8"), mode=0o644, keep_backup=False)
    obj.console.success(
        f"Imported {_count(len(products), 'product')} into {shown}; skipped {skipped} already in the manifests."
    )
    if not _inside(target, manifests):
        obj.console.note(f"{shown} is outside {display_path(manifests)}: cjrec reads it only once it is moved there")
    obj.console.out("Next: `cjrec plan` to review (they show as adopt), then `cjrec apply` to record them.")
    return EXIT_OK


def _import_target(manifests: Path, out: Path | None) -> Path:
    if out is None:
        if manifests.exists() and not manifests.is_dir():
            raise UsageError(
                f"--manifests names one file ({manifests}), so there is no manifests directory to import into",
                hint="give --out FILE",
            )
        return manifests / DEFAULT_IMPORT_FILE
    if out.suffix not in (".yaml", ".yml"):
        raise UsageError(f"--out {out} must end in .yaml or .yml: cjrec reads no other manifest files")
    return out


def _check_replaceable(target: Path, shown: str, *, force: bool) -> None:
    """Refuse to overwrite, unless --force and the file is only cjrec Products documents."""
    from reconciler.adapters.yaml_loader import load_file

    if not force:
        raise UsageError(
            f"{shown} exists; cjrec import does not overwrite files",
            hint="give another --out, or --force to replace it (a file of cjrec Products documents only)",
        )
    if target.is_dir():
        raise UsageError(f"{shown} is a directory")
    docs, problems = load_file(target)
    only_products = bool(docs) and all(
        isinstance(doc.data, dict)
        and doc.data.get("apiVersion") == "cjrec/v1"
        and doc.data.get("kind") == "Products"
        and "sops" not in doc.data
        for doc in docs
    )
    if problems or not only_products:
        raise UsageError(
            f"{shown} is not a manifest of cjrec Products documents only; --force replaces nothing else",
            hint="give another --out, or move that file away first",
        )


def _same_file(display: str, target: Path) -> bool:
    return Path(display).resolve() == target.resolve()


def _inside(path: Path, folder: Path) -> bool:
    if folder.exists() and not folder.is_dir():
        return path.resolve() == folder.resolve()
    return path.resolve().is_relative_to(folder.resolve())


def _partition(
    listed: list[MyProduct], desired: Desired, target: Path
) -> tuple[list[ImportedProduct], int, list[MyProduct]]:
    """What to import (with the logo the replaced file gave it), how many are named elsewhere, and bad ids."""
    from reconciler.kinds.product.model import products as declared_products
    from reconciler.models.product_url import ProductUrlError, normalise_pid
    from reconciler.render.imported_manifest import ImportedProduct

    named = {p.pid for p in declared_products(desired) if not _same_file(p.source.file, target)}
    kept_logos = {p.pid: p.logo for p in declared_products(desired) if _same_file(p.source.file, target)}
    products: dict[str, ImportedProduct] = {}
    skipped: set[str] = set()
    invalid = []
    for row in listed:
        try:
            pid = normalise_pid(row.pid)
        except ProductUrlError:
            invalid.append(row)
            continue
        if pid in named:
            skipped.add(pid)
        elif pid not in products:  # a product listed twice (the list moved between pages) once
            products[pid] = ImportedProduct(pid=pid, name=row.name, logo=kept_logos.get(pid))
    return list(products.values()), len(skipped), invalid


def _warn_dropped(obj: AppContext, desired: Desired, target: Path, shown: str, imported: set[str]) -> None:
    """Say which products the replaced file listed that the new one will not (they are not in My Products)."""
    from reconciler.kinds.product.model import products as declared_products

    dropped = sorted(
        p.pid for p in declared_products(desired) if _same_file(p.source.file, target) and p.pid not in imported
    )
    if dropped:
        more = f" and {len(dropped) - 5} more" if len(dropped) > 5 else ""
        obj.console.warning(
            f"{_count(len(dropped), 'product')} listed in {shown} {'is' if len(dropped) == 1 else 'are'} not in "
            "My Products, so the new file leaves them out: "
            f"{', '.join(dropped[:5])}{more}"
        )


def _check_manifest(manifests: Path, target: Path, text: str, *, expected: set[str]) -> None:
    """Validate ``text`` as ``target`` together with the other manifests; raise instead of writing a bad file."""
    from reconciler.adapters.image_files import inspect_image
    from reconciler.adapters.yaml_loader import display_path, load_manifests, parse_text
    from reconciler.cli.wiring import repository_root
    from reconciler.kinds.product.model import products as declared_products
    from reconciler.manifest.validator import validate

    repository = repository_root(manifests)
    loaded = load_manifests(manifests)
    others = [doc for doc in loaded.documents if doc.file.resolve() != target.resolve()]
    problems = [p for p in loaded.problems if not _same_file(p.file, target)]
    docs, parse_problems = parse_text(text, file=target, display=display_path(target))
    result = validate(
        [*others, *docs],
        plaintext={},
        secrets_checked=False,
        inspect_image=lambda path: inspect_image(path, root=repository),
        load_problems=[*problems, *parse_problems],
        repository=repository,
    )
    if result.desired is None:
        raise ManifestError(
            result.diagnostics,
            hint="nothing was written; if the clash is a name, run again with another --name or --out",
        )
    got = {p.pid for p in declared_products(result.desired) if _same_file(p.source.file, target)}
    if got != expected:
        raise CjrecError(
            f"internal error: the manifest made for {len(expected)} products reads back as {len(got)}; nothing was written",
            hint="run again with --debug and report it",
        )


@click.command()
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["jsonl", "csv", "shopify", "woocommerce"]),
    default="jsonl",
    show_default=True,
    help="jsonl/csv: every recorded field; shopify/woocommerce: the store's product CSV, selected variants at their prices.",
)
@click.option(
    "--out",
    default="-",
    show_default=True,
    type=click.Path(path_type=Path, dir_okay=False, allow_dash=True),
    help="File to write (replaced atomically), or - for standard output. With --all/--accounts: one file "
    "per account, {account} in the name (e.g. exports/{account}.csv).",
)
@click.pass_obj
@per_account(paths=("out",))
def export(obj: AppContext, fmt: str, out: Path) -> int:
    """Write the synced catalog for a store to import, from the state alone (no API call, no key).

    \b
    One record per managed product, products by pid, variants by vid:
    pid, url, origin, name, sku, status, sell_price, customization_version, is_pod, image,
    logo, logo_url, pod_properties, and variants (vid, sku, variant_key, price, image).
    CSV: one row per variant with the product's columns repeated; the variant columns are
    vid, variant_sku, variant_key, variant_price, variant_image, and the store columns
    selected, store_price, compare_at_price, currency. Stock is not included:
    the state does not record it (it changes too often to commit).

    shopify / woocommerce: the product CSV each store's importer takes as is, with only the
    selected variants that have a store price (a Pricing rule or a fixed price), at those
    prices; what is left out is said on standard error.
    """
    from reconciler.adapters.atomic_file import write_atomic
    from reconciler.render.catalog_export import dropped_urls, render_catalog

    store = obj.store()
    recorded = store.load()
    if recorded is None:
        raise StateError(
            f"no state at {store.display}: nothing is managed yet, so there is nothing to export",
            hint="run `cjrec apply` first, or point --state-dir at the state",
        )
    if fmt in ("shopify", "woocommerce"):
        return _store_export(obj, recorded, fmt, out)
    text = render_catalog(recorded, fmt)
    dropped = dropped_urls(recorded)
    if dropped:
        more = f" and {len(dropped) - 5} more" if len(dropped) > 5 else ""
        obj.console.warning(
            f"{_count(len(dropped), 'URL')} in the state {'is' if len(dropped) == 1 else 'are'} not http(s) and "
            f"{'was' if len(dropped) == 1 else 'were'} left out of the export: {', '.join(dropped[:5])}{more}"
        )
    from reconciler.kinds.product.record import products_of

    missing = sorted(pid for pid, record in products_of(recorded).items() if record.snapshot is None)
    if missing:
        obj.console.warning(
            f"{_count(len(missing), 'product')} without recorded details yet (planned offline): their records "
            "carry only pid and url; run `cjrec apply` to record them"
        )
    if str(out) == "-":
        click.echo(text, nl=False)
        return EXIT_OK
    write_atomic(out, text.encode("utf-8"), mode=0o644, keep_backup=False)
    variants = sum(max(1, len(r.snapshot.variants)) if r.snapshot else 1 for r in products_of(recorded).values())
    unit = "rows" if fmt == "csv" else "lines"
    count = variants if fmt == "csv" else len(products_of(recorded))
    obj.console.success(f"Exported {_count(len(products_of(recorded)), 'product')} to {out} ({count} {unit}, {fmt}).")
    return EXIT_OK


def _store_export(obj: AppContext, recorded: SyncState, fmt: str, out: Path) -> int:
    from reconciler.adapters.atomic_file import write_atomic
    from reconciler.render.store_export import render_store_csv

    export = render_store_csv(recorded, fmt)
    for note in export.notes:
        obj.console.warning(note)
    if export.products == 0:
        raise CjrecError(
            f"nothing to export for {fmt}: no managed product has a store price yet",
            hint="add a `kind: Pricing` rule (or `price:` on the items), run `cjrec apply`, then export again",
        )
    if str(out) == "-":
        click.echo(export.text, nl=False)
        return EXIT_OK
    write_atomic(out, export.text.encode("utf-8"), mode=0o644, keep_backup=False)
    obj.console.success(
        f"Exported {_count(export.products, 'product')} to {out} ({export.rows} rows, {fmt} product CSV)."
    )
    return EXIT_OK


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" + ("" if number == 1 else "s")
