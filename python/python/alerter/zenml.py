"""ZenML integration: an alerter stack-component flavor backed by this
package, so a ZenML stack posts and asks through any alerter of the
registry (any flavor: Slack, Discord, your own ``.wasm``), with the host's
ask semantics (thread replies, approvers, back-off, rich outcomes).

Set-up, once::

    alerter register ops --flavor slack --set token=xoxb-... --set channel_id=C0123
    zenml alerter flavor register alerter.zenml.AlerterFlavor
    zenml alerter register ops --flavor=alerter --alerter=ops
    zenml stack update -al ops

Then ZenML's own ``alerter_success_hook`` / ``alerter_failure_hook`` and
``Client().active_stack.alerter.post(...)`` / ``.ask(...)`` work unchanged,
and :func:`alerter_post_step` / :func:`alerter_ask_step` are ready-made steps.

``post`` and ``ask`` keep ZenML's contract: they return ``bool``. A delivery
failure (the service rejected the message, the network failed) is logged and
returns ``False``, as ZenML's Slack alerter does; a configuration error (an
unknown alerter, a missing setting, an alerter that cannot read replies) is
raised, as ZenML raises for a missing channel. The rich result of the last
call is on :attr:`Alerter.last_outcome` / :attr:`Alerter.last_sent`, and
:meth:`Alerter.ask_outcome` returns the :class:`alerter.Outcome` itself.
"""


import os
from typing import Any, Dict, List, Optional, Tuple, Type, Union, cast

from pydantic import BaseModel, Field
from zenml import get_step_context, step
from zenml.alerter.base_alerter import BaseAlerter, BaseAlerterConfig, BaseAlerterFlavor, BaseAlerterStepParameters
from zenml.client import Client
from zenml.config.base_settings import BaseSettings
from zenml.logger import get_logger

import alerter as _alerter

__all__ = [
    "FLAVOR_NAME",
    "AlerterSettings",
    "AlerterConfig",
    "AlerterPayload",
    "AlerterParameters",
    "Alerter",
    "AlerterFlavor",
    "alerter_post_step",
    "alerter_ask_step",
    "render",
]

logger = get_logger(__name__)

#: The flavor's name in ZenML (``--flavor=alerter``).
FLAVOR_NAME = "alerter"


class AlerterSettings(BaseSettings):
    """Settings, on the component and per step or pipeline
    (``@step(settings={"alerter": {"timeout": 600}})``).

    Attributes:
        alerter: The alerter of the ``alerter`` registry to use; default:
            the registry's active alerter.
        timeout: Seconds ``ask`` waits for a decision.
        settings: Setting overrides for every call (``{"channel_id": "C0OPS"}``).
        approvers: Only these user ids may decide an ``ask``.
        approve_msg_options: Replies that approve (replace the defaults
            ``approve, LGTM, ok, yes``), as in ZenML's Slack alerter.
        disapprove_msg_options: Replies that decline (replace
            ``decline, disapprove, no, reject``).
    """

    alerter: Optional[str] = None
    timeout: int = 300
    settings: Dict[str, str] = Field(default_factory=dict)
    approvers: Optional[List[str]] = None
    approve_msg_options: Optional[List[str]] = None
    disapprove_msg_options: Optional[List[str]] = None


class AlerterConfig(BaseAlerterConfig, AlerterSettings):
    """The component's configuration: the settings above, plus

    Attributes:
        home: The ``alerter`` state directory (default ``$ALERTER_HOME`` or
            the CLI's default), for stacks whose steps run elsewhere.
    """

    home: Optional[str] = None


class AlerterPayload(BaseModel):
    """Where a message comes from, rendered like ZenML's Slack and Discord
    payloads (Pipeline / Step / Stack / Message)."""

    pipeline_name: Optional[str] = None
    step_name: Optional[str] = None
    stack_name: Optional[str] = None


class AlerterParameters(BaseAlerterStepParameters):
    """Per-call parameters of ``post`` and ``ask``.

    Attributes:
        payload: Pipeline, step and stack of the message (the steps below
            fill it in when ``include_format_blocks``).
        include_format_blocks: Let the steps fill in ``payload``.
        title: Shown above the message.
        level: ``info``, ``success``, ``warning`` or ``failure``.
        metadata: Key/value pairs shown with the message.
        link: A link the message points at.
        raw: A flavor-specific payload sent verbatim (Slack
            ``{"blocks": [...]}``); ZenML's Slack ``blocks`` go here.
        images: Paths or URLs of images: files are attached when the
            flavor can deliver attachments, else named; URLs are listed.
        alerter: Use this alerter of the registry for this call.
        settings: Setting overrides for this call.
        timeout: Seconds ``ask`` waits (overrides the settings).
        approvers: Only these user ids may decide.
        approve_msg_options: Replies that approve (replace the defaults).
        disapprove_msg_options: Replies that decline (replace the defaults).
    """

    payload: Optional[AlerterPayload] = None
    include_format_blocks: Optional[bool] = True
    title: Optional[str] = None
    level: Optional[str] = None
    metadata: Dict[str, Any] = Field(default_factory=dict)
    link: Optional[str] = None
    raw: Optional[Any] = None
    images: List[str] = Field(default_factory=list)
    alerter: Optional[str] = None
    settings: Dict[str, str] = Field(default_factory=dict)
    timeout: Optional[int] = None
    approvers: Optional[List[str]] = None
    approve_msg_options: Optional[List[str]] = None
    disapprove_msg_options: Optional[List[str]] = None


