"""The bindings half of the SDK: only importable inside a componentize-py
build, where the generated package `wit_world` exists.

It does three things:

* installs the host's `http.fetch` as the transport of `Request` and the
  host's `log.write` as the log sink;
* defines the base class `Flavor`, whose subclass (which must be named
  `Flavor` in the app module: componentize-py looks the export up by the
  interface's name) implements the exported interface
  `alerter:flavor/flavor@0.2.0`;
* converts between the SDK's plain types (`alerter_flavor.core`) and the
  generated ones, and turns a raised `alerter_flavor.FlavorError` into what
  componentize-py expects for a WIT `result` error: raising
  ``componentize_py_types.Err(wit_world.imports.types.FlavorError_Rejected(Rejection(...)))``
  and so on for each case.
"""

from __future__ import annotations

import functools
import traceback
from typing import Any, List, Optional, Tuple

from componentize_py_types import Err
from wit_world import exports as _exports
from wit_world.imports import http as _http
from wit_world.imports import log as _log
from wit_world.imports import types as _t

from . import core
from . import log as _sdk_log
from .core import Capabilities, Info, Message, RepliesPage, Sent, Settings, Unsupported

# --- transport and log ------------------------------------------------------------

_HTTP_ERRORS = {
    _http.HttpError_Denied: "denied",
    _http.HttpError_Timeout: "timeout",
    _http.HttpError_TooLarge: "too-large",
    _http.HttpError_Connect: "connect",
    _http.HttpError_InvalidRequest: "invalid-request",
    _http.HttpError_SecretMisplaced: "secret-misplaced",
    _http.HttpError_Forbidden: "forbidden",
}


def _fetch(method: str, url: str, headers: List[Tuple[str, str]], body: Optional[bytes]) -> core.Response:
    try:
        r = _http.fetch(_http.Request(method=method, url=url, headers=headers, body=body))
    except Err as e:
        err = e.value
        if isinstance(err, _http.HttpError_RateLimited):
            raise core.HttpFailure("rate-limited", err.value.message, err.value.retry_after_ms) from None
        raise core.HttpFailure(_HTTP_ERRORS.get(type(err), "internal"), str(err.value)) from None
    return core.Response(r.status, r.headers, bytes(r.body))


_LOG_LEVELS = {
    "trace": _log.LogLevel.TRACE,
    "debug": _log.LogLevel.DEBUG,
    "info": _log.LogLevel.INFO,
    "warn": _log.LogLevel.WARN,
    "error": _log.LogLevel.ERROR,
}

core.set_transport(_fetch)
_sdk_log.set_sink(lambda level, message: _log.write(_LOG_LEVELS[level], message))

# --- conversions -------------------------------------------------------------------


def _slot(slot: Any) -> Any:
    if isinstance(slot, core.HeaderSlot):
        return _t.SecretSlot_Header(_t.HeaderSlot(name=slot.name, format=slot.format))
    if isinstance(slot, core.UrlSlot):
        return _t.SecretSlot_Url()
    if isinstance(slot, core.PathSegmentSlot):
        return _t.SecretSlot_PathSegment(slot.pattern)
    raise TypeError(f"not a secret slot: {slot!r}")


def _capabilities(c: Capabilities) -> _t.Capabilities:
    return _t.Capabilities(
        post=c.post,
        read_replies=c.read_replies,
        threads=c.threads,
        attachments=c.attachments,
        reactions=c.reactions,
        update=c.update,
    )


def _info(i: Info) -> _t.FlavorInfo:
    return _t.FlavorInfo(
        name=i.name,
        version=i.version,
        description=i.description,
        settings=[
            _t.SettingSpec(
                name=s.name,
                description=s.description,
                required=s.required,
                default=s.default,
                secret=None if s.secret is None else _t.SecretSpec(slot=_slot(s.secret.slot), origins=list(s.secret.origins)),
            )
            for s in i.settings
        ],
        hosts=list(i.hosts),
        capabilities=_capabilities(i.capabilities),
    )


def _message(m: _t.Message) -> Message:
    return Message(
        body=m.body,
        title=m.title,
        level=core.Level[m.level.name],
        metadata=[(k, v) for k, v in m.metadata],
        link=m.link,
        raw=m.raw,
        thread=m.thread,
        attachments=[core.Attachment(a.name, a.media_type, bytes(a.data)) for a in m.attachments],
    )


def _sent(s: Any) -> _t.Sent:
    if isinstance(s, Sent):
        return _t.Sent(reference=s.reference, link=s.link)
    return s


