"""Prefect 3 integration: a notification block, flow and task state hooks,
and an approval gate, all through the ``alerter`` registry.

>>> from prefect import flow
>>> from alerter.prefect import notifier
>>> @flow(on_failure=[notifier("ops")], on_completion=[notifier("ops")])   # doctest: +SKIP
... def nightly(): ...

The hooks post Prefect 1's ``slack_notifier`` layout: the state's name as the
title, in the state's colour (Prefect 1's table), ``<name> is now in a <State>
state``, and the state's message or exception. ``only_states`` and
``ignore_states`` filter like Prefect 1's, with subclass semantics over this
hierarchy of Prefect 3 state names::

    State
    ├── Pending ── Scheduled ─┬─ Late, AwaitingRetry, AwaitingConcurrencySlot
    │                         └─ Paused ── Suspended
    ├── Running ── Retrying
    ├── Cancelling
    └── Finished ─┬─ Completed ── Cached          ("Success" names Completed)
                  ├─ Failed ─┬─ TimedOut, Crashed
                  └─ Cancelled

so ``only_states=["Failed"]`` also fires for a crash and a timeout, and
``ignore_states=["Finished"]`` ignores every final state. A filter is a name,
a ``prefect.client.schemas.objects.StateType``, or one of the state
functions of ``prefect.states`` (``Failed``, ``Completed``...).
"""

from __future__ import annotations

import asyncio
import functools
from typing import Any, Callable, Dict, Iterable, List, Literal, Optional, Sequence, Tuple

from prefect.blocks.abstract import NotificationBlock, NotificationError
from pydantic import Field

import alerter as _alerter

try:  # Prefect's own sync/async dispatch (a private module; its shape is stable across 3.x)
    from prefect._internal.compatibility.async_dispatch import async_dispatch as _async_dispatch
except ImportError:  # pragma: no cover - an older or newer Prefect 3
    _async_dispatch = None  # type: ignore[assignment]

__all__ = [
    "AlerterNotification",
    "notifier",
    "notify_state",
    "state_layout",
    "state_color",
    "state_lineage",
    "ask_approval",
    "aask_approval",
    "NotApproved",
    "STATE_COLORS",
]

#: Parent of each state name (see the module docstring).
_PARENT: Dict[str, Optional[str]] = {
    "State": None,
    "Pending": "State",
    "Scheduled": "Pending",
    "Late": "Scheduled",
    "AwaitingRetry": "Scheduled",
    "AwaitingConcurrencySlot": "Scheduled",
    "Paused": "Scheduled",
    "Suspended": "Paused",
    "Running": "State",
    "Retrying": "Running",
    "Cancelling": "State",
    "Finished": "State",
    "Completed": "Finished",
    "Cached": "Completed",
    "Failed": "Finished",
    "TimedOut": "Failed",
    "Crashed": "Failed",
    "Cancelled": "Finished",
}
_ALIASES = {"success": "Completed", "retry": "AwaitingRetry"}
_BY_LOWER = {name.lower(): name for name in _PARENT}
_BY_TYPE = {
    "SCHEDULED": "Scheduled",
    "PENDING": "Pending",
    "RUNNING": "Running",
    "COMPLETED": "Completed",
    "FAILED": "Failed",
    "CANCELLED": "Cancelled",
    "CRASHED": "Crashed",
    "PAUSED": "Paused",
    "CANCELLING": "Cancelling",
}

#: Prefect 1's state colours, by the nearest state of the hierarchy
#: (a state without its own colour takes its parent's).
STATE_COLORS: Dict[str, str] = {
    "State": "#696969",
    "Pending": "#7ebdff",
    "Scheduled": "#ffab00",
    "AwaitingRetry": "#f66a0a",
    "Retrying": "#f66a0a",
    "Running": "#3d67ff",
    "Finished": "#003ccb",
    "Completed": "#28a745",
    "Cached": "#34d058",
    "Failed": "#eb0000",
    "TimedOut": "#ff4e33",
    "Cancelled": "#bdbdbd",
}

