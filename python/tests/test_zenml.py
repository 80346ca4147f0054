"""ZenML, for real: the `alerter` flavor registered with ZenML's own CLI on
its default local stack, a pipeline whose steps post and ask through it and
whose failure hook fires (flows/zenml_pipeline.py), and what the Slack
stand-in received."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Dict, List

import pytest

zenml = pytest.importorskip("zenml")

import alerter  # noqa: E402
from conftest import StandIn, blocks_text  # noqa: E402

FLOWS = Path(__file__).parent / "flows"


@pytest.fixture
def zenml_env(tmp_path: Path, home: Path) -> Dict[str, str]:
    """A throwaway ZenML: its own config dir (and so its own local store),
    no analytics, run from an empty directory."""
    env = dict(os.environ)
    env.update(
        ZENML_CONFIG_PATH=str(tmp_path / "zenml-config"),
        ZENML_ANALYTICS_OPT_IN="false",
        ZENML_LOGGING_COLORS_DISABLED="true",
        ZENML_ENABLE_RICH_TRACEBACK="false",
        AUTO_OPEN_DASHBOARD="false",
        ALERTER_HOME=str(home),
    )
    return env


def zenml_cli(env: Dict[str, str], cwd: Path, *args: str) -> str:
    exe = Path(sys.executable).parent / "zenml"
    done = subprocess.run([str(exe), *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"zenml {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
    return done.stdout + done.stderr


def test_pipeline_posts_asks_and_fires_the_failure_hook(
    make_standin, zenml_env: Dict[str, str], tmp_path: Path
) -> None:
    slack: StandIn = make_standin("--reply", "LGTM", "--reply-after", "0.5")
    slack.register("ops")
    cwd = tmp_path / "project"
    cwd.mkdir()
    zenml_cli(zenml_env, cwd, "alerter", "flavor", "register", "alerter.zenml.AlerterFlavor")
    zenml_cli(zenml_env, cwd, "alerter", "register", "ops", "--flavor=alerter", "--alerter=ops")
    # ZenML's default stack cannot be changed: a stack of its local
    # orchestrator and artifact store, made active, gets the alerter.
    zenml_cli(zenml_env, cwd, "stack", "register", "local", "-o", "default", "-a", "default", "--set")
    assert "Stack `local` successfully updated" in zenml_cli(zenml_env, cwd, "stack", "update", "-al", "ops")

    run = subprocess.run(
        [sys.executable, str(FLOWS / "zenml_pipeline.py")],
        env=zenml_env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=600,
    )
    # The last step fails on purpose, so the run fails.
    assert run.returncode != 0, run.stdout + run.stderr
    assert "the deploy target is unreachable" in run.stdout + run.stderr

    posts = slack.posts(7)
    by_text: List[str] = [p["text"] for p in posts]

    success = [p for p in posts if "*Success Hook Notification! Step completed successfully*" in p["text"]]
    assert len(success) == 1, by_text
    assert "Pipeline name: `training`" in success[0]["text"]
    assert "Step name: `train`" in success[0]["text"]

    [report] = [p for p in posts if p["text"].startswith("Training\n")]
    assert report["text"] == "Training\nAccuracy 0.93"
    assert "*accuracy*\n0.93" in blocks_text(report)

    # ZenML's payload layout, for the post step and for the question.
    [announce] = [p for p in posts if p["text"] == "Training finished"]
    fields = blocks_text(announce)
    for part in (
        ":star: *Pipeline:*\ntraining",
        ":arrow_forward: *Step:*\nannounce",
        ":ring_buoy: *Stack:*\nlocal",
        ":email: *Message:*\nTraining finished",
    ):
        assert part in fields
    assert announce["blocks"][0]["accessory"]["type"] == "image"

    [question] = [p for p in posts if p["text"] == "Deploy model v3 to production?"]
    assert ":arrow_forward: *Step:*\ngate" in blocks_text(question)
    [follow_up] = [p for p in posts if "Approved by" in p["text"]]
    assert follow_up["text"].startswith('Approved by U0HUMAN ("LGTM")') and follow_up.get("thread_ts")

    failure = [p for p in posts if "*Failure Hook Notification! Step failed!*" in p["text"]]
    assert len(failure) == 1, by_text
    text = failure[0]["text"]
    assert "Step name: `deploy`" in text and "RuntimeError" in text and "the deploy target is unreachable" in text
    # The failure level shows in the default layout's marker.
    assert blocks_text(failure[0]).startswith(":x: ")
    assert blocks_text(success[0]).startswith(":white_check_mark: ")


def test_post_and_ask_outside_a_pipeline(make_standin, zenml_env: Dict[str, str], tmp_path: Path) -> None:
    """The component's contract, called directly: bool results, the rich
    outcome kept, delivery failures False (logged), configuration errors raised."""
    from alerter.zenml import Alerter, AlerterConfig, AlerterFlavor, AlerterParameters

    slack: StandIn = make_standin("--reply", "no", "--reply-after", "0.3")
    slack.register("ops")
    flavor = AlerterFlavor()
    assert flavor.name == "alerter" and flavor.config_class is AlerterConfig and flavor.implementation_class is Alerter
    component = _component(AlerterConfig(alerter="ops", timeout=30))
    assert component.post("plain") is True
    assert component.last_sent is not None and component.last_sent.alerter == "ops"
    assert component.ask("Promote?") is False
    assert component.last_outcome is not None and component.last_outcome.decision == "declined"
    outcome = component.ask_outcome("Promote now?", AlerterParameters(approve_msg_options=["no"]))
    assert outcome.approved and outcome.text == "no"

    # ZenML's [branch] AlerterMessage shape: title, body, metadata, images.
    plot = tmp_path / "loss.png"
    plot.write_bytes(b"\x89PNG\r\n\x1a\n")

    class Message:
        title = "Pipeline Failure Alert"
        body = "Step: deploy"
        metadata = {"pipeline_name": "training", "step_name": "deploy", "exception_type": "RuntimeError"}
        images = [str(plot), "https://example.com/plot.png"]

    assert component.post(Message()) is True
    last = slack.posts(6)[-1]
    shown = blocks_text(last)
    # Its pipeline and step names select ZenML's layout; the missing stack shows as ZenML showed it.
    assert ":star: *Pipeline:*\ntraining" in shown and ":ring_buoy: *Stack:*\nNone" in shown
    assert last["blocks"][0]["text"]["text"] == ":x: Pipeline Failure Alert"
    # The Slack flavor cannot attach files: the file is named, the URL listed.
    assert f"*attachments*\n{plot}" in shown and "*images*\nhttps://example.com/plot.png" in shown
    assert "*exception_type*\nRuntimeError" in shown

    # Delivery failure: False, not an exception.
    broken = _component(AlerterConfig(alerter="ops", settings={"channel_id": "C0MISSING"}))
    assert broken.post("lost") is False
    assert broken.ask("lost?") is False
    # Configuration errors are raised, as ZenML raises for a missing channel.
    with pytest.raises(alerter.ConfigurationError):
        _component(AlerterConfig(alerter="nope")).post("x")
    with pytest.raises(RuntimeError, match="BaseAlerterStepParameters"):
        component.post("x", params="not params")  # type: ignore[arg-type]


def _component(config):
    """A component as ZenML builds it from its stored model."""
    import datetime
    import uuid

    from zenml.enums import StackComponentType

    from alerter.zenml import Alerter

    now = datetime.datetime.now()
    return Alerter(
        name="ops",
        id=uuid.uuid4(),
        config=config,
        flavor="alerter",
        type=StackComponentType.ALERTER,
        user=None,
        created=now,
        updated=now,
    )
