"""Prefect 3, for real: flows with state hooks, an approval gate and the
notification block (flows/prefect_flows.py) in Prefect's local ephemeral
mode, and what the Slack stand-in received."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, List

import pytest

pytest.importorskip("prefect")

from conftest import StandIn  # noqa: E402

FLOWS = Path(__file__).parent / "flows"


def attachment(post: Dict[str, Any]) -> Dict[str, Any]:
    atts = post.get("attachments")
    if isinstance(atts, str):
        atts = json.loads(atts)
    assert isinstance(atts, list) and len(atts) == 1, post
    return atts[0]


def test_flows_hooks_approval_and_block(make_standin, home: Path, tmp_path: Path) -> None:
    slack: StandIn = make_standin("--reply", "yes", "--reply-after", "0.5")
    slack.register("ops")
    env = dict(os.environ)
    env.pop("PREFECT_API_URL", None)
    env.update(
        PREFECT_HOME=str(tmp_path / "prefect-home"),
        PREFECT_SERVER_ALLOW_EPHEMERAL_MODE="true",
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS="120",
        PREFECT_LOGGING_TO_API_ENABLED="false",
        ALERTER_HOME=str(home),
    )
    run = subprocess.run(
        [sys.executable, str(FLOWS / "prefect_flows.py")],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    [line] = [x for x in run.stdout.splitlines() if x.startswith("RESULT ")]
    result = json.loads(line[len("RESULT ") :])
    assert result["report"] == 42 and result["quiet"] == "done"
    assert result["load"] == "the warehouse is down"
    assert result["raised"].startswith("NotificationError: ") and "channel_not_found" in result["raised"]
    assert "approved by U0HUMAN" in run.stdout + run.stderr

    posts = slack.posts(7)
    texts: List[str] = [p["text"] for p in posts]

    # The approval gate: the question names its flow run; the answer follows in its thread.
    [question] = [p for p in posts if p["text"] == "Publish the nightly report?"]
    assert "*flow*\nnightly-report" in json.dumps(question["blocks"]).replace("\\n", "\n")
    assert any(t.startswith('Approved by U0HUMAN ("yes")') for t in texts)

    # Completion: Prefect 1's layout, Success's colour.
    [done] = [p for p in posts if p["text"] == "nightly-report is now in a Completed state"]
    a = attachment(done)
    assert (a["title"], a["color"], a["footer"], a["author_name"]) == (
        "Completed", "#28a745", "Prefect notification", "Prefect"
    )  # fmt: skip
    assert a["text"] == "nightly-report is now in a Completed state"
    # No message on a completed run: like Prefect 1, no Message field.
    assert [f["title"] for f in a["fields"]] == ["Run"]

    # The task's failure hook, then the flow's: Failed's colour, the exception.
    [task_failed] = [p for p in posts if p["text"].startswith("load_warehouse") and "Failed" in p["text"]]
    a = attachment(task_failed)
    assert (a["title"], a["color"]) == ("Failed", "#eb0000")
    assert a["fields"][0]["value"] == "```ValueError('the warehouse is down')```"
    [flow_failed] = [p for p in posts if p["text"] == "nightly-load is now in a Failed state"]
    assert attachment(flow_failed)["color"] == "#eb0000"
    assert "the warehouse is down" in attachment(flow_failed)["fields"][0]["value"]
    assert not any(t.startswith("nightly-load is now in a Completed") for t in texts)

    # The filters kept `quiet` silent.
    assert not any(t.startswith("quiet") for t in texts), texts

    # The block: subject as the title, notify_type as the level.
    [note] = [p for p in posts if p["text"] == "Reports\nThe nightly report is published"]
    assert note["blocks"][0]["text"]["text"] == ":white_check_mark: Reports"
    assert not any("nobody gets this" in t for t in texts)


def test_filters_follow_prefect_1_subclass_semantics() -> None:
    from prefect.client.schemas.objects import StateType
    from prefect.states import AwaitingRetry, Cancelled, Completed, Crashed, Failed, Late, Pending, Running

    from alerter.prefect import _matches, state_color, state_lineage

    assert state_lineage(Failed()) == ["Failed", "Finished", "State"]
    assert state_lineage(Crashed()) == ["Crashed", "Failed", "Finished", "State"]
    assert state_lineage(Late()) == ["Late", "Scheduled", "Pending", "State"]
    assert _matches(Crashed(), ["Failed"]) and _matches(Completed(), ["Finished"])
    assert _matches(Completed(), ["success"]) and _matches(Cancelled(), [StateType.CANCELLED])
    assert _matches(Failed(), [Failed]) and not _matches(Completed(), [Failed])
    assert _matches(Running(), ["State"]) and not _matches(Pending(), ["Running"])
    assert state_color(Completed()) == "#28a745" and state_color(Failed()) == "#eb0000"
    assert state_color(AwaitingRetry()) == "#f66a0a" and state_color(Late()) == "#ffab00"
    assert state_color(Crashed()) == "#eb0000" and state_color(Cancelled()) == "#bdbdbd"
    with pytest.raises(ValueError, match="unknown state"):
        from alerter.prefect import notifier

        notifier("ops", only_states=["Faild"])
