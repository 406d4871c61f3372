"""``cjrec init [DIR]``: scaffold a configuration repository, never overwriting a file.

Writes the manifests (a Credentials template to fill in and encrypt, example Products,
Logo and Settings), ``.sops.yaml`` rules covering the manifests and the token cache,
``state/``, the CI pipelines (GitHub Actions and GitLab CI) and a pre-commit
configuration. It uses the user's age key when there is one (SOPS_AGE_KEY,
SOPS_AGE_KEY_FILE or sops' default key file), and otherwise makes one: the private key goes
to sops' default key file with mode 0600, never into the repository.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import click

from reconciler import __version__
from reconciler.cli.console import Console
from reconciler.cli.context import AppContext
from reconciler.cli.install_source import InstallLine, given_install_line, running_install_line
from reconciler.errors import EXIT_OK, UsageError

CREDENTIALS_TEMPLATE = """\
# yaml-language-server: $schema=../schema/cjrec-v1.json
# Fill in your CJ account's email and API key (CJ: My CJ > Authorization > API), then
# encrypt this file before committing it:
#     sops --encrypt --in-place manifests/credentials.sops.yaml
# cjrec refuses to run while it is in plaintext.
apiVersion: cjrec/v1
kind: Credentials
metadata: {name: main}
spec:
  email: you@example.com
  apiToken: REPLACE-WITH-YOUR-CJ-API-KEY
"""

PRODUCTS_TEMPLATE = """\
# yaml-language-server: $schema=../schema/cjrec-v1.json
# The CJ products this store sells, by their CJ URL (both URL forms work).
apiVersion: cjrec/v1
kind: Products
metadata: {name: storefront}
spec:
  items:
    - productUrl: https://cjdropshipping.com/product/mens-t-shirt-p-2503190327561613000.html
      logo: brand   # print-on-demand products print this logo
"""

LOGOS_TEMPLATE = """\
# yaml-language-server: $schema=../schema/cjrec-v1.json
# Print-on-demand logos. Use `file: logos/brand.png` for an image kept in this repository
# (with `publicUrl:` where it is hosted), or `url:` for an image already online.
apiVersion: cjrec/v1
kind: Logo
metadata: {name: brand}
spec:
  url: https://cdn.example.com/brand.png
  default: true
"""

SETTINGS_TEMPLATE = """\
# yaml-language-server: $schema=../schema/cjrec-v1.json
apiVersion: cjrec/v1
kind: Settings
spec:
  qps: auto            # the account's rate as CJ reports it (Free 1, Plus 2, Prime 4, Advanced 6), or a number
  pointsBudget: 20000  # most API points one run may spend (CJ gives 50,000 a day)
  # refreshBudget: 20000          # points a refresh spends on product details (10 each), oldest checks first
  # drift: {costChangePercent: 10} # the daily drift job fails only for material drift
  # receiverToken: …              # `cjrec receive`'s path token: only encrypted (rename this file
  #                               # settings.sops.yaml, then sops --encrypt --in-place; README "Webhooks")
"""

SOPS_RULES = """\
# sops rules: the secret fields of the manifests, and the whole token cache in state/.
creation_rules:
  - path_regex: manifests/.*\\.sops\\.ya?ml$
    encrypted_regex: ^(email|apiToken|accessToken|refreshToken|receiverToken|clientId|clientSecret|consumerKey|consumerSecret)$
    age: {recipient}
  - path_regex: state/token\\.sops\\.json$
    age: {recipient}
