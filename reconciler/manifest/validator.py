"""Turn loaded manifest documents into a validated ``Desired`` configuration.

Pure: it gets the documents the YAML loader read, the plaintext sops produced for
encrypted files, and a function that inspects logo files; it touches nothing itself.
Every problem becomes a :class:`Diagnostic` with file, line and field path, and all of a
run's problems are returned together: structure and reference problems in one pass. A
document with a structure error still takes part in the checks its valid parts allow (its
name in duplicate checks, its well-formed product items in duplicate and logo checks), and a
Logo with a structure error still counts as declared, so no reference error is made up for it.
"""

from __future__ import annotations

import os
import posixpath
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path, PureWindowsPath
from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from reconciler.errors import Diagnostic
from reconciler.kinds.logo.model import KIND as LOGO
from reconciler.kinds.market.model import KIND as MARKET
from reconciler.kinds.pricing.model import KIND as PRICING
from reconciler.kinds.product.model import KIND as PRODUCT
from reconciler.kinds.sourcing.model import KIND as SOURCING
from reconciler.kinds.webhook.model import KIND as WEBHOOK
from reconciler.kinds.webhook.model import NAME as WEBHOOKS_NAME
from reconciler.manifest.documents import (
    API_VERSION,
    DOCUMENT_TYPES,
    MUST_BE_ENCRYPTED,
    CredentialsDocument,
    LogoDocument,
    MarketDocument,
    Metadata,
    PricingDocument,
    ProductItem,
    ProductsDocument,
    SettingsDocument,
    WebhooksDocument,
    is_encrypted_value,
)
from reconciler.models.declared import Source, VariantPattern, VariantSelection
from reconciler.models.desired import (
    WEBHOOK_TOPICS,
    Credentials,
    Desired,
    DesiredProduct,
    DriftThresholds,
    Logo,
    LogoImage,
    LogoImageError,
    LogoStore,
    Settings,
    TokenOverride,
    Webhooks,
    WebhookSetting,
)
from reconciler.models.markets import Market
from reconciler.models.pricing import CompareAt, Fees, PricingRule, Tier
from reconciler.models.product_url import pid_from_url
from reconciler.models.secret import Secret
from reconciler.models.source_document import FieldPath, SourceDocument, field_label, iter_strings
from reconciler.models.sourcing import SourcingItem, normalise_url
from reconciler.models.state_location import parse_s3_url

DocKey = tuple[Path, int]
InspectImage = Callable[[Path], LogoImage]
API_KEY_PATTERN = re.compile(r"CJ\d+@api@[0-9A-Za-z]{16,}")
_SOPS_NAME = re.compile(r"\.sops\.ya?ml$")
_YAML_SUFFIX = re.compile(r"\.ya?ml$")


def encrypt_hint(display: str) -> str:
    """How to encrypt a manifest in place with the repository's .sops.yaml rules.

    The example .sops.yaml matches ``*.sops.yaml`` only (sops refuses other names with "no
    matching creation rules"), so a file named otherwise is to be renamed first.
    """
    target = display if _SOPS_NAME.search(display) else _YAML_SUFFIX.sub(".sops.yaml", display)
    command = f"`sops --encrypt --in-place {target}` (the rules in .sops.yaml choose the keys and fields)"
    if target == display:
        return f"encrypt it with {command}"
    return f"rename it to {target} (the name the rules in .sops.yaml match), then encrypt it with {command}"


@dataclass
class ValidationResult:
    """The outcome of validation: a Desired configuration, or the problems that prevent one."""

    desired: Desired | None
    diagnostics: list[Diagnostic] = field(default_factory=list)
    warnings: list[Diagnostic] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    digest: str = ""  # of every manifest file and logo image, so a saved plan can tell when they changed


def is_sops_file(doc: SourceDocument) -> bool:
    """True when sops encrypted this document (it carries sops' metadata)."""
    meta = doc.data.get("sops") if isinstance(doc.data, dict) else None
    return isinstance(meta, dict) and "mac" in meta


