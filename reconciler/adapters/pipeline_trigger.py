"""Starting the configuration repository's drift job from outside CI: GitHub or GitLab.

Used by ``cjrec receive --dispatch github|gitlab`` (through ``reconciler/receiver/dispatch.py``,
which decides *when*): after CJ's messages arrive, one call asks the CI service to run the
drift job, which reads the messages as hints (``apply --refresh-only``).

- GitHub: ``POST {api}/repos/OWNER/REPO/dispatches`` with ``{"event_type": "cjrec-events"}``
  and a token allowed to write the repository's contents (204 when accepted); the workflow
  ``cjrec init`` writes runs its drift job on ``repository_dispatch: types: [cjrec-events]``.
- GitLab: ``POST {api}/projects/ID/trigger/pipeline`` with a pipeline trigger token and the
  ref (201 when accepted); the ``.gitlab-ci.yml`` ``cjrec init`` writes runs its drift job
  when ``$CI_PIPELINE_SOURCE == "trigger"``.

Everything comes from the environment (:data:`GITHUB_VARIABLES`, :data:`GITLAB_VARIABLES`),
the API base URL too, so a test can point it at a loopback stand-in. The token is held as a
:class:`~reconciler.models.secret.Secret` and sent only in the request: no error, log line or
``display`` holds it. A failure is a :class:`PipelineTriggerError` naming the call and the
reason; the caller logs it and tries again later.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import quote, urlsplit

import requests

from reconciler.errors import CjrecError, UsageError
from reconciler.models.secret import Secret
from reconciler.safe_text import for_terminal

EVENT_TYPE = "cjrec-events"
TIMEOUT_S = 10.0

GITHUB_TOKEN = "CJREC_GITHUB_TOKEN"  # noqa: S105 - the variable's name, not a token
GITHUB_REPOSITORY = "CJREC_GITHUB_REPOSITORY"
GITHUB_API_URL = "CJREC_GITHUB_API_URL"
GITHUB_DEFAULT_API = "https://api.github.com"
GITLAB_TOKEN = "CJREC_GITLAB_TRIGGER_TOKEN"  # noqa: S105 - the variable's name, not a token
GITLAB_PROJECT = "CJREC_GITLAB_PROJECT"
GITLAB_REF = "CJREC_GITLAB_REF"
GITLAB_API_URL = "CJREC_GITLAB_API_URL"
GITLAB_DEFAULT_API = "https://gitlab.com/api/v4"

GITHUB_VARIABLES = {
    GITHUB_TOKEN: "a token that may write the repository's contents (fine-grained: Contents read and write)",
    GITHUB_REPOSITORY: "OWNER/REPO of the configuration repository",
    GITHUB_API_URL: f"optional, default {GITHUB_DEFAULT_API} (GitHub Enterprise: https://HOST/api/v3)",
}
GITLAB_VARIABLES = {
    GITLAB_TOKEN: "a pipeline trigger token of the project (Settings > CI/CD > Pipeline trigger tokens)",
    GITLAB_PROJECT: "the project's numeric ID or its path (group/project)",
    GITLAB_REF: "optional, default main: the branch the drift pipeline runs on",
    GITLAB_API_URL: f"optional, default {GITLAB_DEFAULT_API} (self-managed: https://HOST/api/v4)",
}

_REPOSITORY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,38}/[A-Za-z0-9._-]{1,100}$")
_PROJECT = re.compile(r"^(\d+|[A-Za-z0-9_.][A-Za-z0-9_./-]{0,254})$")
_REF = re.compile(r"^[A-Za-z0-9._/-]{1,200}$")
_LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})


class PipelineTriggerError(CjrecError):
    """The CI service did not accept the trigger (the receiver logs it and tries again later)."""


class PipelineTrigger(Protocol):
    """One way to start the drift job."""

    display: str  # what is triggered, for log lines (never the token)

    def start(self, *, messages: int) -> None:
        """Ask for one run of the drift job; PipelineTriggerError when it was not accepted."""
        ...


@dataclass(frozen=True)
class _Target:
    """A trigger's call: the URL, how it is sent, what it says of itself."""

    url: str
    display: str


class _HttpTrigger:
    """The call and its failure handling, shared by the GitHub and GitLab triggers."""

    display: str

    def __init__(
        self, *, api_url: str, path: str, token: Secret, session: requests.Session | None, timeout_s: float
    ) -> None:
        self._target = _Target(api_url.rstrip("/") + path, f"{_host(api_url)}{path}")
        self._token = token
        self._session = session or requests.Session()
        self._timeout_s = timeout_s

    def _post(self, **kwargs: object) -> None:
        target, token = self._target, self._token
        what = f"POST {target.display}"
        try:
            answer = self._session.post(target.url, timeout=self._timeout_s, allow_redirects=False, **kwargs)  # type: ignore[arg-type]
        except requests.RequestException as exc:
            raise PipelineTriggerError(
                f"{what}: no answer ({type(exc).__name__})", hint="the receiver tries again at the next interval"
            ) from None
        if not 200 <= answer.status_code < 300:
            body = answer.text.replace(token.reveal(), "(sensitive)")  # an API that echoes what it got
            said = for_terminal(body, limit=160) if body.strip() else "no body"
            raise PipelineTriggerError(f"{what}: HTTP {answer.status_code} ({said})", hint=_hint(answer.status_code))


