"""A repository of many CJ accounts: its layout, which accounts a change touches, and ``cjrec accounts list``.

The layout (Terraform's "a directory per deployment", Atlantis' projects)::

    accounts/<name>/manifests/   the account's documents: its Credentials, Settings, Store…
    accounts/<name>/state/       its state (or <prefix>/<name>/ when its Settings' state is a bucket)
    common/                      documents every account includes: Pricing, Market, Logo, Products…

An account overrides a common document by declaring one of the same kind and name (for
documents without a name, such as Settings, the same kind). A repository without an
``accounts/`` folder is a single-account repository and works as before.

Used by the wiring (:func:`with_common`, :func:`account_prefix`), by ``plan|apply --all``
(``cli/many_accounts.py``) and by the ``accounts`` command here.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import click

from reconciler.adapters.yaml_loader import LoadResult, load_file, load_manifests
from reconciler.cli.context import AppContext
from reconciler.errors import UsageError
from reconciler.models.source_document import SourceDocument
from reconciler.models.state_location import S3Location

ACCOUNTS = "accounts"
COMMON = "common"
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")

DocumentKey = tuple[str, str | None]


@dataclass(frozen=True)
class Account:
    """One account of a many-account repository."""

    name: str
    folder: Path  # accounts/<name>

    @property
    def manifests(self) -> Path:
        return self.folder / "manifests"

    @property
    def state(self) -> Path:
        return self.folder / "state"


@dataclass(frozen=True)
class Layout:
    """The accounts (sorted by name) and the common folder, if there is one."""

    accounts: tuple[Account, ...]
    common: Path | None

    def select(self, names: str | None) -> list[Account]:
        """Every account (``names`` None), or those named in ``a,b``; an unknown name is an error."""
        if names is None:
            return list(self.accounts)
        known = {account.name: account for account in self.accounts}
        wanted = [name.strip() for name in names.split(",") if name.strip()]
        unknown = [name for name in wanted if name not in known]
        if not wanted or unknown:
            raise UsageError(
                f"--accounts: {', '.join(unknown) or 'no account named'}"
                f"{' is not an account' if len(unknown) == 1 else ' are not accounts' if unknown else ''}"
                f" (the accounts are: {', '.join(known) or 'none'})",
                hint="name folders of accounts/ with a manifests/ folder, separated by commas",
            )
        return [known[name] for name in dict.fromkeys(wanted)]


def valid_account_name(name: str) -> bool:
    """Lower-case letters, digits, - and _: usable as a folder, a GitHub Environment and a concurrency group."""
    return bool(_NAME.match(name))


def find_layout(root: Path = Path()) -> Layout | None:
    """The many-account layout below ``root``, or None when there is no ``accounts/`` folder."""
    folder = root / ACCOUNTS
    if not folder.is_dir():
        return None
    accounts = []
    for child in sorted(folder.iterdir()):
        if not (child / "manifests").is_dir():
            continue
        if not valid_account_name(child.name):
            raise UsageError(
                f"{child}: {child.name[:70]!r} is not a usable account name",
                hint="use lower-case letters, digits, - and _ (the name is also a CI environment and group name)",
            )
        accounts.append(Account(child.name, child))
    common = root / COMMON
    return Layout(tuple(accounts), common if common.is_dir() else None)


def require_layout() -> Layout:
    layout = find_layout()
    if layout is None or not layout.accounts:
        raise UsageError(
            "this is not a many-account repository: no accounts/<name>/manifests/ folder here",
            hint="run in the repository's root (or with -C DIR); a single-account repository needs no --all",
        )
    return layout


def document_key(doc: SourceDocument) -> DocumentKey | None:
    """(kind, metadata.name) of a document, the key an account overrides a common document by."""
    data = doc.data
    if not isinstance(data, dict) or not isinstance(data.get("kind"), str):
        return None
    metadata = data.get("metadata")
    name = metadata.get("name") if isinstance(metadata, dict) else None
    return data["kind"], name if isinstance(name, str) else None


def with_common(own: LoadResult, common: LoadResult) -> LoadResult:
    """An account's documents plus every common document it does not override."""
    declared = {key for key in map(document_key, own.documents) if key is not None}
    included = [doc for doc in common.documents if document_key(doc) not in declared]
    return LoadResult(
        documents=[*own.documents, *included],
        files=[*own.files, *common.files],
        problems=[*own.problems, *common.problems],
    )


def account_prefix(location: S3Location, account: str) -> S3Location:
    """``s3://bucket/prefix/<account>/``: the accounts share a bucket named in their Settings, never a state."""
    return S3Location(location.bucket, f"{location.prefix}{account}/")


