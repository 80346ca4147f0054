"""Alerts and human approval gates, sent to chat services through flavors.

This package is the ``alerter`` library (Rust, PyO3) for Python. It shares the
``alerter`` command's state directory (``$ALERTER_HOME``, else
``~/.config/alerter`` on Linux): alerters registered with the CLI work here,
and the other way round. Nothing here spawns the CLI.

>>> import alerter
>>> alerter.post("Nightly training finished", level="success",
...              metadata={"accuracy": 0.93})                    # doctest: +SKIP
>>> if alerter.ask("Deploy model v3 to production?", timeout=600):  # doctest: +SKIP
...     deploy()

Errors mirror the CLI's exit codes: :class:`ConfigurationError` (exit code 2:
an unknown alerter, a missing setting or secret, an alerter that cannot read
replies) and :class:`DeliveryError` (exit code 3: the service rejected the
message, the network failed, egress was denied, the flavor failed), both
subclasses of :class:`AlerterError`. ``ask`` returns an :class:`Outcome`
whose truth value is "approved"; a declined question and a timeout are
outcomes, not errors.
"""

from __future__ import annotations

import asyncio
import datetime as _dt
import functools
import json
import os
from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple, Union

from . import _native
from ._native import AlerterError, ConfigurationError, DeliveryError

__all__ = [
    "AlerterError",
    "ConfigurationError",
    "DeliveryError",
    "Sent",
    "Outcome",
    "Alerter",
    "Registered",
    "FlavorInfo",
    "SettingInfo",
    "AlerterInfo",
    "post",
    "ask",
    "apost",
    "aask",
    "register",
    "register_flavor",
    "remove",
    "use",
    "set_secret",
    "flavors",
    "alerters",
    "home",
    "DEFAULT_APPROVE",
    "DEFAULT_DISAPPROVE",
]

__version__: str = _native.VERSION

AlerterError.exit_code = 1  # type: ignore[attr-defined]
ConfigurationError.exit_code = 2  # type: ignore[attr-defined]
DeliveryError.exit_code = 3  # type: ignore[attr-defined]

#: The words that approve by default (the whole reply, trimmed, any case).
DEFAULT_APPROVE: Tuple[str, ...] = ("approve", "LGTM", "ok", "yes")
#: The words that decline by default.
DEFAULT_DISAPPROVE: Tuple[str, ...] = ("decline", "disapprove", "no", "reject")

Metadata = Union[Mapping[str, Any], Iterable[Tuple[str, Any]], None]
Raw = Union[str, Mapping[str, Any], Sequence[Any], None]
PathLike = Union[str, "os.PathLike[str]", None]


@dataclass(frozen=True)
class Sent:
    """A posted message.

    Attributes:
        reference: The service's id of the message (a Slack ``ts``); pass it
            as ``thread=`` to reply under it. Empty for services that give
            none (some webhooks).
        link: A link to the message, when the service has one.
        alerter: The alerter that posted it.
        flavor: That alerter's flavor.
    """

    reference: str
    link: Optional[str]
    alerter: str
    flavor: str

    def __str__(self) -> str:
        return self.link or self.reference


@dataclass(frozen=True)
class Outcome:
    """How an :func:`ask` ended. ``bool(outcome)`` is ``outcome.approved``.

    Attributes:
        decision: ``"approved"``, ``"declined"`` or ``"timeout"``.
        by: Display name of who decided (None on timeout).
        by_id: The service's id of who decided.
        text: Their reply as written.
        at: When they replied (UTC), when the service says.
        in_thread: The reply was in the question's thread.
        question: The question as posted (reference and link).
        polls: How many times replies were read.
        waited: Seconds waited, on timeout.
        summary: One line for people ("Approved by ana ("LGTM")").
    """

    decision: str
    question: Sent
    by: Optional[str] = None
    by_id: Optional[str] = None
    text: Optional[str] = None
    at: Optional[_dt.datetime] = None
    in_thread: bool = False
    polls: int = 0
    waited: Optional[float] = None
    summary: str = ""

    @property
    def approved(self) -> bool:
        """True only when someone allowed to decide approved."""
        return self.decision == "approved"

    @property
    def declined(self) -> bool:
        """True when someone allowed to decide declined."""
        return self.decision == "declined"

    @property
    def timed_out(self) -> bool:
        """True when nobody decided in time."""
        return self.decision == "timeout"

    def __bool__(self) -> bool:
        return self.approved