"""

STATE_GITIGNORE = "# the lock is per run, never committed\n*.lock\n"
STATE_README = (
    "# state/\n\ncjrec's sync state (`sync.json`, no secrets) and the sops-encrypted token cache\n"
    "(`token.sops.json`). CI commits this folder after every apply.\n"
)
ROOT_GITIGNORE = "# saved plans and local virtualenvs\nplan.json\nplan.md\n.venv/\n"


@dataclass
class Scaffold:
    """What init wrote and what it kept."""

    written: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)

    def file(self, root: Path, relpath: str, content: str | bytes, *, mode: int = 0o644) -> None:
        path = root / relpath
        if path.exists():
            self.kept.append(relpath)
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        data = content.encode() if isinstance(content, str) else content
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        self.written.append(relpath)


PACKAGE_PLACEHOLDER = "@CJREC_PACKAGE@"


def template(name: str, install: InstallLine | None = None) -> str:
    """A packaged template, with the pip requirement the CI jobs install cjrec with filled in.

    The requirement is written once, as one variable, as a JSON string (a valid YAML
    double-quoted scalar whatever it holds). When it may not be installable from CI, a
    comment above it says why and how to fix it.
    """
    line = install or InstallLine(f"cjrec=={__version__}", "this version")
    text = resources.files("reconciler.templates").joinpath(name).read_text(encoding="utf-8")
    out: list[str] = []
    for raw in text.splitlines(keepends=True):
        written = raw
        if f'"{PACKAGE_PLACEHOLDER}"' in raw:
            indent = raw[: len(raw) - len(raw.lstrip())]
            if line.warning:
                out.append(f"{indent}# CHECK THIS LINE: cjrec came from {line.origin}; a CI runner cannot install from there.\n")
                out.append(f"{indent}# Set a requirement it can reach (cjrec==X.Y.Z, git+https://…@TAG, a wheel URL),\n")
                out.append(f"{indent}# or write this file again with `cjrec init --install SPEC`.\n")
            written = raw.replace(f'"{PACKAGE_PLACEHOLDER}"', json.dumps(line.spec))
        out.append(written)
    return "".join(out).replace("@CJREC_VERSION@", __version__)


def editor_schema() -> str:
    """The JSON Schema of the manifests shipped in the package (what `cjrec schema` prints), for editors."""
    return resources.files("reconciler.schemas").joinpath("cjrec-v1.json").read_text(encoding="utf-8")


CI_FILES = (".github/workflows/cjrec.yml", ".gitlab-ci.yml")


def _report_scaffold(
    console: Console, root: Path, done: Scaffold, install: InstallLine, *, origin: str, recipient: str | None
) -> None:
    """What init wrote and kept, the notes on the schema and the install line, and the age key it used."""
    for path in done.written:
        console.out(f"  created  {path}")
    for path in done.kept:
        console.out(f"  kept     {path} (exists)")
    _report_schema_and_install(console, root, done, install)
    console.out(f"\nage key: {origin}" + (f"\n  public key {recipient}" if recipient else ""))


def _report_schema_and_install(console: Console, root: Path, done: Scaffold, install: InstallLine) -> None:
    """Notes on a kept schema copy from another version, and on the install line the pipelines got (or not)."""
    schema_file = root / "schema" / "cjrec-v1.json"
    if "schema/cjrec-v1.json" in done.kept and schema_file.read_text(encoding="utf-8", errors="replace") != editor_schema():
        console.note(
            "schema/cjrec-v1.json differs from this cjrec's schema: refresh it with `cjrec schema --out schema/cjrec-v1.json`"
        )
    given = install.origin == "--install"
    if given and any(path in done.kept for path in CI_FILES):
        kept = " and ".join(path for path in CI_FILES if path in done.kept)
        console.note(f"{kept} kept as it is: to install {install.spec!r} there, set CJREC_PACKAGE in it")
    if any(path in done.written for path in CI_FILES):
        how = "as given" if given else f"this cjrec came from {install.origin}"
        console.out(f"\nCI installs cjrec with: {install.spec}  ({how})")
        if install.warning:
            console.warning(install.warning)


def default_key_file() -> Path:
    """sops' default age key file: $XDG_CONFIG_HOME/sops/age/keys.txt (~/.config on Linux)."""
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "sops" / "age" / "keys.txt"