def _page(p: Any) -> _t.RepliesPage:
    if not isinstance(p, RepliesPage):
        return p
    return _t.RepliesPage(
        replies=[
            _t.Reply(
                author_id=r.author_id,
                author_name=r.author_name,
                is_bot=r.is_bot,
                text=r.text,
                bot_mentions=list(r.bot_mentions),
                kind=_t.ReplyKind[r.kind.name],
                in_thread=r.in_thread,
                id=r.id,
                posted_at_ms=r.posted_at_ms,
            )
            for r in p.replies
        ],
        cursor=p.cursor,
        notices=list(p.notices),
    )


def to_wit_error(e: core.FlavorError) -> Any:
    """The WIT `flavor-error` value for an SDK error."""
    if isinstance(e, core.InvalidSettings):
        return _t.FlavorError_InvalidSettings(e.message)
    if isinstance(e, core.Rejected):
        return _t.FlavorError_Rejected(_t.Rejection(code=e.code, message=e.message, status=e.status))
    if isinstance(e, core.RateLimited):
        return _t.FlavorError_RateLimited(_t.RateLimit(retry_after_ms=e.retry_after_ms, message=e.message))
    if isinstance(e, core.Unsupported):
        return _t.FlavorError_Unsupported(e.message)
    return _t.FlavorError_Internal(e.message)


def _guarded(fn):
    """Runs an exported call: SDK errors become ``Err(FlavorError_…)``; any
    other exception (a bug) becomes `internal` naming the exception and where
    it was raised, with the traceback in the log, instead of a trap."""

    @functools.wraps(fn)
    def call(*args):
        try:
            return fn(*args)
        except Err:
            raise
        except core.FlavorError as e:
            raise Err(to_wit_error(e)) from None
        except Exception as e:  # noqa: BLE001 - a flavor bug, reported as a value
            tb = traceback.extract_tb(e.__traceback__)
            where = f" at {tb[-1].filename}:{tb[-1].lineno}" if tb else ""
            _sdk_log.error("".join(traceback.format_exception(e)).rstrip())
            raise Err(_t.FlavorError_Internal(f"flavor bug: {type(e).__name__}: {e}{where}")) from None

    return call


# --- the base class ------------------------------------------------------------------


class Flavor(_exports.Flavor):
    """Base of a Python flavor. Subclass it as ``class Flavor(alerter_flavor.Flavor)``
    in the app module and:

    * set ``INFO = Info(...)`` (or override ``describe()``);
    * implement ``send(self, settings: Settings, message: Message) -> Sent``;
    * optionally ``replies(self, settings, reference, cursor) -> RepliesPage``,
      ``update(self, settings, reference, message) -> None`` and
      ``capabilities(self, settings) -> Capabilities``.

    Those methods take and return the SDK's plain types and raise the SDK's
    errors; the exported WIT methods (`info`, `capabilities_for`, `send`,
    `replies`, `update`) are wrapped to convert.
    """

    INFO: Optional[Info] = None

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        user = {name: cls.__dict__[name] for name in ("send", "replies", "update") if name in cls.__dict__}
        if "send" in user:
            cls.send = _wrap_send(user["send"])
        if "replies" in user:
            cls.replies = _wrap_replies(user["replies"])
        if "update" in user:
            cls.update = _wrap_update(user["update"])

    # What the flavor says about itself.
    def describe(self) -> Info:
        if self.INFO is None:
            raise NotImplementedError("set INFO = Info(...) on the Flavor class or override describe()")
        return self.INFO

    def capabilities(self, settings: Settings) -> Capabilities:
        return self.describe().capabilities

    # The exported interface.
    def info(self) -> _t.FlavorInfo:
        return _info(self.describe())

    def capabilities_for(self, settings: List[Tuple[str, str]]) -> _t.Capabilities:
        try:
            return _capabilities(self.capabilities(Settings(settings)))
        except Exception as e:  # noqa: BLE001 - must not fail: fall back to the general answer
            _sdk_log.warn(f"capabilities_for failed ({e}); using info's capabilities")
            return _capabilities(self.describe().capabilities)

    @_guarded
    def send(self, settings, message):
        raise Unsupported(f"{self.describe().name} cannot post messages")

    @_guarded
    def replies(self, settings, reference, cursor):
        raise Unsupported(f"{self.describe().name} cannot read replies: it only posts")

    @_guarded
    def update(self, settings, reference, message):
        raise Unsupported(f"{self.describe().name} cannot edit a posted message")


def _wrap_send(fn):
    @_guarded
    def send(self, settings, message):
        return _sent(fn(self, Settings(settings), _message(message)))

    return send


def _wrap_replies(fn):
    @_guarded
    def replies(self, settings, reference, cursor):
        return _page(fn(self, Settings(settings), reference, cursor))

    return replies


def _wrap_update(fn):
    @_guarded
    def update(self, settings, reference, message):
        fn(self, Settings(settings), reference, _message(message))
        return None

    return update