_LEVELS = {"Completed": "success", "Failed": "failure", "Cancelled": "warning", "Cancelling": "warning"}


def _node(name: str) -> Optional[str]:
    key = name.strip().lower()
    return _ALIASES.get(key) or _BY_LOWER.get(key)


def _state_node(state: Any) -> str:
    node = _node(str(getattr(state, "name", "") or ""))
    if node is None:
        kind = getattr(getattr(state, "type", None), "value", getattr(state, "type", None))
        node = _BY_TYPE.get(str(kind).upper(), "State")
    return node


def state_lineage(state: Any) -> List[str]:
    """The state's node and its ancestors, nearest first
    (``["TimedOut", "Failed", "Finished", "State"]``)."""
    node: Optional[str] = _state_node(state)
    out = []
    while node is not None:
        out.append(node)
        node = _PARENT[node]
    return out


def _filter_node(item: Any) -> str:
    if isinstance(item, str):
        name = item
    elif hasattr(item, "value") and str(getattr(item, "value")).upper() in _BY_TYPE:  # a StateType
        return _BY_TYPE[str(item.value).upper()]
    else:  # a state function of prefect.states, or a class
        name = getattr(item, "__name__", str(item))
    node = _node(name)
    if node is None:
        raise ValueError(f"unknown state {item!r} in a state filter (known: {', '.join(_PARENT)})")
    return node


def _matches(state: Any, filters: Iterable[Any]) -> bool:
    lineage = state_lineage(state)
    return any(_filter_node(f) in lineage for f in filters)


def state_color(state: Any) -> str:
    """Prefect 1's colour for the state (``#rrggbb``)."""
    for node in state_lineage(state):
        if node in STATE_COLORS:
            return STATE_COLORS[node]
    return STATE_COLORS["State"]


def _level(state: Any) -> str:
    for node in state_lineage(state):
        if node in _LEVELS:
            return _LEVELS[node]
    return "info"


def _state_value(state: Any) -> Optional[str]:
    """The exception (as Prefect 1 showed it) or the state's message."""
    if getattr(state, "is_failed", lambda: False)() or getattr(state, "is_crashed", lambda: False)():
        try:
            result = state.result(raise_on_failure=False)
        except Exception:  # the result may not be retrievable; the message is enough
            result = None
        if isinstance(result, BaseException):
            return f"```{result!r}```"
    message = getattr(state, "message", None)
    return message or None


def _truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def state_layout(obj: Any, run: Any, state: Any, flavor: str, link: Optional[str] = None) -> Dict[str, Any]:
    """The keyword arguments of :func:`alerter.post` for a state change of
    ``obj`` (a flow or a task) in ``run``: Prefect 1's layout as a Slack
    legacy attachment or a Discord embed for those flavors, the same content
    as title, body, level and metadata for any other."""
    state_name = str(getattr(state, "name", None) or _state_node(state))
    name = str(getattr(obj, "name", None) or getattr(run, "name", None) or "run")
    text = f"{name} is now in a {state_name} state"
    value = _state_value(state)
    run_name = getattr(run, "name", None)
    color = state_color(state)
    level = _level(state)
    fields: List[Tuple[str, str]] = []
    if value is not None:
        fields.append(("Message", value))
    if run_name:
        fields.append(("Run", str(run_name)))
    raw: Optional[Dict[str, Any]] = None
    if flavor == "slack":
        attachment: Dict[str, Any] = {
            "fallback": "State change notification",
            "color": color,
            "author_name": "Prefect",
            "title": state_name,
            "text": text,
            "fields": [{"title": t, "value": _truncate(v, 2000), "short": t != "Message"} for t, v in fields],
            "footer": "Prefect notification",
        }
        if link:
            attachment["title_link"] = link
        raw = {"blocks": [], "text": text, "attachments": [attachment]}
    elif flavor == "discord":
        embed: Dict[str, Any] = {
            "author": {"name": "Prefect"},
            "title": _truncate(state_name, 256),
            "description": _truncate(text, 4096),
            "color": int(color.lstrip("#"), 16),
            "fields": [{"name": t, "value": _truncate(v, 1024), "inline": t != "Message"} for t, v in fields],
            "footer": {"text": "Prefect notification"},
        }
        if link:
            embed["url"] = link
        raw = {"content": "", "embeds": [embed]}
    return {
        "message": text,
        "title": state_name,
        "level": level,
        "metadata": fields,
        "link": link,
        "raw": raw,
    }


