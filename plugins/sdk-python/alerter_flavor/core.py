"""The pure-Python half of the SDK: no import of the component bindings.

Everything here runs under a normal CPython, so a flavor's logic (rendering,
parsing answers, mapping errors) can be unit-tested with pytest. The other
half, ``alerter_flavor.component``, converts these types to and from the
bindings that componentize-py generates, and is only importable inside a
component build.
"""

from __future__ import annotations

import enum
import json as _json
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, List, Optional, Sequence, Tuple

# --- errors -------------------------------------------------------------------


class FlavorError(Exception):
    """Base of the errors a flavor raises. The SDK turns each into the WIT
    `flavor-error` case of the same name (``Err(FlavorError_…)``)."""

    kind = "internal"

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class InvalidSettings(FlavorError):
    """A setting is missing or malformed; the text says which."""

    kind = "invalid-settings"


class Rejected(FlavorError):
    """The service answered with an error: its own code, what to do, and the
    HTTP status of the answer when there was one (the host treats 5xx as
    transient: an `ask` keeps waiting; anything else as final)."""

    kind = "rejected"

    def __init__(self, code: str, message: str, status: Optional[int] = None):
        super().__init__(message)
        self.code = str(code)
        self.status = None if status is None else int(status)


class RateLimited(FlavorError):
    """The service asked us to slow down (HTTP 429 or its equivalent)."""

    kind = "rate-limited"

    def __init__(self, retry_after_ms: int, message: str):
        super().__init__(message)
        self.retry_after_ms = max(0, int(retry_after_ms))


class Unsupported(FlavorError):
    """The flavor cannot do this (read replies from a webhook, say)."""

    kind = "unsupported"


class Internal(FlavorError):
    """Anything else: a network failure, an answer we did not expect."""

    kind = "internal"


class HttpFailure(Exception):
    """No response came back: the host's `http-error`, with its case name
    (`denied`, `timeout`, `too-large`, `connect`, `invalid-request`,
    `secret-misplaced`, `forbidden`, `rate-limited`)."""

    def __init__(self, kind: str, message: str, retry_after_ms: Optional[int] = None):
        super().__init__(f"{kind}: {message}")
        self.kind = kind
        self.message = message
        self.retry_after_ms = retry_after_ms

    def to_flavor_error(self) -> FlavorError:
        """The flavor error for this failure: `rate-limited` stays
        rate-limited; every other case is `internal`, keeping the host's text
        (a denial names the exact `--allow-host` to grant)."""
        if self.kind == "rate-limited":
            return RateLimited(self.retry_after_ms or 1000, self.message)
        if self.kind == "denied":
            return Internal(self.message)
        return Internal(f"{self.kind.replace('-', ' ')}: {self.message}")


# --- the contract's types, as plain Python ------------------------------------


class Level(enum.Enum):
    """How serious a message is."""

    INFO = "info"
    SUCCESS = "success"
    WARNING = "warning"
    FAILURE = "failure"


class ReplyKind(enum.Enum):
    MESSAGE = "message"
    REACTION = "reaction"


@dataclass
class HeaderSlot:
    """The secret goes into header `name`, formatted (`Bearer {}`)."""

    name: str
    format: str


@dataclass
class UrlSlot:
    """The secret is a whole URL (a webhook); requests start with it."""


@dataclass
class PathSegmentSlot:
    """The secret is one path segment of this form (`bot{}`)."""

    pattern: str


@dataclass
class Secret:
    """Where a secret may go and towards which origins."""

    slot: Any  # HeaderSlot | UrlSlot | PathSegmentSlot
    origins: List[str]


@dataclass
class Setting:
    name: str
    description: str
    required: bool = False
    default: Optional[str] = None
    secret: Optional[Secret] = None


@dataclass
class Capabilities:
    post: bool = True
    read_replies: bool = False
    threads: bool = False
    attachments: bool = False
    reactions: bool = False
    update: bool = False


@dataclass
class Info:
    name: str
    version: str
    description: str
    settings: List[Setting] = field(default_factory=list)
    hosts: List[str] = field(default_factory=list)
    capabilities: Capabilities = field(default_factory=Capabilities)


@dataclass
class Attachment:
    name: str
    media_type: str
    data: bytes


@dataclass
class Message:
    body: str
    title: Optional[str] = None
    level: Level = Level.INFO
    metadata: List[Tuple[str, str]] = field(default_factory=list)
    link: Optional[str] = None
    raw: Optional[str] = None
    thread: Optional[str] = None
    attachments: List[Attachment] = field(default_factory=list)


@dataclass
class Sent:
    reference: str
    link: Optional[str] = None


