"""With the state in a bucket (Settings ``spec.state: s3://…``), the workflow `cjrec init` writes applies and
commits nothing back: ``main`` may be protected, and the state, the lock and the token cache live in S3.

The apply job's shell steps run as in test_pipeline_from_init_to_second_run.py, against `cjrec sandbox`
and moto_server on loopback, with the AWS environment a job would get from its secrets or OIDC role.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from reconciler.sandbox import DEMO_API_KEY, DEMO_EMAIL, Sandbox, SandboxConfig
from tests.gitops.installs import GitInstall
from tests.gitops.test_pipeline_from_init_to_second_run import Repo, initialised_repo
from tests.support.secret_watch import SecretWatch
from tests.support.state_files import bucket_state_document


@pytest.fixture
def repo(tmp_path: Path, secret_watch: SecretWatch, git_install: GitInstall) -> Iterator[Repo]:
    with (
        Sandbox(SandboxConfig(qps=10, products=60, seed=21)) as sandbox,
        initialised_repo(tmp_path, sandbox, secret_watch, git_install) as r,
    ):
        yield r


def test_the_apply_job_records_state_in_the_bucket_and_pushes_no_commit(repo: Repo, s3_bucket: Any) -> None:
    creds = repo.path / "manifests" / "credentials.sops.yaml"
    creds.write_text(
        creds.read_text().replace("you@example.com", DEMO_EMAIL).replace("REPLACE-WITH-YOUR-CJ-API-KEY", DEMO_API_KEY)
    )
    repo.sh("sops", "--encrypt", "--in-place", "manifests/credentials.sops.yaml")
    settings = repo.path / "manifests" / "settings.yaml"
    settings.write_text(settings.read_text() + f"  state: {s3_bucket.url('shop')}\n")
    pids = repo.sandbox.catalog_pids("on_sale")[:2]
    repo.products(pids)
    repo.commit_and_push_to_origin()
    head = repo.sh("git", "rev-parse", "main", cwd=repo.origin).stdout

    apply = repo.runner().run_job("apply", extra_env={**s3_bucket.env, "AWS_EC2_METADATA_DISABLED": "true"})

    assert apply.ok, [(s.name, s.output[-800:]) for s in apply.steps if s.exit_code]
    assert "state/ is unchanged" in apply.step("Commit the state").output
    assert repo.sh("git", "rev-parse", "main", cwd=repo.origin).stdout == head  # nothing pushed
    assert set(bucket_state_document(s3_bucket.url("shop/"))["products"]) == set(pids)
    assert "shop/token.sops.json" in s3_bucket.key_names()
    assert "shop/cjrec.lock" not in s3_bucket.key_names()