def _hint(status: int) -> str:
    if status in (401, 403, 404):
        return "check the token (its scope or expiry) and the repository or project it names; tried again at the next interval"
    return "the receiver tries again at the next interval"


class GitHubDispatch(_HttpTrigger):
    """``repository_dispatch`` with event type :data:`EVENT_TYPE`."""

    def __init__(
        self,
        *,
        api_url: str,
        repository: str,
        token: Secret,
        session: requests.Session | None = None,
        timeout_s: float = TIMEOUT_S,
    ) -> None:
        path = f"/repos/{repository}/dispatches"
        super().__init__(api_url=api_url, path=path, token=token, session=session, timeout_s=timeout_s)
        self.display = f"GitHub {repository} (repository_dispatch {EVENT_TYPE})"

    def start(self, *, messages: int) -> None:
        self._post(
            json={"event_type": EVENT_TYPE, "client_payload": {"messages": messages}},
            headers={
                "Accept": "application/vnd.github+json",
                "Authorization": f"Bearer {self._token.reveal()}",
                "X-GitHub-Api-Version": "2022-11-28",
            },
        )


class GitLabTrigger(_HttpTrigger):
    """A pipeline trigger with ``CJREC_EVENTS=1`` among its variables."""

    def __init__(
        self,
        *,
        api_url: str,
        project: str,
        ref: str,
        token: Secret,
        session: requests.Session | None = None,
        timeout_s: float = TIMEOUT_S,
    ) -> None:
        path = f"/projects/{quote(project, safe='')}/trigger/pipeline"
        super().__init__(api_url=api_url, path=path, token=token, session=session, timeout_s=timeout_s)
        self.display = f"GitLab project {project} (pipeline trigger on {ref})"
        self._ref = ref

    def start(self, *, messages: int) -> None:
        self._post(
            data={"token": self._token.reveal(), "ref": self._ref, "variables[CJREC_EVENTS]": str(messages)},
        )


def _host(api_url: str) -> str:
    parts = urlsplit(api_url)
    return f"{parts.netloc}{parts.path.rstrip('/')}"


def trigger_from_environment(service: str, env: Mapping[str, str]) -> PipelineTrigger:
    """The trigger ``--dispatch SERVICE`` uses, from the environment; UsageError naming what is missing or wrong."""
    if service == "github":
        token = Secret(_required(env, GITHUB_TOKEN, GITHUB_VARIABLES))
        repository = _required(env, GITHUB_REPOSITORY, GITHUB_VARIABLES)
        if not _REPOSITORY.match(repository):
            raise UsageError(f"{GITHUB_REPOSITORY} must be OWNER/REPO (got {for_terminal(repository, limit=80)!r})")
        api = _api_url(env, GITHUB_API_URL, GITHUB_DEFAULT_API)
        return GitHubDispatch(api_url=api, repository=repository, token=token)
    if service == "gitlab":
        token = Secret(_required(env, GITLAB_TOKEN, GITLAB_VARIABLES))
        project = _required(env, GITLAB_PROJECT, GITLAB_VARIABLES)
        if not _PROJECT.match(project):
            raise UsageError(
                f"{GITLAB_PROJECT} must be a project ID or group/project path (got {for_terminal(project, limit=80)!r})"
            )
        ref = env.get(GITLAB_REF, "").strip() or "main"
        if not _REF.match(ref):
            raise UsageError(f"{GITLAB_REF} must be a branch name (got {for_terminal(ref, limit=80)!r})")
        api = _api_url(env, GITLAB_API_URL, GITLAB_DEFAULT_API)
        return GitLabTrigger(api_url=api, project=project, ref=ref, token=token)
    raise UsageError(f"--dispatch must be github or gitlab (got {service!r})")


def _required(env: Mapping[str, str], name: str, variables: Mapping[str, str]) -> str:
    """The variable's value; UsageError listing every variable the service needs when it is missing."""
    value = env.get(name, "").strip()
    if not value:
        needed = "; ".join(f"{key}: {what}" for key, what in variables.items())
        raise UsageError(f"{name} is not set: --dispatch needs it", hint=f"export {needed}")
    if any(ch.isspace() for ch in value):
        raise UsageError(f"{name} must be one word without spaces")
    return value


def _api_url(env: Mapping[str, str], name: str, default: str) -> str:
    value = env.get(name, "").strip() or default
    parts = urlsplit(value)
    secure = parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in _LOOPBACK)
    if not secure or not parts.hostname or parts.query or parts.fragment:
        raise UsageError(
            f"{name} must be an https:// API base URL (http:// only on loopback, for tests); got {for_terminal(value, limit=80)!r}"
        )
    return value