#: Keys of ZenML's payload, in order, as message metadata: the built-in
#: Slack and Discord flavors render them as ZenML's payload layout.
_PAYLOAD_KEYS = ("pipeline_name", "step_name", "stack_name")


def _attr(obj: Any, name: str) -> Any:
    return getattr(obj, name, None) if obj is not None else None


def render(message: Any, params: Optional[BaseAlerterStepParameters] = None) -> Dict[str, Any]:
    """The keyword arguments of :func:`alerter.post` for a ZenML message.

    ``message`` is a ``str`` or ZenML's ``AlerterMessage`` (anything with
    ``title``, ``body``, ``metadata`` and ``images``). ``params`` are
    :class:`AlerterParameters`, or another flavor's (ZenML's Slack and
    Discord parameters): their ``payload``, ``approve_msg_options``,
    ``disapprove_msg_options`` and Slack ``blocks`` are honoured.

    The level follows the message unless given: ZenML's failure hook
    messages (and an ``exception_type`` in the metadata) are ``failure``,
    its success hook messages ``success``.
    """
    meta: Dict[str, Any] = {}
    images: List[str] = []
    title: Optional[str] = None
    if message is None or isinstance(message, str):
        body = message or ""
    else:
        body = _attr(message, "body") or ""
        title = _attr(message, "title")
        meta = dict(_attr(message, "metadata") or {})
        images = [str(i) for i in (_attr(message, "images") or [])]
    metadata: List[Tuple[str, str]] = []
    payload = _attr(params, "payload")
    if payload is not None:
        for key in _PAYLOAD_KEYS:
            # ZenML printed a missing name as `None`; so does its layout here.
            metadata.append((key, str(_attr(payload, key))))
            meta.pop(key, None)
    for key, value in meta.items():
        metadata.append((str(key), str(value)))
    p_meta = _attr(params, "metadata") or {}
    metadata.extend((str(k), str(v)) for k, v in dict(p_meta).items())
    images.extend(str(i) for i in (_attr(params, "images") or []))
    # Local files are attached (or listed, when the flavor cannot attach);
    # URLs are listed.
    files = [i for i in images if "://" not in i and os.path.isfile(i)]
    links = [i for i in images if i not in files]
    if links:
        metadata.append(("images", "\n".join(links)))
    title = _attr(params, "title") or title
    level = _attr(params, "level") or _guess_level(body, title, meta)
    raw = _attr(params, "raw")
    blocks = _attr(params, "blocks")
    if raw is None and blocks is not None:
        raw = {"blocks": blocks}
    if not body and not title:
        body = "(no content)"
    return {
        "message": body,
        "title": title,
        "level": level,
        "metadata": metadata,
        "link": _attr(params, "link"),
        "raw": raw,
        "attachments": files,
    }


def _guess_level(body: str, title: Optional[str], meta: Dict[str, Any]) -> str:
    head = f"{title or ''} {body[:80]}".lower()
    if "exception_type" in meta or "failure hook notification" in head or "failure alert" in head:
        return "failure"
    if str(meta.get("status", "")).lower() == "success" or "success hook notification" in head:
        return "success"
    return "info"