def existing_recipient() -> tuple[str, str] | None:
    """(public key, where it came from) of the user's age key, if there is one."""
    from pyrage import x25519

    candidates: list[tuple[str, str]] = []
    if os.environ.get("SOPS_AGE_KEY"):
        candidates.append((os.environ["SOPS_AGE_KEY"], "SOPS_AGE_KEY"))
    for name, path in (
        ("SOPS_AGE_KEY_FILE", os.environ.get("SOPS_AGE_KEY_FILE")),
        ("the default key file", str(default_key_file())),
    ):
        if path and Path(path).is_file():
            candidates.append((Path(path).read_text(encoding="utf-8"), f"{name} ({path})"))
    for text, origin in candidates:
        for raw in text.splitlines():
            line = raw.strip()
            if line.startswith("AGE-SECRET-KEY-"):
                try:
                    return str(x25519.Identity.from_str(line).to_public()), origin
                except Exception:  # noqa: BLE001,S112 - a malformed line: try the next one
                    continue
    return None


def new_key() -> tuple[str, Path]:
    """Make an age key, append it to sops' default key file (mode 0600); return (public key, file)."""
    from pyrage import x25519

    identity = x25519.Identity.generate()
    public = str(identity.to_public())
    path = default_key_file()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(fd, "a", encoding="utf-8") as handle:
        handle.write(f"# created by cjrec init\n# public key: {public}\n{identity}\n")
    os.chmod(path, 0o600)
    return public, path


@click.command("init")
@click.argument("directory", required=False, default=".", type=click.Path(path_type=Path, file_okay=False))
@click.option("--age-recipient", help="Encrypt to this age public key (e.g. your team's) instead of your own.")
@click.option(
    "--install",
    "install_spec",
    metavar="SPEC",
    help="The pip requirement the CI jobs install cjrec with (cjrec==1.2.0, git+https://…@v1.2.0, a wheel URL). "
    "Default: derived from how this cjrec was installed.",
)
@click.option(
    "--accounts",
    "account_names",
    metavar="A,B",
    default=None,
    help="A repository of many CJ accounts: accounts/<name>/manifests for each, common/ for what they share, "
    "and CI that plans and applies each touched account in its own matrix job.",
)
@click.pass_obj
def init(
    obj: AppContext, directory: Path, age_recipient: str | None, install_spec: str | None, account_names: str | None
) -> int:
    """Scaffold a cjrec configuration repository in DIRECTORY (default: here). Never overwrites a file."""
    names = _account_names(account_names) if account_names is not None else None
    install = given_install_line(install_spec) if install_spec is not None else running_install_line(__version__)
    root = directory
    root.mkdir(parents=True, exist_ok=True)
    if age_recipient:
        if not age_recipient.startswith("age1"):
            raise UsageError(f"{age_recipient[:20]!r} is not an age public key (age1…)")
        recipient, origin = age_recipient, "--age-recipient"
    else:
        found = existing_recipient()
        if found is not None:
            recipient, origin = found
        elif (root / ".sops.yaml").exists():
            recipient, origin = "", ".sops.yaml (kept)"
        else:
            recipient, key_file = new_key()
            origin = f"a new key in {key_file} (mode 0600; back it up, and add it as the CI secret SOPS_AGE_KEY)"
    done = Scaffold()
    if names is not None:
        return _init_accounts(obj, root, names, recipient, origin, install, done)
    done.file(root, "manifests/credentials.sops.yaml", CREDENTIALS_TEMPLATE)
    done.file(root, "manifests/products.yaml", PRODUCTS_TEMPLATE)
    done.file(root, "manifests/logos.yaml", LOGOS_TEMPLATE)
    done.file(root, "manifests/settings.yaml", SETTINGS_TEMPLATE)
    if recipient:
        done.file(root, ".sops.yaml", SOPS_RULES.format(recipient=recipient))
    done.file(root, "schema/cjrec-v1.json", editor_schema())
    done.file(root, "state/.gitignore", STATE_GITIGNORE)
    done.file(root, "state/README.md", STATE_README)
    done.file(root, ".github/workflows/cjrec.yml", template("github-workflow.yml", install))
    done.file(root, ".gitlab-ci.yml", template("gitlab-ci.yml", install))
    done.file(root, ".pre-commit-config.yaml", template("pre-commit-config.yaml"))
    done.file(root, ".gitignore", ROOT_GITIGNORE)
    console = obj.console
    _report_scaffold(console, root, done, install, origin=origin, recipient=recipient)
    where = "" if root.resolve() == Path.cwd().resolve() else f"cd {directory} && "
    console.success("\nNext:")
    console.out(
        f"  1. {where}$EDITOR manifests/credentials.sops.yaml && sops --encrypt --in-place manifests/credentials.sops.yaml"
    )
    console.out(f"  2. {where}cjrec plan")
    console.out(f"  3. {where}cjrec apply")
    return EXIT_OK