@dataclass
class Reply:
    author_id: str
    author_name: str
    text: str
    id: str
    is_bot: bool = False
    bot_mentions: List[str] = field(default_factory=list)
    kind: ReplyKind = ReplyKind.MESSAGE
    in_thread: bool = False
    posted_at_ms: Optional[int] = None


@dataclass
class RepliesPage:
    replies: List[Reply] = field(default_factory=list)
    cursor: Optional[str] = None
    notices: List[str] = field(default_factory=list)


# --- settings -----------------------------------------------------------------


class Settings:
    """The settings of one call (secret values are placeholders)."""

    def __init__(self, pairs: Iterable[Tuple[str, str]] = ()):
        self._pairs = list(pairs)

    def get(self, name: str, default: Optional[str] = None) -> Optional[str]:
        """The value of `name` if set to something non-blank, else `default`.
        The last pair wins (the host lays overrides over the stored values)."""
        for key, value in reversed(self._pairs):
            if key == name:
                return value if value.strip() else default
        return default

    def require(self, name: str) -> str:
        """The value of `name`, or `InvalidSettings` saying how to set it."""
        value = self.get(name)
        if value is None:
            raise InvalidSettings(f"setting `{name}` is required: pass --set {name}=VALUE")
        return value

    def choice(self, name: str, allowed: Sequence[str], default: str) -> str:
        """The value of `name` (case-insensitive) among `allowed`, spelled as
        in `allowed`; `InvalidSettings` listing them otherwise."""
        value = self.get(name, default)
        for a in allowed:
            if a.lower() == value.lower():
                return a
        raise InvalidSettings(f"setting `{name}` is `{value}`: use one of {', '.join(allowed)}")

    def __contains__(self, name: str) -> bool:
        return self.get(name) is not None

    def pairs(self) -> List[Tuple[str, str]]:
        return list(self._pairs)


# --- HTTP -----------------------------------------------------------------------

# A transport takes (method, url, headers, body) and returns a Response or
# raises HttpFailure. Inside a component it is the host's `http.fetch`
# (installed by `alerter_flavor.component`); tests install a fake.
Transport = Callable[[str, str, List[Tuple[str, str]], Optional[bytes]], "Response"]
_transport: Optional[Transport] = None


def set_transport(transport: Optional[Transport]) -> None:
    """Installs the function that sends requests (tests use a fake)."""
    global _transport
    _transport = transport


class Request:
    """A request built step by step: ``Request.post(url).json({...}).send()``."""

    def __init__(self, method: str, url: str):
        self.method = method
        self.url = url
        self.headers: List[Tuple[str, str]] = []
        self.body: Optional[bytes] = None

    @classmethod
    def get(cls, url: str) -> "Request":
        return cls("GET", url)

    @classmethod
    def post(cls, url: str) -> "Request":
        return cls("POST", url)

    def header(self, name: str, value: str) -> "Request":
        """Sets header `name` (replacing an earlier value of the same name)."""
        self.headers = [(k, v) for k, v in self.headers if k.lower() != name.lower()]
        self.headers.append((name.lower(), value))
        return self

    def bearer(self, token: str) -> "Request":
        """`authorization: Bearer <token>`. Pass the secret's placeholder as
        is; declare the slot ``HeaderSlot("authorization", "Bearer {}")``."""
        return self.header("authorization", f"Bearer {token}")

    def json(self, value: Any) -> "Request":
        """A JSON body (UTF-8, not ASCII-escaped) with its content type."""
        self.body = dumps(value).encode("utf-8")
        return self.header("content-type", "application/json")

    def data(self, body: bytes, content_type: str) -> "Request":
        self.body = body
        return self.header("content-type", content_type)

    def multipart(
        self,
        fields: Sequence[Tuple[str, str]] = (),
        files: Sequence[Tuple[str, str, str, bytes]] = (),
    ) -> "Request":
        """A multipart/form-data body: text `fields` (name, value) and `files`
        (field name, file name, media type, bytes). The boundary is chosen
        so that it occurs in no part."""
        parts = [v.encode("utf-8") for _, v in fields] + [bytes(f[3]) for f in files]
        n = 0
        boundary = "alerter-form-boundary-0"
        while any(boundary.encode() in p for p in parts):
            n += 1
            boundary = f"alerter-form-boundary-{n}"
        body = bytearray()
        for name, value in fields:
            body += f'--{boundary}\r\nContent-Disposition: form-data; name="{_form_quote(name)}"\r\n\r\n'.encode()
            body += value.encode("utf-8") + b"\r\n"
        for field_name, file_name, media_type, data in files:
            body += (
                f'--{boundary}\r\nContent-Disposition: form-data; name="{_form_quote(field_name)}"; '
                f'filename="{_form_quote(file_name)}"\r\nContent-Type: {media_type or "application/octet-stream"}\r\n\r\n'
            ).encode("utf-8")
            body += bytes(data) + b"\r\n"
        body += f"--{boundary}--\r\n".encode()
        return self.data(bytes(body), f"multipart/form-data; boundary={boundary}")

    def send_raw(self) -> "Response":
        """Sends the request; raises `HttpFailure` when no response came."""
        if _transport is None:
            raise Internal("no HTTP transport: import alerter_flavor.component inside a component")
        return _transport(self.method, self.url, list(self.headers), self.body)

    def send(self) -> "Response":
        """Sends the request; a failure to get any response becomes a
        `FlavorError` (`RateLimited` when the host holds the request back,
        `Internal` otherwise)."""
        try:
            return self.send_raw()
        except HttpFailure as e:
            raise e.to_flavor_error() from None