class Alerter(BaseAlerter):
    """The ZenML alerter component of flavor ``alerter``: posts and asks
    through an alerter of the ``alerter`` registry."""

    last_sent: Optional[_alerter.Sent] = None
    last_outcome: Optional[_alerter.Outcome] = None

    @property
    def config(self) -> AlerterConfig:
        """The component's configuration."""
        return cast(AlerterConfig, self._config)

    @property
    def settings_class(self) -> Type[AlerterSettings]:
        """Settings per step or pipeline."""
        return AlerterSettings

    def _settings(self) -> AlerterSettings:
        try:
            return cast(AlerterSettings, self.get_settings(get_step_context().step_run))
        except RuntimeError:  # not inside a step
            return self.config

    def _target(self, s: AlerterSettings, params: Any) -> Dict[str, Any]:
        overrides = {**s.settings, **(_attr(params, "settings") or {})}
        for channel_param in ("slack_channel_id", "discord_channel_id"):
            if _attr(params, channel_param):
                overrides["channel_id"] = _attr(params, channel_param)
        return {
            "alerter": _attr(params, "alerter") or s.alerter,
            "settings": overrides,
            "home": self.config.home,
        }

    def _check(self, params: Any) -> None:
        if params is not None and not isinstance(params, BaseAlerterStepParameters):
            raise RuntimeError("The config object must be of type `BaseAlerterStepParameters`.")

    def post(  # type: ignore[override]
        self, message: Union[str, Any, None] = None, params: Optional[BaseAlerterStepParameters] = None
    ) -> bool:
        """Post a message (a ``str`` or ZenML's ``AlerterMessage``).

        Returns:
            True if the service accepted it; False, with the error logged,
            if the flavor or the service failed.

        Raises:
            alerter.ConfigurationError: The alerter is misconfigured.
        """
        self._check(params)
        s = self._settings()
        try:
            self.last_sent = _alerter.post(**render(message, params), **self._target(s, params))
        except _alerter.DeliveryError as e:
            self.last_sent = None
            logger.error("alerter.zenml: post failed: %s", e)
            return False
        return True

    def ask_outcome(
        self, question: Union[str, Any], params: Optional[BaseAlerterStepParameters] = None
    ) -> _alerter.Outcome:
        """Ask, and return the whole :class:`alerter.Outcome` (who decided,
        their reply, when; declined and timed out told apart).

        Raises:
            alerter.ConfigurationError: Misconfigured, or the alerter cannot
                read replies.
            alerter.DeliveryError: The question could not be posted, or
                reading replies failed for good.
        """
        self._check(params)
        s = self._settings()
        kwargs = render(question, params)
        kwargs["question"] = kwargs.pop("message")
        files = kwargs.pop("attachments")
        if files:
            kwargs["metadata"].append(("images", "\n".join(files)))
        approve = _attr(params, "approve_msg_options") or s.approve_msg_options
        disapprove = _attr(params, "disapprove_msg_options") or s.disapprove_msg_options
        timeout = _attr(params, "timeout") or s.timeout
        self.last_outcome = None
        outcome = _alerter.ask(
            **kwargs,
            timeout=timeout,
            approve=approve,
            disapprove=disapprove,
            approvers=_attr(params, "approvers") or s.approvers,
            **self._target(s, params),
        )
        self.last_outcome = outcome
        return outcome

    def ask(  # type: ignore[override]
        self, question: Union[str, Any], params: Optional[BaseAlerterStepParameters] = None
    ) -> bool:
        """Ask and wait; True only if approved (ZenML's contract).

        Declined, timed out, and a delivery failure (logged) are False;
        :attr:`last_outcome` tells them apart.

        Raises:
            alerter.ConfigurationError: Misconfigured, or the alerter cannot
                read replies (as ZenML's e-mail alerter raises).
        """
        try:
            return self.ask_outcome(question, params).approved
        except _alerter.DeliveryError as e:
            logger.error("alerter.zenml: ask failed: %s", e)
            return False


class AlerterFlavor(BaseAlerterFlavor):
    """The ``alerter`` flavor of ZenML alerters
    (``zenml alerter flavor register alerter.zenml.AlerterFlavor``)."""

    @property
    def name(self) -> str:
        """``alerter``."""
        return FLAVOR_NAME

    @property
    def config_class(self) -> Type[AlerterConfig]:
        """:class:`AlerterConfig`."""
        return AlerterConfig

    @property
    def implementation_class(self) -> Type[Alerter]:
        """:class:`Alerter`."""
        return Alerter


def _active_alerter(step_name: str) -> BaseAlerter:
    alerter = Client().active_stack.alerter
    if alerter is None:
        raise RuntimeError(f"Step `{step_name}` needs an alerter in the active stack, and it has none.")
    return alerter


def _with_payload(params: Optional[AlerterParameters]) -> Optional[AlerterParameters]:
    if params is None or not params.include_format_blocks:
        return params
    context = get_step_context()
    params = params.model_copy()
    params.payload = AlerterPayload(
        pipeline_name=context.pipeline.name,
        step_name=context.step_run.name,
        stack_name=Client().active_stack.name,
    )
    return params


@step
def alerter_post_step(message: Optional[str] = None, params: Optional[AlerterParameters] = None) -> bool:
    """Post through the active stack's alerter; with ``params`` (and
    ``include_format_blocks``), the message shows its pipeline, step and
    stack, as ZenML's Slack post step does. Any alerter flavor works; the
    parameters are used only by this package's flavor."""
    alerter = _active_alerter("alerter_post_step")
    if isinstance(alerter, Alerter):
        return alerter.post(message, _with_payload(params))
    return alerter.post(message or "")


@step
def alerter_ask_step(message: str, params: Optional[AlerterParameters] = None) -> bool:
    """Ask through the active stack's alerter and return whether it was
    approved, as ZenML's Slack ask step does (see :func:`alerter_post_step`)."""
    alerter = _active_alerter("alerter_ask_step")
    if isinstance(alerter, Alerter):
        return alerter.ask(message, _with_payload(params))
    return alerter.ask(message)

