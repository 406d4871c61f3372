"""Which account a command works on in a many-account repository: ``--all``, ``--accounts A,B``, ``--parallel``.

One mechanism for every account-scoped command, so no command copies it. A command takes it
with a decorator, placed under ``@click.pass_obj``:

* :func:`per_account` — the command may run for many accounts at once (``validate``, ``plan``,
  ``apply``, ``state list|show|events``, ``export``, ``token status|refresh``): ``--all`` or
  ``--accounts a,b`` run it per account in one process (``cli/many_accounts.py``, bounded by
  ``--parallel``); without them it runs once, as in a single-account repository. Options
  naming a file (``paths``) take ``{account}`` in their value, replaced by each account's name,
  so several accounts never write the same file.
* :func:`one_account` — the command changes or serves one account's state and makes no sense
  for several (``force-unlock``, ``state forget|push|pull``, ``import``, ``receive``,
  ``logout``): ``--accounts NAME`` names that one account, ``--all`` is refused.

A command with neither (``init``, ``sandbox``, ``schema``, ``accounts list``) is not about one
account; given ``--all`` or ``--accounts`` it says so (:func:`not_scoped_message`, called
where click's errors become messages). Run at the root of a many-account repository without
naming an account, any command that reads the manifests or the state refuses
(:func:`require_account`, called by the :class:`~reconciler.cli.context.AppContext`) instead
of quietly reading ``./manifests`` or ``./state``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import click

from reconciler.cli.context import AppContext
from reconciler.errors import EXIT_OK, UsageError

F = TypeVar("F", bound=Callable[..., Any])
Check = Callable[["Selection", dict[str, Any]], None]

SCOPE = "cjrec_account_scope"  # the attribute a command's callback carries: "many" or "one"
PLACEHOLDER = "{account}"


@dataclass(frozen=True)
class Selection:
    """The accounts asked for on the command line."""

    all_accounts: bool
    names: str | None
    parallel: int

    @property
    def given(self) -> bool:
        return self.all_accounts or self.names is not None

    @property
    def several(self) -> bool:
        """May name more than one account (``--all``, or a comma in ``--accounts``)."""
        return self.all_accounts or "," in (self.names or "").strip(",")


_ALL = click.option(
    "--all", "all_accounts", is_flag=True, help="Every account of accounts/<name>/ (many-account repository)."
)
_ACCOUNTS = click.option(
    "--accounts", "account_names", metavar="A,B", default=None, help="These accounts of accounts/<name>/."
)
_PARALLEL = click.option(
    "--parallel",
    type=click.IntRange(1, 64),
    default=4,
    show_default=True,
    help="With --all/--accounts: how many accounts run at once (each at its own account's rate).",
)
_ONE = click.option(
    "--accounts",
    "account_names",
    metavar="NAME",
    default=None,
    help="In a many-account repository: the one account of accounts/<name>/ to work on.",
)


def per_account(
    *, paths: tuple[str, ...] = (), check: Check | None = None, report: str | None = None
) -> Callable[[F], F]:
    """Give a command ``--all/--accounts/--parallel``; run its body once per chosen account.

    ``paths``: the parameters naming a file each account writes or reads; with several
    accounts their value must hold ``{account}``. ``check`` runs once, before any account,
    with the selection and the command's other arguments (to refuse a combination).
    ``report``: the parameter naming the file for the accounts' one Markdown comment (each
    account's body leaves its part in ``AppContext.report``; the file is written once, after all).
    """

    def decorate(body: F) -> F:
        @functools.wraps(body)
        def command(obj: AppContext, /, *args: Any, **kwargs: Any) -> int:
            selection = Selection(kwargs.pop("all_accounts"), kwargs.pop("account_names"), kwargs.pop("parallel"))
            _check_paths(selection, paths, kwargs)
            if check is not None:
                check(selection, kwargs)
            if not selection.given:
                return _code(body(obj, *args, **kwargs))

            def work(context: AppContext) -> int:
                account = context.options.account or ""
                return _code(body(context, *args, **_for_account(kwargs, paths, account)))

            fmt = kwargs.get("fmt")
            return run_for_accounts(
                obj,
                selection,
                work,
                fmt=fmt if fmt in ("json", "markdown") else "text",
                report_file=kwargs.get(report) if report is not None else None,
            )

        setattr(command, SCOPE, "many")
        return _PARALLEL(_ACCOUNTS(_ALL(command)))  # type: ignore[return-value]

    return decorate


def one_account(body: F) -> F:
    """Give a command ``--accounts NAME`` (exactly one account); ``--all`` means nothing to it."""

    @functools.wraps(body)
    def command(obj: AppContext, /, *args: Any, **kwargs: Any) -> int:
        names: str | None = kwargs.pop("account_names")
        if names is None:
            return _code(body(obj, *args, **kwargs))
        selection = Selection(all_accounts=False, names=names, parallel=1)
        name = click.get_current_context().command_path
        if selection.several:
            raise UsageError(
                f"`{name}` works on one account's state; --accounts {names[:60]!r} names several",
                hint="run it once per account: --accounts NAME",
            )
        from reconciler.cli.accounts import require_layout
        from reconciler.cli.many_accounts import account_context

        layout = require_layout()
        (account,) = layout.select(names)
        return _code(body(account_context(obj, account, layout), *args, **kwargs))

    setattr(command, SCOPE, "one")
    return _ONE(command)  # type: ignore[return-value]


def run_for_accounts(
    obj: AppContext,
    selection: Selection,
    work: Callable[[AppContext], int],
    *,
    fmt: str,
    report_file: Path | None = None,
) -> int:
    """Run ``work`` for each account chosen, at most ``selection.parallel`` at once (``cli/many_accounts.py``)."""
    if selection.all_accounts and selection.names is not None:
        raise UsageError("--all and --accounts exclude each other", hint="give one of them")
    if obj.options.manifests not in (Path("manifests"), Path("./manifests")):
        raise UsageError(
            "--manifests does not go with --all/--accounts: each account's are accounts/<name>/manifests",
            hint="drop --manifests (and CJREC_MANIFESTS), or run one account with -C or --manifests alone",
        )
    from reconciler.cli.accounts import require_layout
    from reconciler.cli.many_accounts import run_accounts
    from reconciler.cli.plan_commands import sigterm_as_interrupt

    layout = require_layout()
    chosen = layout.select(None if selection.all_accounts else selection.names)
    with sigterm_as_interrupt():  # a cancelled CI job stops every account as Ctrl-C does, releasing their locks
        return run_accounts(obj, layout, chosen, work, parallel=selection.parallel, fmt=fmt, report_file=report_file)


def require_account(obj: AppContext) -> None:
    """Refuse to read ``./manifests`` or ``./state`` at the root of a many-account repository."""
    options = obj.options
    if options.account is not None or options.manifests.exists() or not Path("accounts").is_dir():
        return
    context = click.get_current_context(silent=True)
    command = context.command if context is not None else None
    scope = scope_of(command) if command is not None else None
    name = f"`{context.command_path}`" if context is not None else "this command"
    how = "--all or --accounts NAME" if scope == "many" else "--accounts NAME"
    raise UsageError(
        f"{options.manifests} does not exist: this is a many-account repository (accounts/<name>/manifests), "
        f"and {name} needs to know which account",
        hint=f"name the accounts: {how} (`cjrec accounts list` shows them)"
        if scope is not None
        else "run it in the account's folder: cjrec -C accounts/NAME …",
    )


def scope_of(command: click.Command) -> str | None:
    """ "many", "one", or None for a command that is not about one account."""
    scope = getattr(command.callback, SCOPE, None)
    return scope if isinstance(scope, str) else None


def scoped_commands(group: click.Group, ctx: click.Context, prefix: str = "") -> dict[str, list[str]]:
    """The commands of ``group`` (and its subgroups) by scope: {"many": [...], "one": [...]}."""
    found: dict[str, list[str]] = {"many": [], "one": []}
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        if command is None or command.hidden:
            continue
        if isinstance(command, click.Group):
            for kind, names in scoped_commands(command, ctx, f"{prefix}{name} ").items():
                found[kind].extend(names)
        elif (scope := scope_of(command)) is not None:
            found[scope].append(prefix + name)
    return found


def not_scoped_message(exc: click.NoSuchOption) -> UsageError | None:
    """What to say when ``--all``, ``--accounts`` or ``--parallel`` is given to a command without it."""
    if exc.option_name not in ("--all", "--accounts", "--parallel") or exc.ctx is None:
        return None
    ctx = exc.ctx
    root = ctx.find_root()
    assert isinstance(root.command, click.Group)
    listed = scoped_commands(root.command, root)
    name = ctx.command_path
    many = f"the commands that run per account: {', '.join(listed['many'])}"
    if scope_of(ctx.command) == "one":
        return UsageError(
            f"`{name}` works on one account's state: it takes --accounts NAME, not {exc.option_name}",
            hint=f"run it once per account; {many}",
        )
    return UsageError(
        f"`{name}` is not about one CJ account, so it takes no {exc.option_name}",
        hint=f"{many}; on one account only: {', '.join(listed['one'])}",
    )


def _check_paths(selection: Selection, paths: tuple[str, ...], kwargs: dict[str, Any]) -> None:
    for param in paths:
        value = kwargs.get(param)
        if value is None:
            continue
        text = str(value)
        shown = _option_name(param)
        if selection.several and text == "-":
            raise UsageError(
                f"{shown} - (standard output) would mix every account's output",
                hint=f"write one file per account: {shown} exports/{PLACEHOLDER}.csv, or name one account",
            )
        if selection.several and PLACEHOLDER not in text:
            raise UsageError(
                f"{shown} {text[:80]} would be the same file for every account",
                hint=f"put {PLACEHOLDER} in it, e.g. {shown} plans/{PLACEHOLDER}.json, or name one account",
            )
        if not selection.given and PLACEHOLDER in text:
            raise UsageError(
                f"{shown} {text[:80]}: {PLACEHOLDER} is replaced by each account's name, and no account is named",
                hint="add --all or --accounts NAME, or give a plain file name",
            )


def _for_account(kwargs: dict[str, Any], paths: tuple[str, ...], account: str) -> dict[str, Any]:
    """The arguments with ``{account}`` replaced by the account's name in the ``paths`` parameters."""
    replaced = dict(kwargs)
    for param in paths:
        value = kwargs.get(param)
        if value is not None and PLACEHOLDER in str(value):
            replaced[param] = type(value)(str(value).replace(PLACEHOLDER, account))
    return replaced


def _option_name(param: str) -> str:
    context = click.get_current_context(silent=True)
    if context is not None:
        for known in context.command.params:
            if known.name == param:
                return known.opts[0] if isinstance(known, click.Option) else (known.human_readable_name or param)
    return param


def _code(result: object) -> int:
    return result if isinstance(result, int) else EXIT_OK