class Response:
    """An answer, whatever its status."""

    def __init__(self, status: int, headers: Sequence[Tuple[str, str]] = (), body: bytes = b""):
        self.status = status
        self.headers = [(k.lower(), v) for k, v in headers]
        self.body = body

    def header(self, name: str) -> Optional[str]:
        name = name.lower()
        for k, v in self.headers:
            if k == name:
                return v
        return None

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    def json(self) -> Any:
        """The body parsed as JSON, or `Internal` quoting its start."""
        try:
            return _json.loads(self.body)
        except ValueError as e:
            raise Internal(
                f"unexpected answer (HTTP {self.status}): not JSON ({e}): {truncate(self.text, 200)}"
            ) from None

    def json_or_none(self) -> Any:
        try:
            return _json.loads(self.body)
        except ValueError:
            return None

    @property
    def is_success(self) -> bool:
        return 200 <= self.status < 300

    def retry_after_ms(self) -> Optional[int]:
        """`Retry-After` in milliseconds (delay in seconds, possibly
        fractional); None when absent or an HTTP date."""
        return parse_retry_after(self.header("retry-after"))

    def rate_limited(self, default_ms: int = 1000) -> Optional[RateLimited]:
        """A `RateLimited` error for a 429, waiting `Retry-After` (or
        `default_ms`); None for any other status."""
        if self.status != 429:
            return None
        return RateLimited(
            self.retry_after_ms() if self.retry_after_ms() is not None else default_ms,
            f"rate limited (HTTP 429): {truncate(self.text, 200)}",
        )

    def ensure_success(self) -> "Response":
        """Itself for 2xx; raises `RateLimited` for 429 and `Rejected`
        (code = the status) for anything else."""
        if self.is_success:
            return self
        limited = self.rate_limited()
        if limited:
            raise limited
        raise Rejected(str(self.status), f"HTTP {self.status}: {truncate(self.text, 300)}", self.status)


def _form_quote(name: str) -> str:
    """A name in a Content-Disposition header: quotes and line breaks
    percent-encoded, as browsers do; other UTF-8 kept."""
    return name.replace("\r", "%0D").replace("\n", "%0A").replace('"', "%22")


def parse_retry_after(value: Optional[str]) -> Optional[int]:
    if value is None:
        return None
    try:
        seconds = float(value.strip())
    except ValueError:
        return None
    if seconds != seconds or seconds < 0 or seconds == float("inf"):
        return None
    return int(-(-seconds * 1000 // 1))


def dumps(value: Any) -> str:
    """Compact JSON, UTF-8 kept as is."""
    return _json.dumps(value, ensure_ascii=False, separators=(",", ":"))


# --- text -----------------------------------------------------------------------

TRUNCATION_MARKER = "… [truncated]"


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units (how Telegram and JavaScript count)."""
    return len(text) + sum(1 for c in text if ord(c) > 0xFFFF)


def utf8_len(text: str) -> int:
    return len(text.encode("utf-8"))


def truncate(
    text: str,
    limit: int,
    marker: str = TRUNCATION_MARKER,
    measure: Callable[[str], int] = len,
) -> str:
    """`text` cut to at most `limit` units of `measure` (code points by
    default; `utf16_len` or `utf8_len` for services that count those), ending
    with `marker` when anything was cut. Never splits a character."""
    if measure(text) <= limit:
        return text
    budget = limit - measure(marker)
    if budget < 0:
        marker, budget = "", limit
    lo, hi = 0, len(text)
    # Largest prefix whose measure fits: binary search (measure is monotonic).
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if measure(text[:mid]) <= budget:
            lo = mid
        else:
            hi = mid - 1
    return text[:lo] + marker


LEVEL_EMOJI = {
    Level.INFO: "ℹ️",
    Level.SUCCESS: "✅",
    Level.WARNING: "⚠️",
    Level.FAILURE: "🚨",
}


def level_emoji(level: Level) -> str:
    """An emoji marking the level (ℹ️ ✅ ⚠️ 🚨)."""
    return LEVEL_EMOJI[level]
