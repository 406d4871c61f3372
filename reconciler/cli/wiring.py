"""Build the concrete pieces (sops, loader, image inspector) and load the configuration.

The one place where adapters and pure logic meet: it reads the manifests, decrypts the
sops-encrypted files in memory, and hands everything to the pure validator.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reconciler.adapters.image_files import inspect_image
from reconciler.adapters.sops import NoKeyError, Sops, SopsUnavailableError
from reconciler.adapters.yaml_loader import load_manifests
from reconciler.errors import Diagnostic, SecretsError
from reconciler.manifest.validator import DocKey, ValidationResult, is_sops_file, validate
from reconciler.models.source_document import SourceDocument


@dataclass(frozen=True)
class Settings:
    """cjrec's own configuration, from options and CJREC_* environment variables."""

    manifests: Path
    state_dir: Path
    api_url: str
    sops_binary: str | None
    debug: bool
    color: bool


def load_configuration(*, manifests: Path, sops: Sops, need_secrets: bool) -> ValidationResult:
    """Read, decrypt and validate the manifests below ``manifests``.

    With ``need_secrets`` a missing sops key is an error; without it (``validate``) the
    structure is still checked and the result notes that secret values were not.
    """
    loaded = load_manifests(manifests)
    problems = list(loaded.problems)
    by_file: dict[Path, list[SourceDocument]] = defaultdict(list)
    for doc in loaded.documents:
        by_file[doc.file].append(doc)
    plaintext: dict[DocKey, Any] = {}
    secrets_checked = True
    for file, docs in by_file.items():
        if not any(is_sops_file(doc) for doc in docs):
            continue
        display = docs[0].display
        try:
            decrypted = sops.decrypt_documents(file, display=display)
        except NoKeyError as exc:
            if need_secrets:
                problems.append(Diagnostic(display, None, "", f"{_no_prefix(exc.message, display)}; {exc.hint}"))
            secrets_checked = False
            continue
        except SopsUnavailableError:
            raise
        except SecretsError as exc:
            hint = f"; {exc.hint}" if exc.hint else ""
            problems.append(Diagnostic(display, None, "", _no_prefix(exc.message, display) + hint))
            continue
        if len(decrypted) != len(docs):
            problems.append(
                Diagnostic(display, None, "", "sops returned a different number of documents than the file holds")
            )
            continue
        for doc, data in zip(docs, decrypted, strict=True):
            plaintext[(doc.file, doc.index)] = data
    return validate(
        loaded.documents,
        plaintext=plaintext,
        secrets_checked=secrets_checked,
        inspect_image=inspect_image,
        load_problems=problems,
    )


def _no_prefix(message: str, display: str) -> str:
    prefix = f"{display}: "
    return message[len(prefix) :] if message.startswith(prefix) else message