@dataclass(frozen=True)
class Registered:
    """What :func:`register` saved.

    Attributes:
        name: The alerter.
        flavor: Its flavor.
        flavor_version: The flavor's version.
        active: It became the active alerter (the first one registered does).
        warnings: Worth knowing (a secret not set yet, an origin to grant).
    """

    name: str
    flavor: str
    flavor_version: str
    active: bool
    warnings: List[str] = field(default_factory=list)


@dataclass(frozen=True)
class SettingInfo:
    """One setting a flavor understands."""

    name: str
    description: str
    required: bool
    default: Optional[str]


@dataclass(frozen=True)
class FlavorInfo:
    """A flavor, built in or registered by path (see :func:`flavors`).

    ``error`` is set, and the rest empty, when a registered file no longer loads.
    """

    name: str
    version: str = ""
    description: str = ""
    path: Optional[str] = None
    can_post: bool = False
    can_read_replies: bool = False
    can_thread: bool = False
    settings: List[SettingInfo] = field(default_factory=list)
    error: Optional[str] = None

    @property
    def builtin(self) -> bool:
        """Embedded in the library rather than registered by path."""
        return self.path is None and self.error is None


@dataclass(frozen=True)
class AlerterInfo:
    """An alerter of the registry (see :func:`alerters`)."""

    name: str
    flavor: str
    active: bool


def _home(home: PathLike) -> Optional[str]:
    return None if home is None else os.fspath(home)


def _pairs(values: Metadata, what: str) -> List[Tuple[str, str]]:
    if values is None:
        return []
    items = values.items() if isinstance(values, Mapping) else values
    out = []
    for item in items:
        try:
            key, value = item
        except (TypeError, ValueError):
            raise ConfigurationError(f"{what} must be a mapping or (key, value) pairs, got {item!r}") from None
        out.append((str(key), "" if value is None and what == "settings" else str(value)))
    return out


def _settings(values: Optional[Mapping[str, Any]]) -> List[Tuple[str, str]]:
    return _pairs(values, "settings")


def _raw(raw: Raw) -> Optional[str]:
    if raw is None or isinstance(raw, str):
        return raw
    return json.dumps(raw)


def _message(
    body: str,
    title: Optional[str],
    level: str,
    metadata: Metadata,
    link: Optional[str],
    raw: Raw,
    thread: Optional[str],
) -> Tuple[str, Optional[str], str, List[Tuple[str, str]], Optional[str], Optional[str], Optional[str]]:
    if not isinstance(body, str):
        raise ConfigurationError(f"the message must be a str, got {type(body).__name__}")
    return (body, title, level, _pairs(metadata, "metadata"), link, _raw(raw), thread)


