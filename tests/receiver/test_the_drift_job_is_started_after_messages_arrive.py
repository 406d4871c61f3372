"""``cjrec receive --dispatch``: new messages start the drift job, at most once an interval, never holding up a 200.

The dispatcher is driven by a fake clock (no test sleeps); the GitHub and GitLab calls go to a
loopback stand-in (tests/support/ci_service.py) that records exactly what was sent.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from urllib.parse import parse_qs

import pytest

from reconciler.adapters.pipeline_trigger import (
    GitHubDispatch,
    GitLabTrigger,
    PipelineTriggerError,
    trigger_from_environment,
)
from reconciler.errors import UsageError
from reconciler.models.secret import Secret
from reconciler.receiver.dispatch import Dispatcher
from tests.receiver.helpers import OPEN_ID, call, make_app, product_message, signed
from tests.support.ci_service import CiService
from tests.support.client_fakes import FakeClock
from tests.support.secret_watch import SecretWatch

CI_TOKEN = "ghp_" + "Q7w8E9r0T1y2U3i4O5p6A7s8D9f0G1h2J3k4"


class FakeTrigger:
    """Records each start; fails while ``failing``."""

    display = "the test's drift job"

    def __init__(self) -> None:
        self.starts: list[int] = []
        self.failing = False

    def start(self, *, messages: int) -> None:
        if self.failing:
            raise PipelineTriggerError("POST ci.test/dispatches: HTTP 502 (bad gateway)")
        self.starts.append(messages)


def _dispatcher(clock: FakeClock, trigger: FakeTrigger, interval_s: float = 300) -> Dispatcher:
    return Dispatcher(trigger=trigger, clock=clock, interval_s=interval_s, settle_s=10)


def test_a_message_starts_the_job_once_the_burst_it_opens_has_settled() -> None:
    clock, trigger = FakeClock(), FakeTrigger()
    dispatcher = _dispatcher(clock, trigger)
    assert not dispatcher.tick() and dispatcher.due_in() is None  # nothing waits: nothing starts
    dispatcher.noted()
    clock.advance(9)
    dispatcher.noted()  # the VARIANT message of the same change
    assert not dispatcher.tick() and trigger.starts == []
    clock.advance(1)
    assert dispatcher.tick() and trigger.starts == [2]
    assert dispatcher.waiting == 0 and not dispatcher.tick() and trigger.starts == [2]


def test_messages_arriving_within_the_interval_start_one_job_when_it_ends() -> None:
    clock, trigger = FakeClock(), FakeTrigger()
    dispatcher = _dispatcher(clock, trigger)
    dispatcher.noted()
    clock.advance(10)
    assert dispatcher.tick()
    for _ in range(29):  # a message every 10 s for the rest of the 5 minutes
        clock.advance(10)
        dispatcher.noted()
        dispatcher.tick()
    assert trigger.starts == [1]  # at most once per interval
    assert dispatcher.due_in() == pytest.approx(10)  # 300 s after the first start
    clock.advance(10)
    assert dispatcher.tick() and trigger.starts == [1, 29]


def test_a_failed_start_is_logged_and_tried_again_at_the_next_interval(caplog: pytest.LogCaptureFixture) -> None:
    clock, trigger = FakeClock(), FakeTrigger()
    dispatcher = _dispatcher(clock, trigger, interval_s=120)
    trigger.failing = True
    dispatcher.noted(3)
    clock.advance(10)
    with caplog.at_level(logging.INFO, logger="cjrec.receiver.dispatch"):
        assert not dispatcher.tick()
    assert "could not start the drift job" in caplog.text and "HTTP 502" in caplog.text
    assert "3 message(s) wait, next try in 120 s" in caplog.text
    trigger.failing = False
    clock.advance(119)
    assert not dispatcher.tick() and trigger.starts == []  # not before the interval
    dispatcher.noted()
    clock.advance(1)
    assert dispatcher.tick() and trigger.starts == [4]  # nothing noted was dropped
    assert dispatcher.counts.failed == 1 and dispatcher.counts.accepted == 1


def test_a_message_noted_while_the_job_is_being_started_waits_for_the_next_interval() -> None:
    clock, trigger = FakeClock(), FakeTrigger()
    dispatcher = _dispatcher(clock, trigger)

    class SlowTrigger(FakeTrigger):
        def start(self, *, messages: int) -> None:
            dispatcher.noted()  # CJ's next message arrives during the call to GitHub
            super().start(messages=messages)

    dispatcher.trigger = slow = SlowTrigger()
    dispatcher.noted()
    clock.advance(10)
    assert dispatcher.tick() and slow.starts == [1] and dispatcher.waiting == 1
    clock.advance(300)
    assert dispatcher.tick() and slow.starts == [1, 1] and dispatcher.waiting == 1


def test_the_app_answers_200_without_calling_the_trigger_and_counts_only_new_messages_the_job_acts_on(
    tmp_path: Path,
) -> None:
    clock, trigger = FakeClock(), FakeTrigger()
    trigger.failing = True  # a CI service that is down changes nothing for CJ
    dispatcher = _dispatcher(clock, trigger)
    app = make_app(tmp_path, clock, dispatcher=dispatcher)
    body = product_message("m-1")
    for _ in range(3):  # CJ's retries of one message
        assert call(app, body, headers=signed(body))[0] == 200
    order = json.dumps({"messageId": "o-1", "type": "ORDER", "messageType": "UPDATE", "params": {}}).encode()
    assert call(app, order, headers=signed(order))[0] == 200
    bad = product_message("m-2")
    assert call(app, bad, headers=signed(bad, "wrong"))[0] == 401
    assert dispatcher.waiting == 1 and trigger.starts == []
    assert OPEN_ID not in json.dumps(dispatcher.counts.__dict__)


def test_github_gets_a_repository_dispatch_of_cjrec_events(secret_watch: SecretWatch) -> None:
    secret_watch.secrets.add(CI_TOKEN)
    with CiService() as ci:
        env = {"CJREC_GITHUB_TOKEN": CI_TOKEN, "CJREC_GITHUB_REPOSITORY": "shop/config", "CJREC_GITHUB_API_URL": ci.url}
        trigger = trigger_from_environment("github", env)
        assert isinstance(trigger, GitHubDispatch) and CI_TOKEN not in trigger.display
        trigger.start(messages=5)
    [sent] = ci.requests
    assert sent.path == "/repos/shop/config/dispatches"
    assert sent.headers["authorization"] == f"Bearer {CI_TOKEN}"
    assert sent.headers["accept"] == "application/vnd.github+json"
    assert json.loads(sent.body) == {"event_type": "cjrec-events", "client_payload": {"messages": 5}}


def test_gitlab_gets_a_pipeline_trigger_on_the_ref(secret_watch: SecretWatch) -> None:
    secret_watch.secrets.add(CI_TOKEN)
    with CiService() as ci:
        env = {
            "CJREC_GITLAB_TRIGGER_TOKEN": CI_TOKEN,
            "CJREC_GITLAB_PROJECT": "shop/config",
            "CJREC_GITLAB_REF": "production",
            "CJREC_GITLAB_API_URL": ci.url + "/api/v4",
        }
        trigger = trigger_from_environment("gitlab", env)
        assert isinstance(trigger, GitLabTrigger)
        trigger.start(messages=2)
    [sent] = ci.requests
    assert sent.path == "/api/v4/projects/shop%2Fconfig/trigger/pipeline"
    form = parse_qs(sent.body.decode())
    assert form == {"token": [CI_TOKEN], "ref": ["production"], "variables[CJREC_EVENTS]": ["2"]}


@pytest.mark.parametrize("status", [401, 404, 422, 500])
def test_a_refused_trigger_names_the_call_and_status_but_never_the_token(
    status: int, secret_watch: SecretWatch
) -> None:
    secret_watch.secrets.add(CI_TOKEN)
    with CiService() as ci:
        ci.echo = True  # the answer repeats what it got, the token among it
        ci.statuses.append(status)
        trigger = GitLabTrigger(api_url=ci.url, project="42", ref="main", token=Secret(CI_TOKEN))
        with pytest.raises(PipelineTriggerError) as raised:
            trigger.start(messages=1)
    text = f"{raised.value.message} {raised.value.hint}"
    assert f"POST 127.0.0.1:{ci.url.rsplit(':', 1)[1]}/projects/42/trigger/pipeline: HTTP {status}" in text
    assert CI_TOKEN not in text and CI_TOKEN[:20] not in text and "(sensitive)" in text
    secret_watch.record(text)


def test_an_unreachable_service_is_a_trigger_error_not_a_traceback() -> None:
    with CiService() as ci:
        url = ci.url
    trigger = GitHubDispatch(api_url=url, repository="a/b", token=Secret(CI_TOKEN), timeout_s=2)
    with pytest.raises(PipelineTriggerError, match=r"no answer \(ConnectionError\)"):
        trigger.start(messages=1)


@pytest.mark.parametrize(
    ("env", "says"),
    [
        ({}, "CJREC_GITHUB_TOKEN is not set"),
        ({"CJREC_GITHUB_TOKEN": CI_TOKEN}, "CJREC_GITHUB_REPOSITORY is not set"),
        ({"CJREC_GITHUB_TOKEN": CI_TOKEN, "CJREC_GITHUB_REPOSITORY": "no-slash"}, "must be OWNER/REPO"),
        (
            {
                "CJREC_GITHUB_TOKEN": CI_TOKEN,
                "CJREC_GITHUB_REPOSITORY": "a/b",
                "CJREC_GITHUB_API_URL": "http://ci.example",
            },
            "must be an https:// API base URL",
        ),
    ],
)
def test_missing_or_wrong_github_settings_are_named(env: dict[str, str], says: str) -> None:
    with pytest.raises(UsageError) as raised:
        trigger_from_environment("github", env)
    assert says in raised.value.message and CI_TOKEN not in str(raised.value) + (raised.value.hint or "")


def test_a_missing_gitlab_token_lists_every_variable_the_service_needs() -> None:
    with pytest.raises(UsageError) as raised:
        trigger_from_environment("gitlab", {"CJREC_GITLAB_PROJECT": "42"})
    assert "CJREC_GITLAB_TRIGGER_TOKEN is not set" in raised.value.message
    assert "CJREC_GITLAB_PROJECT" in (raised.value.hint or "") and "CJREC_GITLAB_REF" in (raised.value.hint or "")
