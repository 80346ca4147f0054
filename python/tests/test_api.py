"""The Python API through the real wheel against the Slack stand-in: post,
ask (approved, declined, timeout), errors of both classes, Ctrl-C, asyncio,
and set-up from Python."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

import alerter
from conftest import StandIn, blocks_text, texts


def test_post_renders_every_field(slack: StandIn) -> None:
    sent = alerter.post(
        "Nightly training finished",
        title="Training",
        level="success",
        metadata={"accuracy": 0.93, "epochs": 10},
        link="https://ci.example/runs/42",
    )
    assert isinstance(sent, alerter.Sent)
    assert (sent.alerter, sent.flavor) == ("ops", "slack")
    assert sent.reference.startswith(f"{slack.channel}:")
    assert sent.link and sent.link.startswith("https://")
    [post] = slack.posts(1)
    assert post["channel"] == slack.channel
    assert post["text"] == "Training\nNightly training finished"
    shown = blocks_text(post)
    for part in ("Training", "Nightly training finished", "*accuracy*\n0.93", "*epochs*\n10", "Open"):
        assert part in shown
    assert "https://ci.example/runs/42" in json.dumps(post["blocks"])


def test_post_raw_thread_and_per_call_settings(slack: StandIn) -> None:
    first = alerter.post("parent")
    alerter.post("child", thread=first.reference)
    alerter.post("fallback text", raw={"blocks": [{"type": "divider"}]})
    slack_second_channel = "C0SECOND"
    # The stand-in knows only its channel: an override reaches the service.
    with pytest.raises(alerter.DeliveryError, match="channel_not_found"):
        alerter.post("elsewhere", settings={"channel_id": slack_second_channel})
    posts = slack.posts(3)
    assert texts(posts) == ["parent", "child", "fallback text"]
    assert posts[1]["thread_ts"] == first.reference.split(":", 1)[1]
    assert posts[2]["blocks"] == [{"type": "divider"}]


def test_attachments_are_listed_when_the_flavor_cannot_attach(slack: StandIn, tmp_path: Path) -> None:
    log = tmp_path / "train.log"
    log.write_text("epoch 1: loss 0.3\n")
    alerter.post("Training log", attachments=[log])
    [post] = slack.posts(1)
    assert f"*attachments*\n{log}" in blocks_text(post)
    with pytest.raises(alerter.ConfigurationError):
        alerter.post("x", attachments=[42])  # type: ignore[list-item]


def test_alerter_objects_and_active_alerter(slack: StandIn, make_standin) -> None:
    other = make_standin()
    other.register("second")
    assert [(a.name, a.flavor, a.active) for a in alerter.alerters()] == [
        ("ops", "slack", True),
        ("second", "slack", False),
    ]
    assert alerter.Alerter("second").post("to the second").alerter == "second"
    assert alerter.post("to the active one").alerter == "ops"
    alerter.use("second")
    assert alerter.Alerter().post("now the active one").alerter == "second"
    assert alerter.Alerter("second").flavor == "slack"
    assert texts(slack.posts(1)) == ["to the active one"]
    assert texts(other.posts(2)) == ["to the second", "now the active one"]
    alerter.remove("second")
    assert [a.name for a in alerter.alerters()] == ["ops"]


def test_flavors_and_register(home: Path, make_standin) -> None:
    names = {f.name: f for f in alerter.flavors()}
    assert {"slack", "discord"} <= set(names)
    slack_flavor = names["slack"]
    assert slack_flavor.builtin and slack_flavor.can_read_replies and slack_flavor.version
    assert "channel_id" in [s.name for s in slack_flavor.settings]
    s = make_standin()
    saved = s.register("ops")
    assert (saved.name, saved.flavor, saved.active) == ("ops", "slack", True)
    # The literal token went to the secret store, not the registry.
    registry = (home / "registry.toml").read_text()
    assert s.token not in registry
    refs = alerter.set_secret("ci", slack_token=s.token)
    assert refs == ["{{ci.slack_token}}"]
    alerter.register(
        "by-ref",
        "slack",
        settings={"token": "{{ci.slack_token}}", "channel_id": s.channel, "api_base": s.api_base},
        allow_hosts=[s.origin],
    )
    assert alerter.post("through a reference", alerter="by-ref").alerter == "by-ref"


def test_ask_approved_in_thread(make_standin, home: Path) -> None:
    s = make_standin("--reply", "LGTM", "--reply-after", "0.3")
    s.register()
    started = time.monotonic()
    outcome = alerter.ask("Deploy model v3 to production?", timeout=20)
    assert time.monotonic() - started < 10
    assert outcome and outcome.approved and outcome.decision == "approved"
    assert (outcome.by, outcome.by_id, outcome.text, outcome.in_thread) == ("U0HUMAN", "U0HUMAN", "LGTM", True)
    assert outcome.at is not None and outcome.at.tzinfo is not None
    assert outcome.question.reference and outcome.question.link
    posts = s.posts(2)
    assert texts(posts)[0] == "Deploy model v3 to production?"
    assert posts[1]["thread_ts"] == outcome.question.reference.split(":", 1)[1]
    assert "Approved by U0HUMAN" in posts[1]["text"]


def test_ask_declined(make_standin, home: Path) -> None:
    s = make_standin("--reply", "no", "--reply-after", "0.2")
    s.register()
    outcome = alerter.ask("Promote?", timeout=20)
    assert not outcome and outcome.declined and outcome.decision == "declined"
    assert outcome.text == "no"


def test_ask_custom_words_case_and_approvers(make_standin, home: Path) -> None:
    s = make_standin("--reply", "Ship", "--reply-after", "0.2", "--reply-as", "U0LEAD")
    s.register()
    assert alerter.ask("Ship it?", approve=["ship"], timeout=20).approved
    # Case-sensitive: "Ship" is not "ship", so nobody decides in time.
    assert alerter.ask("Ship it?", approve=["ship"], case_sensitive=True, timeout=1.5).timed_out
    # Only U0OTHER may decide: U0LEAD's reply does not count.
    assert alerter.ask("Ship it?", approve=["Ship"], approvers=["U0OTHER"], timeout=1.5).timed_out


def test_ask_timeout(slack: StandIn) -> None:
    started = time.monotonic()
    outcome = alerter.ask("Anyone?", timeout=1.5, follow_up=False)
    assert 1.4 < time.monotonic() - started < 5
    assert outcome.decision == "timeout" and outcome.timed_out and not outcome
    assert outcome.by is None and outcome.waited is not None
    assert texts(slack.posts(1)) == ["Anyone?"]


def test_configuration_errors(slack: StandIn) -> None:
    with pytest.raises(alerter.ConfigurationError, match='unknown alerter "nope"') as e:
        alerter.post("x", alerter="nope")
    assert e.value.exit_code == 2 and isinstance(e.value, alerter.AlerterError)
    with pytest.raises(alerter.ConfigurationError, match="level"):
        alerter.post("x", level="loud")
    with pytest.raises(alerter.ConfigurationError, match="has no setting `colour`"):
        alerter.post("x", settings={"colour": "red"})
    with pytest.raises(alerter.ConfigurationError, match="unknown flavor"):
        alerter.register("bad", "no-such-flavor")
    with pytest.raises(alerter.ConfigurationError, match="timeout"):
        alerter.ask("x", timeout=0)
    # A webhook alerter cannot read replies: refused before anything is posted.
    alerter.register("hook", "slack", settings={"webhook_url": slack.webhook_url}, allow_hosts=[slack.origin])
    with pytest.raises(alerter.ConfigurationError, match="cannot read replies"):
        alerter.ask("Deploy?", alerter="hook", timeout=5)
    assert slack.posts() == []


def test_delivery_errors(slack: StandIn, home: Path) -> None:
    # The service rejects the token.
    alerter.register(
        "badtoken",
        "slack",
        settings={"token": "xoxb-wrong", "channel_id": slack.channel, "api_base": slack.api_base},
        allow_hosts=[slack.origin],
    )
    with pytest.raises(alerter.DeliveryError, match="invalid_auth") as e:
        alerter.post("x", alerter="badtoken")
    assert e.value.exit_code == 3 and "xoxb-wrong" not in str(e.value)
    # Egress: an origin that is not granted is refused by the sandbox.
    alerter.register("ungranted", "slack", settings={"token": slack.token, "channel_id": slack.channel, "api_base": slack.api_base})
    with pytest.raises(alerter.DeliveryError, match=f"--allow-host {slack.origin}"):
        alerter.post("x", alerter="ungranted")
    # Nothing listens there any more.
    slack.stop()
    with pytest.raises(alerter.DeliveryError):
        alerter.post("x")


def test_ctrl_c_interrupts_ask_promptly(slack: StandIn, home: Path, tmp_path: Path) -> None:
    script = tmp_path / "ask.py"
    script.write_text(
        textwrap.dedent(
            """
            import sys, time, alerter
            print("asking", flush=True)
            try:
                alerter.ask("Wait forever?", timeout=600)
            except KeyboardInterrupt:
                print("interrupted", flush=True)
                sys.exit(130)
            print("returned", flush=True)
            """
        )
    )
    proc = subprocess.Popen(
        [sys.executable, str(script)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=dict(os.environ)
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "asking"
    slack.posts(1)  # the question is out: the wait has begun
    time.sleep(0.3)
    sent_at = time.monotonic()
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=10)
    took = time.monotonic() - sent_at
    assert proc.returncode == 130, err
    assert out.strip() == "interrupted"
    assert took < 2.0, f"KeyboardInterrupt took {took:.2f} s"
    posts = slack.posts(2)
    assert "Cancelled before anyone answered" in posts[-1]["text"]


def test_ask_releases_the_gil(make_standin, home: Path) -> None:
    import threading

    s = make_standin("--reply-after", "1")
    s.register()
    ticks = []
    stop = threading.Event()

    def tick() -> None:
        while not stop.is_set():
            ticks.append(time.monotonic())
            time.sleep(0.01)

    t = threading.Thread(target=tick)
    t.start()
    try:
        assert alerter.ask("Deploy?", timeout=20)
    finally:
        stop.set()
        t.join()
    assert len(ticks) > 30, "a Python thread kept running while ask waited"


def test_async_post_and_ask(make_standin, home: Path) -> None:
    s = make_standin("--reply-after", "0.3")
    s.register()

    async def main() -> None:
        sent, outcome = await asyncio.gather(alerter.apost("async post"), alerter.aask("Async deploy?", timeout=20))
        assert sent.alerter == "ops" and outcome.approved
        # Cancelling the awaiting task cancels the ask.
        task = asyncio.ensure_future(alerter.aask("Never answered?", timeout=600, approve=["never"]))
        await asyncio.sleep(0.5)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(main())
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and not any("Cancelled" in t for t in texts(s.posts())):
        time.sleep(0.05)
    assert any("Cancelled before anyone answered" in t for t in texts(s.posts()))


def test_shares_state_with_the_cli(slack: StandIn, home: Path) -> None:
    cli = Path(os.environ.get("ALERTER_CLI", "")) if os.environ.get("ALERTER_CLI") else None
    if cli is None or not cli.exists():
        pytest.skip("ALERTER_CLI is not set (scripts/test sets it)")
    out = subprocess.run([str(cli), "list"], capture_output=True, text=True, check=True).stdout
    assert "ops" in out
    subprocess.run(
        [str(cli), "register", "from-cli", "--flavor", "slack", "--set", f"token={slack.token}", "--set",
         f"channel_id={slack.channel}", "--set", f"api_base={slack.api_base}", "--allow-host", slack.origin],
        check=True, capture_output=True,
    )  # fmt: skip
    assert alerter.post("registered by the CLI", alerter="from-cli").alerter == "from-cli"
    # A change made by the CLI is seen at the next call (resolved alerters are reused only while unchanged).
    subprocess.run([str(cli), "update", "from-cli", "--set", "channel_id=C0GONE"], check=True, capture_output=True)
    with pytest.raises(alerter.DeliveryError, match="channel_not_found"):
        alerter.post("to a channel that does not exist", alerter="from-cli")
    subprocess.run([str(cli), "update", "from-cli", "--set", f"channel_id={slack.channel}"], check=True, capture_output=True)
    assert alerter.post("back", alerter="from-cli").reference
