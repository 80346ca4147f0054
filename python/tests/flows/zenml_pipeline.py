"""A ZenML pipeline that posts and asks through the `alerter` flavor
(python/tests/test_zenml.py runs it on ZenML's default local stack)."""

from zenml import pipeline, step
from zenml.client import Client
from zenml.hooks import alerter_failure_hook, alerter_success_hook

from alerter.zenml import AlerterParameters, alerter_ask_step, alerter_post_step


@step(on_success=alerter_success_hook)
def train() -> float:
    return 0.93


@step
def report(accuracy: float) -> bool:
    # Any step can reach the stack's alerter; post returns a bool, as in ZenML.
    return Client().active_stack.alerter.post(
        f"Accuracy {accuracy}",
        AlerterParameters(title="Training", level="success", metadata={"accuracy": accuracy}),
    )


@step(on_failure=alerter_failure_hook)
def deploy(approved: bool) -> None:
    if approved:
        raise RuntimeError("the deploy target is unreachable")


@pipeline(enable_cache=False)
def training() -> None:
    accuracy = train()
    report(accuracy, id="report")
    # With params, the message shows its pipeline, step and stack (ZenML's layout).
    alerter_post_step("Training finished", params=AlerterParameters(), id="announce", after="report")
    approved = alerter_ask_step(
        "Deploy model v3 to production?", params=AlerterParameters(timeout=60), id="gate", after="announce"
    )
    deploy(approved)


if __name__ == "__main__":
    training()