def _run_link(run: Any, kind: str) -> Optional[str]:
    try:
        from prefect.settings import PREFECT_UI_URL

        base = PREFECT_UI_URL.value()
    except Exception:
        return None
    run_id = getattr(run, "id", None)
    if not base or run_id is None:
        return None
    return f"{str(base).rstrip('/')}/runs/{kind}-run/{run_id}"


def notifier(
    alerter: Optional[str] = None,
    *,
    only_states: Optional[Sequence[Any]] = None,
    ignore_states: Optional[Sequence[Any]] = None,
    settings: Optional[Dict[str, str]] = None,
    link: bool = True,
    home: Optional[str] = None,
) -> Callable[[Any, Any, Any], None]:
    """A state hook for flows and tasks (``on_failure=[...]``,
    ``on_completion=[...]``, ``on_cancellation=[...]``, ``on_crashed=[...]``,
    ``on_running=[...]``) that posts the state change through ``alerter``
    (default: the registry's active one).

    Args:
        alerter: The alerter of the registry.
        only_states: Post only for these states (and their sub-states).
        ignore_states: Never post for these (checked first).
        settings: Setting overrides for these posts.
        link: Link the run in the Prefect UI when ``PREFECT_UI_URL`` is set.
        home: The ``alerter`` state directory.

    The filters are checked when the hook is made, so a typo fails at once.
    A failed post raises :class:`alerter.DeliveryError`, which Prefect logs
    as a failed hook; the run's state is not changed.
    """
    only = list(only_states) if only_states is not None else None
    ignore = list(ignore_states or [])
    for f in [*(only or []), *ignore]:
        _filter_node(f)
    target = _alerter.Alerter(alerter, settings=settings, home=home)

    def hook(obj: Any, run: Any, state: Any) -> None:
        if ignore and _matches(state, ignore):
            return
        if only is not None and not _matches(state, only):
            return
        kind = "task" if type(run).__name__.lower().startswith("task") else "flow"
        url = _run_link(run, kind) if link else None
        target.post(**state_layout(obj, run, state, target.flavor, url))

    hook.__name__ = f"alerter_notifier_{alerter or 'active'}"
    hook.__qualname__ = hook.__name__
    return hook


def notify_state(obj: Any, run: Any, state: Any) -> None:
    """A ready hook: posts every state change it is attached to through the
    active alerter (``@flow(on_failure=[notify_state])``)."""
    notifier()(obj, run, state)