def changed_accounts(layout: Layout, changed: list[str]) -> list[Account]:
    """The accounts a list of changed paths (relative to the repository root) touches.

    A path under ``accounts/<name>/`` (its state aside) selects that account; a path under
    ``common/`` selects every account that includes a document of that file (all of them
    when the file is gone or unreadable, since what it held can no longer be told).
    """
    selected: set[str] = set()
    for text in changed:
        parts = PurePosixPath(text).parts
        if len(parts) >= 3 and parts[0] == ACCOUNTS and parts[2] != "state":
            selected.add(parts[1])
        elif len(parts) >= 2 and parts[0] == COMMON and layout.common is not None:
            selected.update(_including(layout, Path(text)))
    return [account for account in layout.accounts if account.name in selected]


def _including(layout: Layout, path: Path) -> set[str]:
    everyone = {account.name for account in layout.accounts}
    if path.suffix not in (".yaml", ".yml"):
        return everyone if path.is_file() else set()  # e.g. a logo image: any account may print it
    if not path.is_file():
        return everyone
    docs, problems = load_file(path)
    keys = [document_key(doc) for doc in docs]
    if problems or not keys or None in keys:
        return everyone
    including = set()
    for account in layout.accounts:
        own = {key for key in map(document_key, load_manifests(account.manifests).documents) if key is not None}
        if any(key not in own for key in keys):
            including.add(account.name)
    return including


@click.group()
def accounts() -> None:
    """The accounts of a many-account repository (accounts/<name>/manifests, common/)."""


@accounts.command("list")
@click.option(
    "--changed-since",
    metavar="REF",
    default=None,
    help="Only the accounts whose files changed since REF's merge base with HEAD (a common/ change: "
    "every account including the changed document).",
)
@click.option("--json", "as_json", is_flag=True, help='Print a JSON list of names (["a", "b"]), for a CI matrix.')
@click.pass_obj
def list_accounts(obj: AppContext, changed_since: str | None, as_json: bool) -> None:
    """List the accounts, one name a line."""
    layout = require_layout()
    chosen = list(layout.accounts)
    if changed_since is not None:
        from reconciler.adapters.git_changes import changed_files

        chosen = changed_accounts(layout, changed_files(Path(), changed_since))
    names = [account.name for account in chosen]
    if as_json:
        click.echo(json.dumps(names))
        return
    for name in names:
        obj.console.out(name)


@accounts.command("comment")
@click.argument("folder", type=click.Path(path_type=Path, file_okay=False))
@click.option(
    "--expect",
    metavar="JSON|A,B",
    default=None,
    help="The accounts that should have a plan (the changes job's list): one without a file is shown as missing.",
)
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False), default=None, help="Write it here.")
@click.pass_obj
def comment(obj: AppContext, folder: Path, expect: str | None, out: Path | None) -> None:
    """Put the plan jobs' Markdown (FOLDER/*.md from plan --out-markdown) together as one pull-request comment."""
    from reconciler.render.plan_comment import AccountSection, combined_comment, read_sections

    sections: dict[str, AccountSection] = {}
    files = sorted(folder.glob("*.md")) if folder.is_dir() else []
    for path in files:
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError as exc:
            raise UsageError(
                f"cannot read {path}: {exc.strerror or exc}", hint="check the downloaded artifacts"
            ) from None
        found = read_sections(text)
        if not found:
            obj.console.warning(f"{path} holds no account's plan (not written by `cjrec plan --out-markdown`)")
        for section in found:
            sections.setdefault(section.name, section)
    text = combined_comment(sections.values(), missing=_expected(expect))
    if out is None:
        click.echo(text, nl=False)
        return
    from reconciler.adapters.atomic_file import write_atomic

    write_atomic(out, text.encode("utf-8"), mode=0o644, keep_backup=False)
    obj.console.success(f"wrote {out}: {len(sections)} account(s)")


def _expected(text: str | None) -> list[str]:
    """``["a","b"]`` (a CI matrix list) or ``a,b``: account names, checked."""
    if text is None or not text.strip():
        return []
    try:
        names = json.loads(text) if text.lstrip().startswith("[") else text.split(",")
    except ValueError:
        raise UsageError(f"--expect {text[:60]!r} is not a JSON list", hint='give ["a", "b"] or a,b') from None
    names = [str(name).strip() for name in names if str(name).strip()]
    bad = [name for name in names if not valid_account_name(name)]
    if bad:
        raise UsageError(f"--expect: {bad[0][:60]!r} is not an account name", hint="use the names of accounts/<name>/")
    return names
