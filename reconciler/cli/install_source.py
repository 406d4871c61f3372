"""The pip requirement a CI job should install to get the cjrec that is running now.

`cjrec init` writes this line into the pipelines it scaffolds. It is derived from how this
cjrec was installed, as pip records it (PEP 610 ``direct_url.json`` in the distribution's
metadata): from a VCS → ``git+URL@<full commit>`` (a branch or tag moves, a commit does
not); from a package index (no ``direct_url.json``) → ``cjrec==<version>``; from a wheel or
sdist at an http(s) URL → ``cjrec @ URL``. A local folder, an editable install or a local
archive cannot be reached from a CI runner: the line then falls back to
``cjrec==<version>`` and says so (a warning, and a comment in the written file), naming
``cjrec init --install SPEC``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import metadata
from typing import Any

from reconciler.errors import UsageError

DISTRIBUTION = "cjrec"


@dataclass(frozen=True)
class InstallLine:
    """The requirement to write, and why it may need checking (``warning`` is None when it is sure)."""

    spec: str
    origin: str  # where the running cjrec came from, as a noun phrase ("a package index")
    warning: str | None = None


def install_line(direct_url: dict[str, Any] | None, *, version: str, installed: bool = True) -> InstallLine:
    """The requirement for an installation described by ``direct_url`` (pure: the caller reads the file)."""
    pinned = f"{DISTRIBUTION}=={version}"
    if not installed:
        return _unreachable(pinned, "a source tree that pip did not install")
    if direct_url is None:
        return InstallLine(pinned, "a package index")
    url = str(direct_url.get("url") or "")
    vcs = direct_url.get("vcs_info")
    subdirectory = direct_url.get("subdirectory")
    fragment = f"#subdirectory={subdirectory}" if isinstance(subdirectory, str) and subdirectory else ""
    if isinstance(vcs, dict) and url:
        kind = str(vcs.get("vcs") or "git")
        commit = vcs.get("commit_id")
        if isinstance(commit, str) and commit:
            return InstallLine(f"{kind}+{url}@{commit}{fragment}", f"{kind} ({url}, commit {commit[:12]})")
        return _unreachable(pinned, f"{kind} without a recorded commit")
    if isinstance(direct_url.get("dir_info"), dict):
        editable = bool(direct_url["dir_info"].get("editable"))
        return _unreachable(pinned, f"a local folder{' (editable)' if editable else ''}")
    if isinstance(direct_url.get("archive_info"), dict) and url:
        if url.startswith(("https://", "http://")):
            return InstallLine(f"{DISTRIBUTION} @ {url}{fragment}", f"an archive at {url}")
        return _unreachable(pinned, "a local archive")
    return _unreachable(pinned, "a place pip recorded in a form cjrec does not read (direct_url.json)")


def _unreachable(pinned: str, why: str) -> InstallLine:
    return InstallLine(
        pinned,
        why,
        warning=(
            f"cjrec was installed from {why}, which a CI runner cannot install from; the pipelines install {pinned!r} instead. "
            "Check that line, or run `cjrec init --install SPEC` (e.g. --install 'git+https://github.com/OWNER/cjrec@v1.2.0')"
        ),
    )


def running_install_line(version: str) -> InstallLine:
    """The requirement for the cjrec that is running (reads its ``direct_url.json``)."""
    found = list(metadata.distributions(name=DISTRIBUTION))
    if not found:
        return install_line(None, version=version, installed=False)
    # an installer's record (INSTALLER, PEP 376) beats build residue such as a cjrec.egg-info in the working directory
    dist = next((d for d in found if d.read_text("INSTALLER") is not None), found[0])
    raw = dist.read_text("direct_url.json")
    if raw is None:
        return install_line(None, version=dist.version)
    try:
        parsed = json.loads(raw)
    except ValueError:
        parsed = {}
    return install_line(parsed if isinstance(parsed, dict) else {}, version=dist.version)


def given_install_line(spec: str) -> InstallLine:
    """``--install SPEC``, written as given once it is one printable line."""
    text = spec.strip()
    if not text or any(ord(ch) < 32 or ord(ch) == 127 for ch in text):
        raise UsageError(
            f"--install {spec[:60]!r} is not a pip requirement on one line",
            hint="e.g. --install cjrec==1.2.0, --install 'git+https://github.com/OWNER/cjrec@v1.2.0' or a wheel URL",
        )
    return InstallLine(text, "--install")
