"""__NAME__: an alerter flavor in Python (componentize-py).

Posts each message as JSON, {"text": ..., "title": ...}, to `{url}/messages`,
with `authorization: Bearer <token>` when the secret `token` is set, and
returns the answer's "id" as the reference. Post-only.

Conventions (componentize-py 0.25, contract alerter:flavor@0.2.0):
- the class implementing the exported interface `flavor` must be named
  `Flavor` (the interface's name in UpperCamelCase) and subclass
  `wit_world.exports.Flavor`;
- WIT names become snake_case (`capabilities_for`, `read_replies`);
- an exported `result<T, flavor-error>` returns T, or raises
  `Err(FlavorError_Case(value))` (`from componentize_py_types import Err`);
- an imported `result` (http.fetch) raises `Err` whose `.value` is the
  `HttpError_…` case;
- records are dataclasses, `list<u8>` is `bytes`, `option<T>` is `T | None`.
"""

import json

from componentize_py_types import Err
from wit_world import exports
from wit_world.imports import http, log
from wit_world.imports.types import (
    Capabilities,
    FlavorError_Internal,
    FlavorError_InvalidSettings,
    FlavorError_RateLimited,
    FlavorError_Rejected,
    FlavorError_Unsupported,
    FlavorInfo,
    HeaderSlot,
    RateLimit,
    Rejection,
    SecretSlot_Header,
    SecretSpec,
    Sent,
    SettingSpec,
)

CAPABILITIES = Capabilities(
    post=True, read_replies=False, threads=False, attachments=False, reactions=False, update=False
)


def setting(settings, name):
    """The value of `name`, or None when unset or blank (the last pair wins)."""
    for key, value in reversed(settings):
        if key == name:
            return value if value.strip() else None
    return None


class Flavor(exports.Flavor):
    def info(self) -> FlavorInfo:
        return FlavorInfo(
            name="__NAME__",
            version="0.1.0",
            description="Posts messages as JSON to a web service",
            settings=[
                SettingSpec(name="url", description="Base URL of the service", required=True, default=None, secret=None),
                SettingSpec(
                    name="token",
                    description="Bearer token (optional)",
                    required=False,
                    default=None,
                    secret=SecretSpec(slot=SecretSlot_Header(HeaderSlot(name="authorization", format="Bearer {}")), origins=["{url}"]),
                ),
            ],
            hosts=["{url}"],
            capabilities=CAPABILITIES,
        )

    def capabilities_for(self, settings) -> Capabilities:
        return CAPABILITIES

    def send(self, settings, message) -> Sent:
        url = setting(settings, "url")
        if url is None:
            raise Err(FlavorError_InvalidSettings("setting `url` is required: pass --set url=URL"))
        headers = [("content-type", "application/json")]
        token = setting(settings, "token")
        if token is not None:
            headers.append(("authorization", f"Bearer {token}"))
        body = json.dumps({"text": message.body, "title": message.title}).encode("utf-8")
        try:
            resp = http.fetch(http.Request(method="POST", url=url.rstrip("/") + "/messages", headers=headers, body=body))
        except Err as e:  # no response: e.value is an HttpError_… case
            if isinstance(e.value, http.HttpError_RateLimited):
                raise Err(FlavorError_RateLimited(e.value.value))
            raise Err(FlavorError_Internal(f"request failed: {e.value.value}"))
        text = bytes(resp.body).decode("utf-8", errors="replace")
        if resp.status == 429:
            raise Err(FlavorError_RateLimited(RateLimit(retry_after_ms=1000, message=text[:200])))
        if not 200 <= resp.status < 300:
            rejection = Rejection(code=str(resp.status), message=f"HTTP {resp.status}: {text[:300]}", status=resp.status)
            raise Err(FlavorError_Rejected(rejection))
        log.write(log.LogLevel.DEBUG, f"posted, HTTP {resp.status}")
        try:
            answer = json.loads(text)
        except ValueError:
            answer = {}
        reference = str(answer.get("id", "")) if isinstance(answer, dict) else ""
        link = answer.get("link") if isinstance(answer, dict) else None
        return Sent(reference=reference, link=link if isinstance(link, str) else None)

    def replies(self, settings, reference, cursor):
        raise Err(FlavorError_Unsupported("__NAME__ only posts: it cannot read replies"))

    def update(self, settings, reference, message):
        raise Err(FlavorError_Unsupported("__NAME__ cannot edit a posted message"))