def validate(
    documents: list[SourceDocument],
    *,
    plaintext: Mapping[DocKey, Any],
    secrets_checked: bool,
    inspect_image: InspectImage,
    load_problems: list[Diagnostic] | None = None,
    repository: Path | None = None,
) -> ValidationResult:
    """Validate every document and build the Desired configuration when nothing is wrong.

    With ``repository`` (an absolute path), a logo ``file`` must lie inside it: an absolute
    path or one whose ``../`` leads out is refused here; ``inspect_image`` refuses symlinks
    that lead out (that needs the file system).
    """
    v = _Validation(plaintext=plaintext, secrets_checked=secrets_checked, inspect_image=inspect_image)
    v.repository = repository
    v.diagnostics.extend(load_problems or [])
    for doc in documents:
        v.document(doc)
    return v.finish(files=tuple(sorted({d.display for d in documents})))


class _Validation:
    def __init__(self, *, plaintext: Mapping[DocKey, Any], secrets_checked: bool, inspect_image: InspectImage) -> None:
        self.plaintext = plaintext
        self.secrets_checked = secrets_checked
        self.inspect_image = inspect_image
        self.repository: Path | None = None
        self.file_lines: dict[str, int] = {}
        self.diagnostics: list[Diagnostic] = []
        self.warnings: list[Diagnostic] = []
        self.credentials: list[tuple[SourceDocument, CredentialsDocument | None]] = []
        self.logos: dict[str, Logo] = {}
        self.default_lines: dict[str, Source] = {}  # where each default logo says `default: true`
        self.logo_refs: list[tuple[SourceDocument, FieldPath, str]] = []
        self.products: dict[str, DesiredProduct] = {}
        self.settings: list[tuple[SourceDocument, SettingsDocument | None]] = []  # None: its structure is wrong
        self.webhooks: list[tuple[SourceDocument, WebhooksDocument | None]] = []
        self.broken_logos: dict[str, Source] = {}  # Logos declared with a structure error (reported already)
        self.broken_pricing: set[str] = set()  # Pricing rules with an error (reported already): not unknown
        self.broken_markets: set[str] = set()  # the countries of Markets with a structure error
        self.product_names: dict[str, Source] = {}
        self.sourcing: dict[str, SourcingItem] = {}  # by normalised sourceUrl
        self.sourcing_ids: dict[str, Source] = {}
        self.markets: dict[str, Market] = {}  # by country
        self.market_names: dict[str, Source] = {}
        self.pricing: dict[str, PricingRule] = {}
        self.pricing_refs: list[tuple[SourceDocument, FieldPath, str]] = []
        self.shipping_refs: list[tuple[SourceDocument, FieldPath, str]] = []  # includeShipping: a Market's country

    def error(self, doc: SourceDocument, path: FieldPath, message: str) -> None:
        self.diagnostics.append(Diagnostic(doc.display, doc.line_of(path), field_label(path), message))

    # -- one document -----------------------------------------------------------------
    def document(self, doc: SourceDocument) -> None:
        raw = doc.data
        if not isinstance(raw, dict):
            self.error(
                doc,
                (),
                f"a manifest document must be a mapping with apiVersion, kind and spec (got {type(raw).__name__})",
            )
            return
        self._plaintext_secrets(doc)
        encrypted = is_sops_file(doc)
        data = self.plaintext.get((doc.file, doc.index), raw) if encrypted else raw
        data = {k: v for k, v in data.items() if k != "sops"}
        version = data.get("apiVersion")
        if version != API_VERSION:
            shown = "missing" if version is None else repr(version)
            self.error(doc, ("apiVersion",), f"apiVersion is {shown}; expected {API_VERSION!r}")
            return
        kind = data.get("kind")
        if kind is None:
            self.error(doc, ("kind",), f"missing `kind` (one of {', '.join(DOCUMENT_TYPES)})")
            return
        model = DOCUMENT_TYPES.get(kind) if isinstance(kind, str) else None
        if model is None:
            known = ", ".join(DOCUMENT_TYPES)
            self.error(doc, ("kind",), f"unknown kind {kind!r} (expected one of {known})")
            return
        if kind == "Credentials" and not encrypted:
            self.error(
                doc, (), f"the Credentials document must be in a sops-encrypted file; {encrypt_hint(doc.display)}"
            )
            self.credentials.append((doc, None))
            return
        unchecked = encrypted and (doc.file, doc.index) not in self.plaintext
        try:
            parsed = model.model_validate(data, context={"encrypted": unchecked})
        except ValidationError as exc:
            for err in exc.errors():
                self.error(doc, tuple(err["loc"]), _describe(err))
            self._broken(doc, kind, data)
            return
        if isinstance(parsed, CredentialsDocument):
            self.credentials.append((doc, None if unchecked else parsed))
        elif isinstance(parsed, LogoDocument):
            self.logo(doc, parsed)
        elif isinstance(parsed, ProductsDocument):
            self.product_list(doc, parsed)
        elif isinstance(parsed, PricingDocument):
            self.pricing_rule(doc, parsed)
        elif isinstance(parsed, SettingsDocument):
            self.settings.append((doc, parsed))
        elif isinstance(parsed, WebhooksDocument):
            self.webhooks.append((doc, parsed))
        elif isinstance(parsed, MarketDocument):
            self.market(doc, parsed)

    def _broken(self, doc: SourceDocument, kind: str, data: dict[str, Any]) -> None:
        """What a document with a structure error still tells: its name, its well-formed product items."""
        if kind == "Credentials":
            self.credentials.append((doc, None))
        elif kind == "Settings":
            self.settings.append((doc, None))
        elif kind == "Webhooks":
            self.webhooks.append((doc, None))
        name = _name_of(data)
        if kind == "Logo" and name is not None:
            if name in self.logos or name in self.broken_logos:
                first = self.logos[name].source if name in self.logos else self.broken_logos[name]
                self.error(doc, ("metadata", "name"), f"a Logo named {name!r} is already declared at {first}")
            else:
                self.broken_logos[name] = Source(doc.display, doc.line_of(()))
        if kind == "Pricing" and name is not None:
            self.broken_pricing.add(name)
        if kind == "Market":
            spec = data.get("spec")
            country = spec.get("country") if isinstance(spec, dict) else None
            if isinstance(country, str):
                self.broken_markets.add(country)
        if kind == "Products":
            if name is not None:
                self._products_name(doc, name)
            spec = data.get("spec")
            items = spec.get("items") if isinstance(spec, dict) else None
            for i, raw in enumerate(items if isinstance(items, list) else []):
                try:
                    item = ProductItem.model_validate(raw)
                except ValidationError:
                    continue  # its problems are among the document's, reported above
                self._product_item(doc, i, item)

    def _plaintext_secrets(self, doc: SourceDocument) -> None:
        for path, value in iter_strings(doc.data):
            if path and path[0] == "sops":
                continue
            if path and path[-1] in MUST_BE_ENCRYPTED and not is_encrypted_value(value):
                self.error(doc, path, f"this secret is in plaintext; {encrypt_hint(doc.display)}")
            elif not is_encrypted_value(value) and API_KEY_PATTERN.search(value):
                self.error(
                    doc,
                    path,
                    f"this looks like a CJ API key in plaintext; move it to the Credentials file and {encrypt_hint(doc.display)}",
                )

    def logo(self, doc: SourceDocument, parsed: LogoDocument) -> None:
        name = parsed.metadata.name
        source = Source(doc.display, doc.line_of(()))
        if name in self.logos or name in self.broken_logos:
            first = self.logos[name].source if name in self.logos else self.broken_logos[name]
            self.error(doc, ("metadata", "name"), f"a Logo named {name!r} is already declared at {first}")
            return
        image = None
        file = None
        if parsed.spec.file is not None:
            file = self._logo_path(doc, parsed.spec.file)
            if file is None:
                return
            try:
                image = self.inspect_image(file)
            except LogoImageError as exc:
                self.error(doc, ("spec", "file"), f"{parsed.spec.file}: {exc}")
                return
        if file is not None:
            self.file_lines[name] = doc.line_of(("spec", "file"))
        if parsed.spec.default:
            self.default_lines[name] = Source(doc.display, doc.line_of(("spec", "default")))
        self.logos[name] = Logo(
            name=name,
            file=file,
            file_display=None
            if parsed.spec.file is None
            else posixpath.normpath(posixpath.join(posixpath.dirname(doc.display), parsed.spec.file)),
            url=parsed.spec.url,
            public_url=parsed.spec.public_url,
            default=parsed.spec.default,
            image=image,
            source=source,
        )

    def product_list(self, doc: SourceDocument, parsed: ProductsDocument) -> None:
        self._products_name(doc, parsed.metadata.name)
        for i, item in enumerate(parsed.spec.items):
            self._product_item(doc, i, item)

    def _products_name(self, doc: SourceDocument, name: str) -> None:
        if name in self.product_names:
            self.error(
                doc,
                ("metadata", "name"),
                f"a Products document named {name!r} is already declared at {self.product_names[name]}",
            )
        self.product_names.setdefault(name, Source(doc.display, doc.line_of(())))

    def _product_item(self, doc: SourceDocument, i: int, item: ProductItem) -> None:
        if item.source_url is not None:
            self.sourcing_item(doc, i, item)
            return
        assert item.product_url is not None  # the model requires one of the two
        path: FieldPath = ("spec", "items", i, "productUrl")
        pid = pid_from_url(item.product_url)
        source = Source(doc.display, doc.line_of(path))
        if pid in self.products:
            self.error(
                doc, path, f"product {pid} is already listed at {self.products[pid].source}; list each product once"
            )
            return
        if item.logo is not None:
            self.logo_refs.append((doc, ("spec", "items", i, "logo"), item.logo))
        ok, selection = self._selling(doc, i, item)
        if not ok:
            return
        self.products[pid] = DesiredProduct(
            pid=pid,
            url=item.product_url,
            logo=item.logo,
            source=source,
            variants=selection,
            pricing=item.pricing,
            price=item.price,
        )

    def pricing_rule(self, doc: SourceDocument, parsed: PricingDocument) -> None:
        name = parsed.metadata.name
        if name in self.pricing:
            self.error(
                doc,
                ("metadata", "name"),
                f"a Pricing rule named {name!r} is already declared at {self.pricing[name].source}",
            )
            return
        spec = parsed.spec
        ok = True
        previous: Decimal | None = None
        for i, tier in enumerate(spec.tiers):
            last = i == len(spec.tiers) - 1
            if tier.up_to is None and not last:
                self.error(
                    doc,
                    ("spec", "tiers", i + 1),
                    f"tier {i + 2} comes after the open tier {i + 1} (the one without `upTo`), so no cost reaches it; "
                    "give every tier but the last an `upTo`",
                )
                ok = False
                break
            if tier.up_to is not None and last:
                self.error(
                    doc,
                    ("spec", "tiers", i, "upTo"),
                    f"the last tier has `upTo: {tier.up_to}`, so costs above it have no price; "
                    "drop `upTo` from the last tier (it takes every higher cost)",
                )
                ok = False
            if tier.up_to is not None and previous is not None and tier.up_to <= previous:
                self.error(
                    doc,
                    ("spec", "tiers", i, "upTo"),
                    f"`upTo: {tier.up_to}` is not above the previous tier's `upTo: {previous}`; "
                    "list the tiers with increasing `upTo`",
                )
                ok = False
            if tier.up_to is not None:
                previous = tier.up_to
        if not ok:
            self.broken_pricing.add(name)
            return
        rate = spec.exchange_rate if spec.exchange_rate is not None else Decimal(1)
        self.pricing[name] = PricingRule(
            name=name,
            tiers=tuple(Tier(t.up_to, t.multiplier, t.add) for t in spec.tiers),
            currency=spec.currency,
            exchange_rate=rate,
            cents=spec.cents,
            compare_at=CompareAt(spec.compare_at.multiplier, spec.compare_at.add) if spec.compare_at else None,
            fees=Fees(spec.fees.percent, spec.fees.fixed) if spec.fees else None,
            min_profit=spec.min_profit,
            min_margin=spec.min_margin,
            default=spec.default,
            source=Source(doc.display, doc.line_of(())),
            include_shipping=spec.include_shipping,
        )
        if spec.include_shipping is not None:
            self.shipping_refs.append((doc, ("spec", "includeShipping"), spec.include_shipping))
        if spec.default:
            self.default_lines["pricing:" + name] = Source(doc.display, doc.line_of(("spec", "default")))

    def _selling(self, doc: SourceDocument, i: int, item: ProductItem) -> tuple[bool, VariantSelection | None]:
        """How an item is sold (pricing rule or fixed price, variant selection); False after an error."""
        if item.pricing is not None and item.price is not None:
            self.error(
                doc,
                ("spec", "items", i, "price"),
                f"a fixed `price` and `pricing: {item.pricing}` on the same item; keep one "
                "(`price` fixes the store price, a Pricing rule computes it from CJ's cost)",
            )
            return False, None
        if item.pricing is not None:
            self.pricing_refs.append((doc, ("spec", "items", i, "pricing"), item.pricing))
        if item.variants is None:
            return True, None
        at: FieldPath = ("spec", "items", i, "variants")
        return True, VariantSelection(
            include=_patterns(doc, (*at, "include"), item.variants.include),
            exclude=_patterns(doc, (*at, "exclude"), item.variants.exclude),
        )

    def sourcing_item(self, doc: SourceDocument, i: int, item: ProductItem) -> None:
        """A ``sourceUrl`` item: each URL once across all files, each adopted sourcingId once."""
        if item.source_url is None or item.name is None or item.image is None:
            raise ValueError("a sourceUrl item without name or image passed the model")  # the model refuses these
        path: FieldPath = ("spec", "items", i, "sourceUrl")
        source = Source(doc.display, doc.line_of(path))
        key = normalise_url(item.source_url)
        if key in self.sourcing:
            self.error(
                doc, path, f"this sourceUrl is already listed at {self.sourcing[key].source}; list each product once"
            )
            return
        if item.sourcing_id is not None:
            if item.sourcing_id in self.sourcing_ids:
                self.error(
                    doc,
                    ("spec", "items", i, "sourcingId"),
                    f"sourcing request {item.sourcing_id} is already adopted at {self.sourcing_ids[item.sourcing_id]}",
                )
                return
            self.sourcing_ids[item.sourcing_id] = Source(doc.display, doc.line_of(("spec", "items", i, "sourcingId")))
        if item.logo is not None:
            self.logo_refs.append((doc, ("spec", "items", i, "logo"), item.logo))
        ok, selection = self._selling(doc, i, item)
        if not ok:
            return
        self.sourcing[key] = SourcingItem(
            url=item.source_url,
            name=item.name,
            image=item.image,
            remark=item.remark,
            source_price=item.source_price,
            sourcing_id=item.sourcing_id,
            logo=item.logo,
            source=source,
            variants=selection,
            pricing=item.pricing,
            store_price=item.price,
        )

    def market(self, doc: SourceDocument, parsed: MarketDocument) -> None:
        name, spec = parsed.metadata.name, parsed.spec
        if name in self.market_names:
            self.error(
                doc, ("metadata", "name"), f"a Market named {name!r} is already declared at {self.market_names[name]}"
            )
            return
        self.market_names[name] = Source(doc.display, doc.line_of(()))
        if spec.country in self.markets:
            self.error(
                doc,
                ("spec", "country"),
                f"market {spec.country} is already declared at {self.markets[spec.country].source}; one Market per country",
            )
            return
        self.markets[spec.country] = Market(
            name=name,
            country=spec.country,
            max_days=spec.max_days,
            max_shipping=spec.max_shipping,
            origins=tuple(spec.from_),
            source=Source(doc.display, doc.line_of(("spec", "country"))),
        )

    # -- the whole configuration ------------------------------------------------------
    def _logo_path(self, doc: SourceDocument, given: str) -> Path | None:
        """The logo file's absolute path, or None (and an error) when it is absolute or leads out of the repository."""
        if given.startswith(("/", "\\", "~")) or PureWindowsPath(given).is_absolute():
            self.error(
                doc,
                ("spec", "file"),
                f"{given}: an absolute path; logo files must be inside the repository "
                "(give the path relative to this manifest)",
            )
            return None
        path = Path(os.path.normpath(os.path.join(os.path.abspath(doc.file.parent), given)))
        if self.repository is not None and not path.is_relative_to(self.repository):
            self.error(
                doc,
                ("spec", "file"),
                f"{given}: leads out of the repository ({self.repository}); apply publishes logo files, "
                "so they must be inside it",
            )
            return None
        return path

    def finish(self, *, files: tuple[str, ...]) -> ValidationResult:
        credentials = self._credentials()
        settings = self._settings()
        webhooks = self._webhooks()
        for doc, path, name in self.logo_refs:
            if name not in self.logos and name not in self.broken_logos:
                known = ", ".join(sorted(self.logos)) or "none are declared"
                self.error(doc, path, f"no Logo named {name!r} (known logos: {known})")
        self._pricing_refs()
        defaults = [logo for logo in self.logos.values() if logo.default]
        for extra in defaults[1:]:
            where, first = self.default_lines[extra.name], self.default_lines[defaults[0].name]
            self.diagnostics.append(
                Diagnostic(
                    where.file,
                    where.line,
                    "spec.default",
                    f"logo {extra.name!r} is a second default; {defaults[0].name!r} at {first} is one already",
                )
            )
        notes = (
            []
            if self.secrets_checked
            else ["secret values were not checked: no sops key was available to decrypt them"]
        )
        logos = self._hosted(settings.logo_store)
        if self.diagnostics:
            return ValidationResult(None, self.diagnostics, self.warnings, notes)
        resources: dict[str, dict[str, Any]] = {
            LOGO: {logo.name: logo for logo in logos},
            PRODUCT: dict(self.products),
            SOURCING: {item.key: item for item in self.sourcing.values()},
            MARKET: dict(self.markets),
            PRICING: dict(self.pricing),
        }
        if webhooks is not None:
            resources[WEBHOOK] = {WEBHOOKS_NAME: webhooks}
        desired = Desired(credentials=credentials, settings=settings, files=files, resources=resources)
        return ValidationResult(desired, [], self.warnings, notes)

    def _pricing_refs(self) -> None:
        for doc, path, country in self.shipping_refs:
            if country not in self.markets and country not in self.broken_markets:
                known = ", ".join(sorted(self.markets)) or "none are declared"
                self.error(
                    doc,
                    path,
                    f"includeShipping {country!r} names no Market (markets: {known}); add a `kind: Market` with "
                    f"`country: {country}` so cjrec quotes shipping there",
                )
        for doc, path, name in self.pricing_refs:
            if name not in self.pricing and name not in self.broken_pricing:
                known = ", ".join(sorted(self.pricing)) or "none are declared"
                self.error(doc, path, f"no Pricing rule named {name!r} (known rules: {known})")
        defaults = [rule for rule in self.pricing.values() if rule.default]
        for extra in defaults[1:]:
            where, first = (
                self.default_lines["pricing:" + extra.name],
                self.default_lines["pricing:" + defaults[0].name],
            )
            self.diagnostics.append(
                Diagnostic(
                    where.file,
                    where.line,
                    "spec.default",
                    f"Pricing rule {extra.name!r} is a second default; {defaults[0].name!r} at {first} is one already; "
                    "keep `default: true` on one rule",
                )
            )

    def _hosted(self, store: LogoStore | None) -> tuple[Logo, ...]:
        """File logos without publicUrl get the logo store's URL (apply uploads them); without a store, a warning."""
        logos = []
        for declared in self.logos.values():
            logo = declared
            if logo.file is not None and logo.public_url is None and logo.image is not None:
                if store is not None:
                    hosted, public = store.names(logo.image)
                    logo = replace(logo, public_url=public, hosted=hosted)
                else:
                    self.warnings.append(
                        Diagnostic(
                            logo.source.file,
                            self.file_lines.get(logo.name, logo.source.line),
                            "spec.publicUrl",
                            f"logo {logo.name!r} has no publicUrl: CJ cannot fetch it at order time until it is "
                            "hosted publicly (give publicUrl, or Settings spec.logoStore to have apply upload it)",
                        )
                    )
            logos.append(logo)
        return tuple(logos)

    def _credentials(self) -> Credentials | None:
        if not self.credentials:
            self.diagnostics.append(
                Diagnostic(
                    "(manifests)",
                    None,
                    "",
                    "no Credentials document; add one (kind: Credentials) in a sops-encrypted file",
                )
            )
            return None
        first_doc = self.credentials[0][0]
        for doc, _ in self.credentials[1:]:
            self.error(
                doc,
                ("kind",),
                f"a second Credentials document; the first is at {first_doc.display}:{first_doc.line_of(())}",
            )
        doc, parsed = self.credentials[0]
        if parsed is None:
            return None
        spec = parsed.spec
        override = None
        if spec.access_token is not None or spec.refresh_token is not None:
            override = TokenOverride(
                access_token=_secret(spec.access_token),
                access_token_expiry=spec.access_token_expiry,
                refresh_token=_secret(spec.refresh_token),
                refresh_token_expiry=spec.refresh_token_expiry,
            )
        return Credentials(
            email=Secret(spec.email),
            api_token=Secret(spec.api_token),
            check_account_email=spec.check_account_email,
            override=override,
            source=Source(doc.display, doc.line_of(())),
            file=doc.file,
        )

    def _webhooks(self) -> Webhooks | None:
        if not self.webhooks:
            return None
        first_doc = self.webhooks[0][0]
        for doc, _ in self.webhooks[1:]:
            self.error(
                doc,
                ("kind",),
                f"a second Webhooks document; the first is at {first_doc.display}:{first_doc.line_of(())}",
            )
        doc, parsed = self.webhooks[0]
        if parsed is None:
            return None  # its structure errors are reported
        spec = parsed.spec
        topics = {
            topic: WebhookSetting(enabled=setting.enabled, url=setting.url)
            for topic in WEBHOOK_TOPICS
            if (setting := getattr(spec, topic)) is not None
        }
        return Webhooks(topics, spec.subscribe_managed_products, Source(doc.display, doc.line_of(())))

    def _settings(self) -> Settings:
        if not self.settings:
            return Settings()
        first_doc = self.settings[0][0]
        for doc, _ in self.settings[1:]:
            self.error(
                doc,
                ("kind",),
                f"a second Settings document; the first is at {first_doc.display}:{first_doc.line_of(())}",
            )
        doc, parsed = self.settings[0]
        if parsed is None:
            return Settings()  # its structure errors are reported
        spec = parsed.spec
        drift = DriftThresholds(
            cost_change_percent=spec.drift.cost_change_percent,
            variant_gone=spec.drift.variant_gone,
            off_sale=spec.drift.off_sale,
            below_min_margin=spec.drift.below_min_margin,
        )
        return Settings(
            qps=None if spec.qps == "auto" else float(spec.qps),
            points_budget=spec.points_budget,
            source=Source(doc.display, doc.line_of(())),
            refresh_budget=spec.refresh_budget,
            drift=drift,
            sourcing_per_day=spec.sourcing_per_day,
            state=spec.state,
            state_line=doc.line_of(("spec", "state")) if spec.state is not None else None,
            logo_store=None
            if spec.logo_store is None
            else LogoStore(
                url=parse_s3_url(spec.logo_store.url).url(), public_base_url=spec.logo_store.public_base_url
            ),
        )


def _patterns(doc: SourceDocument, path: FieldPath, entries: list[str]) -> tuple[VariantPattern, ...]:
    return tuple(VariantPattern(entry, Source(doc.display, doc.line_of((*path, j)))) for j, entry in enumerate(entries))


def _name_of(data: dict[str, Any]) -> str | None:
    """The document's metadata.name when that part of it is valid."""
    try:
        return Metadata.model_validate(data.get("metadata")).name
    except ValidationError:
        return None


def _secret(value: str | None) -> Secret | None:
    return None if value is None else Secret(value)


def _describe(err: ErrorDetails) -> str:
    kind = err["type"]
    if kind == "extra_forbidden":
        return "unknown field"
    if kind == "missing":
        return "missing required field"
    if kind == "literal_error":
        return str(err["msg"]).replace("Input should be", "must be")
    message = str(err["msg"])
    if message.startswith("Value error, "):
        message = message[len("Value error, ") :]
    return message.replace("Input should be", "must be")