def post(
    message: str,
    *,
    title: Optional[str] = None,
    level: str = "info",
    metadata: Metadata = None,
    link: Optional[str] = None,
    raw: Raw = None,
    alerter: Optional[str] = None,
    settings: Optional[Mapping[str, Any]] = None,
    thread: Optional[str] = None,
    attachments: Sequence[Union[str, "os.PathLike[str]"]] = (),
    home: PathLike = None,
) -> Sent:
    """Post a message through an alerter.

    Args:
        message: The text.
        title: Shown above the text.
        level: ``"info"``, ``"success"``, ``"warning"`` or ``"failure"``.
        metadata: Key/value pairs shown with the message (values are ``str()``-ed).
        link: A link the message points at (a run, a dashboard).
        raw: A flavor-specific payload sent verbatim (Slack ``{"blocks": [...]}``,
            Discord ``{"embeds": [...]}``), as JSON text or a dict/list.
        alerter: The alerter's name; default: the active one.
        settings: Setting overrides for this call only (``{"channel_id": "C0OPS"}``).
        thread: Post as a reply under this message (a :attr:`Sent.reference`).
        attachments: Files to attach (a plot, a log). Attached when the
            alerter's flavor can deliver files with its settings; otherwise
            listed in the message under ``attachments``, never dropped silently.
        home: The state directory; default ``$ALERTER_HOME`` or the CLI's default.

    Returns:
        The posted message.

    Raises:
        ConfigurationError: Bad input or configuration.
        DeliveryError: The flavor or the service failed.
    """
    sent = _native.post(
        _message(message, title, level, metadata, link, raw, thread),
        alerter=alerter,
        settings=_settings(settings),
        home=_home(home),
        attachments=[_file(f) for f in attachments],
    )
    return Sent(*sent)


def _file(path: Union[str, "os.PathLike[str]"]) -> Tuple[str, str, str]:
    import mimetypes

    try:
        p = os.fspath(path)
    except TypeError:
        raise ConfigurationError(f"an attachment must be a file path, got {path!r}") from None
    media_type = mimetypes.guess_type(p)[0] or "application/octet-stream"
    return (p, os.path.basename(p), media_type)


def _ask_start(
    question: str,
    timeout: float,
    approve: Optional[Sequence[str]],
    disapprove: Optional[Sequence[str]],
    approvers: Optional[Sequence[str]],
    case_sensitive: bool,
    alerter: Optional[str],
    title: Optional[str],
    level: str,
    metadata: Metadata,
    link: Optional[str],
    raw: Raw,
    settings: Optional[Mapping[str, Any]],
    follow_up: bool,
    home: PathLike,
) -> "_native.PendingAsk":
    def words(given: Optional[Sequence[str]], what: str) -> Optional[List[str]]:
        if given is None:
            return None
        if isinstance(given, str):
            return [given]
        return [str(w) for w in given]

    return _native.ask_start(
        _message(question, title, level, metadata, link, raw, None),
        float(timeout),
        approve=words(approve, "approve"),
        disapprove=words(disapprove, "disapprove"),
        approvers=words(approvers, "approvers") or [],
        case_sensitive=bool(case_sensitive),
        follow_up=bool(follow_up),
        alerter=alerter,
        settings=_settings(settings),
        home=_home(home),
    )


def _outcome(d: Dict[str, Any]) -> Outcome:
    decision = d["decision"]
    if decision == "failed":
        raise DeliveryError(d.get("error") or d.get("summary") or "reading replies failed")
    at = None
    if d.get("at_ms") is not None:
        at = _dt.datetime.fromtimestamp(d["at_ms"] / 1000, tz=_dt.timezone.utc)
    return Outcome(
        decision=decision,
        question=Sent(d["reference"], d.get("link"), d["alerter"], d["flavor"]),
        by=d.get("by_name"),
        by_id=d.get("by_id"),
        text=d.get("text"),
        at=at,
        in_thread=bool(d.get("in_thread", False)),
        polls=int(d.get("polls", 0)),
        waited=float(d["waited_s"]) if d.get("waited_s") is not None else None,
        summary=d.get("summary", ""),
    )