class AlerterNotification(NotificationBlock):
    """Posts notifications through an alerter of the ``alerter`` registry
    (any flavor). Failures are logged and do not raise, as Prefect's
    notification blocks do, except inside ``with block.raise_on_failure():``
    (as automations call it), where they raise ``NotificationError``. A
    configuration error (an unknown alerter, a missing setting) always raises.
    """

    _block_type_name = "Alerter"
    _block_type_slug = "alerter-notification"
    _description = "Posts through an alerter of the alerter registry (sandboxed flavors: Slack, Discord, your own)."

    alerter: Optional[str] = Field(
        default=None, description="The alerter of the alerter registry; default: the active one."
    )
    notify_type: Literal["info", "success", "warning", "failure"] = Field(
        default="info", description="The level of the notifications."
    )
    settings: Dict[str, str] = Field(default_factory=dict, description="Setting overrides for every notification.")
    home: Optional[str] = Field(default=None, description="The alerter state directory (default: ALERTER_HOME).")

    def _post(self, body: str, subject: Optional[str]) -> None:
        try:
            _alerter.post(
                body,
                title=subject,
                level=self.notify_type,
                alerter=self.alerter,
                settings=self.settings,
                home=self.home,
            )
        except _alerter.AlerterError as e:
            if self._raise_on_failure:
                raise NotificationError(log=str(e)) from e
            if isinstance(e, _alerter.ConfigurationError):
                raise
            self.logger.error("alerter notification failed: %s", e)

    async def anotify(self, body: str, subject: Optional[str] = None) -> None:
        """Post ``body`` with ``subject`` as its title (asyncio)."""
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, functools.partial(self._post, body, subject))

    def _notify_sync(self, body: str, subject: Optional[str] = None) -> None:
        """Post ``body`` with ``subject`` as its title."""
        self._post(body, subject)

    if _async_dispatch is not None:
        notify = _async_dispatch(anotify)(_notify_sync)  # type: ignore[assignment]
    else:  # pragma: no cover

        async def notify(self, body: str, subject: Optional[str] = None) -> None:  # type: ignore[override]
            """Post ``body`` with ``subject`` as its title."""
            await self.anotify(body, subject)


class NotApproved(Exception):
    """Raised by :func:`ask_approval` with ``raise_on_decline=True`` when the
    question was declined or nobody answered in time; ``outcome`` says which."""

    def __init__(self, outcome: _alerter.Outcome) -> None:
        super().__init__(outcome.summary or f"not approved ({outcome.decision})")
        self.outcome = outcome


def _run_metadata() -> List[Tuple[str, str]]:
    try:
        from prefect.context import FlowRunContext

        ctx = FlowRunContext.get()
    except Exception:
        return []
    if ctx is None or ctx.flow_run is None:
        return []
    return [("flow", str(ctx.flow.name if ctx.flow else "")), ("flow run", str(ctx.flow_run.name))]


def ask_approval(
    question: str,
    *,
    raise_on_decline: bool = False,
    alerter: Optional[str] = None,
    timeout: float = 300,
    **kwargs: Any,
) -> _alerter.Outcome:
    """Ask for approval from inside a flow or task and wait.

    The question shows the flow and flow run it comes from. Returns the
    :class:`alerter.Outcome` (``bool(outcome)`` is "approved"). With
    ``raise_on_decline=True``, a decline or a timeout raises
    :class:`NotApproved` instead, which fails the flow run unless caught.
    Other keyword arguments are those of :func:`alerter.ask`.
    """
    metadata = list(_run_metadata())
    extra = kwargs.pop("metadata", None)
    if extra:
        metadata.extend((str(k), str(v)) for k, v in (extra.items() if hasattr(extra, "items") else extra))
    outcome = _alerter.ask(question, alerter=alerter, timeout=timeout, metadata=metadata, **kwargs)
    _log(f"approval: {outcome.summary}")
    if raise_on_decline and not outcome.approved:
        raise NotApproved(outcome)
    return outcome


async def aask_approval(
    question: str,
    *,
    raise_on_decline: bool = False,
    alerter: Optional[str] = None,
    timeout: float = 300,
    **kwargs: Any,
) -> _alerter.Outcome:
    """:func:`ask_approval` for async flows (cancelling the task cancels the ask)."""
    metadata = list(_run_metadata())
    extra = kwargs.pop("metadata", None)
    if extra:
        metadata.extend((str(k), str(v)) for k, v in (extra.items() if hasattr(extra, "items") else extra))
    outcome = await _alerter.aask(question, alerter=alerter, timeout=timeout, metadata=metadata, **kwargs)
    _log(f"approval: {outcome.summary}")
    if raise_on_decline and not outcome.approved:
        raise NotApproved(outcome)
    return outcome


def _log(text: str) -> None:
    try:
        from prefect.logging import get_run_logger

        get_run_logger().info(text)
    except Exception:
        pass