def _account_names(text: str) -> list[str]:
    from reconciler.cli.accounts import valid_account_name

    names = list(dict.fromkeys(name.strip() for name in text.split(",") if name.strip()))
    bad = [name for name in names if not valid_account_name(name)]
    if not names or bad:
        raise UsageError(
            f"--accounts: {', '.join(repr(name[:40]) for name in bad) or 'no name given'}",
            hint="name the accounts with lower-case letters, digits, - and _, separated by commas (e.g. --accounts eu,us)",
        )
    return names


def account_sops_rules(names: list[str], recipient: str) -> str:
    """One rule per account path, so each account's files (and token cache) can have its own age key."""
    rules = ["# sops rules, one per account: give each account its own age key by changing its `age:`.", "creation_rules:"]
    for name in names:
        rules += [
            f"  - path_regex: accounts/{name}/manifests/.*\\.sops\\.ya?ml$",
            "    encrypted_regex: ^(email|apiToken|accessToken|refreshToken|receiverToken)$",
            f"    age: {recipient}",
            f"  - path_regex: accounts/{name}/state/token\\.sops\\.json$",
            f"    age: {recipient}",
        ]
    return "\n".join(rules) + "\n"


def _init_accounts(
    obj: AppContext, root: Path, names: list[str], recipient: str, origin: str, install: InstallLine, done: Scaffold
) -> int:
    """The many-account layout: accounts/<name>/{manifests,state}, common/, per-account sops rules and matrix CI."""
    for name in names:
        base = f"accounts/{name}"
        schema_up = "../../../schema/cjrec-v1.json"
        done.file(root, f"{base}/manifests/credentials.sops.yaml", _reschema(CREDENTIALS_TEMPLATE, schema_up).replace(
            "manifests/credentials.sops.yaml", f"{base}/manifests/credentials.sops.yaml"))
        done.file(root, f"{base}/manifests/settings.yaml", _reschema(SETTINGS_TEMPLATE, schema_up))
        done.file(root, f"{base}/state/.gitignore", STATE_GITIGNORE)
    done.file(root, "common/products.yaml", PRODUCTS_TEMPLATE)
    done.file(root, "common/logos.yaml", LOGOS_TEMPLATE)
    if recipient:
        done.file(root, ".sops.yaml", account_sops_rules(names, recipient))
    done.file(root, "schema/cjrec-v1.json", editor_schema())
    matrix = ", ".join(json.dumps(name) for name in names)
    done.file(root, ".github/workflows/cjrec.yml", template("github-workflow-accounts.yml", install))
    done.file(root, ".gitlab-ci.yml", template("gitlab-ci-accounts.yml", install).replace("@CJREC_ACCOUNTS@", matrix))
    done.file(root, ".pre-commit-config.yaml", template("pre-commit-config.yaml"))
    done.file(root, ".gitignore", ROOT_GITIGNORE)
    console = obj.console
    _report_scaffold(console, root, done, install, origin=origin, recipient=recipient)
    console.success("\nNext:")
    console.out("  1. fill in and encrypt each accounts/<name>/manifests/credentials.sops.yaml (sops --encrypt --in-place)")
    console.out("  2. on GitHub, make one Environment per account, named after it, with its SOPS_AGE_KEY secret")
    console.out("  3. cjrec plan --all")
    return EXIT_OK


def _reschema(text: str, schema: str) -> str:
    return text.replace("$schema=../schema/cjrec-v1.json", f"$schema={schema}")