def ask(
    question: str,
    *,
    timeout: float = 300,
    approve: Optional[Sequence[str]] = None,
    disapprove: Optional[Sequence[str]] = None,
    approvers: Optional[Sequence[str]] = None,
    case_sensitive: bool = False,
    alerter: Optional[str] = None,
    title: Optional[str] = None,
    level: str = "info",
    metadata: Metadata = None,
    link: Optional[str] = None,
    raw: Raw = None,
    settings: Optional[Mapping[str, Any]] = None,
    follow_up: bool = True,
    home: PathLike = None,
) -> Outcome:
    """Post a question and wait until a person approves or declines it.

    A reply decides when its whole text, trimmed, equals one of the words
    (ignoring case unless ``case_sensitive``); approve words are checked
    first. Replies in the question's thread count; bots never do. The GIL is
    released while waiting, and Ctrl-C ends the wait at once (the question's
    thread is told) and raises ``KeyboardInterrupt``.

    Args:
        question: The question.
        timeout: Seconds to wait for a decision.
        approve: Replies that approve (replace :data:`DEFAULT_APPROVE`).
        disapprove: Replies that decline (replace :data:`DEFAULT_DISAPPROVE`).
        approvers: Only these user ids may decide (default: anyone but bots).
        case_sensitive: Match replies case-sensitively.
        alerter: The alerter's name; default: the active one.
        title, level, metadata, link, raw: As for :func:`post`.
        settings: Setting overrides for this call only.
        follow_up: Reply in the question's thread with the outcome.
        home: The state directory.

    Returns:
        The outcome: ``decision`` is ``"approved"``, ``"declined"`` or
        ``"timeout"``; ``bool(outcome)`` is ``outcome.approved``.

    Raises:
        ConfigurationError: Bad input or configuration, or the alerter cannot
            read replies (found out before anything is posted).
        DeliveryError: The question could not be posted, or reading replies
            failed for good.
        KeyboardInterrupt: Ctrl-C while waiting.
    """
    pending = _ask_start(
        question, timeout, approve, disapprove, approvers, case_sensitive, alerter,
        title, level, metadata, link, raw, settings, follow_up, home,
    )  # fmt: skip
    result = pending.wait(None)
    assert result is not None
    return _outcome(result)


