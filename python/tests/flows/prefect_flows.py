"""Prefect 3 flows whose state hooks post, an approval gate inside a flow,
and the notification block (python/tests/test_prefect.py runs this script in
Prefect's local ephemeral mode and checks what the Slack stand-in got)."""

import json

from prefect import flow, task
from prefect.states import Completed, Failed

from alerter.prefect import AlerterNotification, ask_approval, notifier

# Prefect 1's slack_notifier, as Prefect 3 hooks: the state's name, colour
# and message (or exception), through the alerter `ops` of the registry.
ops = notifier("ops")


@task(on_failure=[notifier("ops", only_states=[Failed])])
def load_warehouse() -> int:
    raise ValueError("the warehouse is down")


@flow(on_completion=[ops], on_failure=[ops])
def nightly_report(rows: int = 42) -> int:
    # Waits for a human; with raise_on_decline=True a "no" fails the run.
    outcome = ask_approval("Publish the nightly report?", timeout=60, raise_on_decline=True)
    print(f"approved by {outcome.by}")
    return rows


@flow(on_completion=[ops], on_failure=[ops])
def nightly_load() -> int:
    return load_warehouse()


# Filters with Prefect 1's subclass semantics: neither hook posts for a completed run.
@flow(on_completion=[notifier("ops", ignore_states=["Finished"]), notifier("ops", only_states=[Failed])])
def quiet() -> str:
    return "done"


if __name__ == "__main__":
    result = {"report": nightly_report()}
    try:
        nightly_load()
    except ValueError as e:
        result["load"] = str(e)
    result["quiet"] = quiet()

    # The notification block, saved and loaded like any Prefect block.
    AlerterNotification(alerter="ops", notify_type="success").save("ops-alerts", overwrite=True)
    block = AlerterNotification.load("ops-alerts")
    block.notify("The nightly report is published", "Reports")

    # Failures are logged, not raised, unless inside raise_on_failure().
    lost = AlerterNotification(alerter="ops", settings={"channel_id": "C0MISSING"})
    lost.notify("nobody gets this")
    try:
        with lost.raise_on_failure():
            lost.notify("nobody gets this either")
    except Exception as e:
        result["raised"] = f"{type(e).__name__}: {e.log}"
    result["completed"] = Completed().name
    print("RESULT " + json.dumps(result))