async def apost(message: str, **kwargs: Any) -> Sent:
    """:func:`post` for asyncio: runs in the loop's default executor."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(None, functools.partial(post, message, **kwargs))


async def aask(question: str, **kwargs: Any) -> Outcome:
    """:func:`ask` for asyncio, with the same arguments.

    Cancelling the awaiting task cancels the ask (the question's thread is
    told) and raises ``asyncio.CancelledError``.
    """
    params = _ask_params(kwargs)
    pending = _ask_start(question, **params)
    loop = asyncio.get_running_loop()
    try:
        result = await asyncio.shield(loop.run_in_executor(None, pending.wait, None))
    except asyncio.CancelledError:
        pending.cancel()
        raise
    assert result is not None
    return _outcome(result)


_ASK_DEFAULTS: Dict[str, Any] = dict(
    timeout=300,
    approve=None,
    disapprove=None,
    approvers=None,
    case_sensitive=False,
    alerter=None,
    title=None,
    level="info",
    metadata=None,
    link=None,
    raw=None,
    settings=None,
    follow_up=True,
    home=None,
)


def _ask_params(kwargs: Mapping[str, Any]) -> Dict[str, Any]:
    unknown = set(kwargs) - set(_ASK_DEFAULTS)
    if unknown:
        raise TypeError(f"ask() got unexpected keyword argument(s): {', '.join(sorted(unknown))}")
    return {**_ASK_DEFAULTS, **kwargs}


class Alerter:
    """A named alerter of the registry (or the active one), with setting
    overrides applied to every call. It is resolved at each call, so changes
    made with the CLI in between are seen.

    >>> ops = alerter.Alerter("ops", settings={"channel_id": "C0OPS"})  # doctest: +SKIP
    >>> ops.post("Disk almost full", level="warning")                  # doctest: +SKIP
    """

    def __init__(
        self,
        name: Optional[str] = None,
        *,
        settings: Optional[Mapping[str, Any]] = None,
        home: PathLike = None,
    ) -> None:
        self.name = name
        self.settings: Dict[str, Any] = dict(settings or {})
        self.home = _home(home)

    def __repr__(self) -> str:
        return f"Alerter({self.name!r})" if self.name else "Alerter(<active>)"

    def _merge(self, kwargs: Dict[str, Any]) -> Dict[str, Any]:
        settings = {**self.settings, **(kwargs.pop("settings", None) or {})}
        return {"alerter": self.name, "settings": settings, "home": self.home, **kwargs}

    def post(self, message: str, **kwargs: Any) -> Sent:
        """:func:`post` through this alerter (same keyword arguments)."""
        return post(message, **self._merge(kwargs))

    def ask(self, question: str, **kwargs: Any) -> Outcome:
        """:func:`ask` through this alerter (same keyword arguments)."""
        return ask(question, **self._merge(kwargs))

    async def apost(self, message: str, **kwargs: Any) -> Sent:
        """:func:`apost` through this alerter."""
        return await apost(message, **self._merge(kwargs))

    async def aask(self, question: str, **kwargs: Any) -> Outcome:
        """:func:`aask` through this alerter."""
        return await aask(question, **self._merge(kwargs))

    @property
    def flavor(self) -> str:
        """The flavor of this alerter (from the registry)."""
        for a in alerters(home=self.home):
            if a.name == self.name or (self.name is None and a.active):
                return a.flavor
        if self.name is None:
            raise ConfigurationError("no alerter given and none is active")
        raise ConfigurationError(f'unknown alerter "{self.name}"')


def register(
    name: str,
    flavor: str,
    *,
    settings: Optional[Mapping[str, Any]] = None,
    allow_hosts: Sequence[str] = (),
    home: PathLike = None,
) -> Registered:
    """Register an alerter, like ``alerter register``.

    A literal value for a secret setting (a token, a webhook URL) is moved
    into the secret store; the registry keeps a reference. A value
    ``{{name.key}}`` references a secret (see :func:`set_secret`).

    Args:
        name: The new alerter's name.
        flavor: A built-in flavor (``slack``, ``discord``) or a registered one.
        settings: The flavor's settings.
        allow_hosts: Network grants ``SCHEME://HOST[:PORT]`` beyond the
            declared https origins (plain http, a local stand-in).
        home: The state directory.
    """
    flavor_name, version, active, warnings = _native.register(
        name, flavor, settings=_settings(settings), allow_hosts=list(allow_hosts), home=_home(home)
    )
    return Registered(name, flavor_name, version, active, list(warnings))


def register_flavor(path: Union[str, "os.PathLike[str]"], name: Optional[str] = None, *, home: PathLike = None) -> str:
    """Register a flavor component (``.wasm``) by path; returns its name."""
    registered, _version = _native.register_flavor(os.fspath(path), name=name, home=_home(home))
    return registered


def remove(name: str, *, home: PathLike = None) -> None:
    """Remove an alerter."""
    _native.remove(name, home=_home(home))


def use(name: str, *, home: PathLike = None) -> None:
    """Make an alerter the active one (the default of every call)."""
    _native.use_alerter(name, home=_home(home))


def set_secret(name: str, *, home: PathLike = None, **values: str) -> List[str]:
    """Store secret values under ``name``; returns the references to use
    in settings (``{{name.key}}``). The store is an owner-only file."""
    return list(_native.set_secret(name, [(k, str(v)) for k, v in values.items()], home=_home(home)))


def flavors(*, home: PathLike = None) -> List[FlavorInfo]:
    """The flavors: built in and registered by path."""
    out = []
    for d in _native.flavors(home=_home(home)):
        if d.get("error"):
            out.append(FlavorInfo(name=d["name"], error=d["error"]))
            continue
        out.append(
            FlavorInfo(
                name=d["name"],
                version=d["version"],
                description=d["description"],
                path=None if d["path"] is None else os.fspath(d["path"]),
                can_post=d["can_post"],
                can_read_replies=d["can_read_replies"],
                can_thread=d["can_thread"],
                settings=[SettingInfo(*s) for s in d["settings"]],
            )
        )
    return out


def alerters(*, home: PathLike = None) -> List[AlerterInfo]:
    """The alerters of the registry, by name."""
    return [AlerterInfo(*a) for a in _native.alerters(home=_home(home))]


def home() -> str:
    """The state directory calls use by default (``$ALERTER_HOME`` or the CLI's default)."""
    return os.fspath(_native.default_home())
