"""Unit tests of the SDK's plain half (no component bindings needed)."""

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import alerter_flavor as af  # noqa: E402
from alerter_flavor import core, log  # noqa: E402


@pytest.fixture
def sent():
    """Installs a fake transport; yields the list of requests and a queue of answers."""
    calls, answers = [], []

    def transport(method, url, headers, body):
        calls.append((method, url, headers, body))
        a = answers.pop(0)
        if isinstance(a, Exception):
            raise a
        return a

    core.set_transport(transport)
    yield calls, answers
    core.set_transport(None)


def test_settings_get_require_choice():
    s = af.Settings([("a", "1"), ("b", "  "), ("a", "2"), ("mode", "markdownv2")])
    assert s.get("a") == "2"  # the last pair wins
    assert s.get("b") is None and s.get("b", "d") == "d"
    assert s.get("missing", "x") == "x"
    assert s.require("a") == "2"
    with pytest.raises(af.InvalidSettings, match=r"--set b=VALUE"):
        s.require("b")
    assert s.choice("mode", ["HTML", "MarkdownV2", "none"], "HTML") == "MarkdownV2"
    assert s.choice("other", ["HTML", "none"], "HTML") == "HTML"
    with pytest.raises(af.InvalidSettings, match="use one of HTML, none"):
        af.Settings([("m", "xml")]).choice("m", ["HTML", "none"], "HTML")
    assert "a" in s and "b" not in s


def test_request_json_bearer_header(sent):
    calls, answers = sent
    answers.append(af.Response(200, [("Content-Type", "application/json")], b'{"id": "7"}'))
    resp = af.Request.post("https://x.test/m").json({"text": "héllo"}).bearer("PH").header("X-A", "1").send()
    method, url, headers, body = calls[0]
    assert (method, url) == ("POST", "https://x.test/m")
    assert ("authorization", "Bearer PH") in headers and ("x-a", "1") in headers
    assert ("content-type", "application/json") in headers
    assert body == '{"text":"héllo"}'.encode()
    assert resp.json() == {"id": "7"} and resp.is_success
    assert resp.header("content-type") == "application/json"


def test_header_replaces_same_name():
    r = af.Request.get("u").header("Accept", "a").header("accept", "b")
    assert r.headers == [("accept", "b")]


def test_http_failures_become_flavor_errors(sent):
    calls, answers = sent
    answers.append(af.HttpFailure("denied", "grant it with --allow-host https://x.test"))
    with pytest.raises(af.Internal, match="--allow-host https://x.test"):
        af.Request.get("https://x.test").send()
    answers.append(af.HttpFailure("rate-limited", "held back", 2500))
    with pytest.raises(af.RateLimited) as e:
        af.Request.get("https://x.test").send()
    assert e.value.retry_after_ms == 2500
    answers.append(af.HttpFailure("timeout", "30 s"))
    with pytest.raises(af.Internal, match="timeout: 30 s"):
        af.Request.get("https://x.test").send()
    answers.append(af.HttpFailure("connect", "refused"))
    with pytest.raises(af.HttpFailure):
        af.Request.get("https://x.test").send_raw()


def test_no_transport_is_an_internal_error():
    core.set_transport(None)
    with pytest.raises(af.Internal, match="no HTTP transport"):
        af.Request.get("u").send()


def test_response_helpers():
    r = af.Response(429, [("Retry-After", "1.5")], b"slow down")
    assert r.retry_after_ms() == 1500
    rl = r.rate_limited()
    assert isinstance(rl, af.RateLimited) and rl.retry_after_ms == 1500
    with pytest.raises(af.RateLimited):
        r.ensure_success()
    assert af.Response(429).rate_limited(default_ms=3000).retry_after_ms == 3000
    assert af.Response(500).rate_limited() is None
    with pytest.raises(af.Rejected) as e:
        af.Response(404, body=b"no such hook").ensure_success()
    assert e.value.code == "404" and e.value.status == 404 and "no such hook" in e.value.message
    with pytest.raises(af.Internal, match="not JSON"):
        af.Response(200, body=b"<html>").json()
    assert af.Response(200, body=b"<html>").json_or_none() is None
    assert af.Response(204).ensure_success().status == 204


@pytest.mark.parametrize(
    "value,ms", [("2", 2000), ("0", 0), ("0.0001", 1), (" 3 ", 3000), ("-1", None), ("Wed, 21 Oct 2015 07:28:00 GMT", None), (None, None), ("nan", None)]
)
def test_parse_retry_after(value, ms):
    assert af.parse_retry_after(value) == ms


def test_truncate_code_points():
    assert af.truncate("short", 10) == "short"
    out = af.truncate("x" * 100, 20)
    assert len(out) == 20 and out.endswith(af.TRUNCATION_MARKER)
    assert af.truncate("abcdef", 3) == "abc"  # no room for the marker


def test_truncate_utf16_never_splits_a_surrogate_pair():
    text = "😀" * 10  # 20 UTF-16 units
    out = af.truncate(text, 15, "…", af.utf16_len)
    assert af.utf16_len(out) <= 15 and out.endswith("…")
    assert out == "😀" * 7 + "…"


def test_truncate_utf8_bytes():
    out = af.truncate("é" * 100, 51, "…", af.utf8_len)
    assert af.utf8_len(out) <= 51 and out.endswith("…")
    out.encode("utf-8")


def test_lengths():
    assert af.utf16_len("a😀é") == 4
    assert af.utf8_len("a😀é") == 7


def test_level_emoji_and_dumps():
    assert af.level_emoji(af.Level.FAILURE) == "🚨"
    assert af.dumps({"a": "é"}) == '{"a":"é"}'
    assert json.loads(af.dumps({"k": [1, None]})) == {"k": [1, None]}


def test_errors_carry_their_fields():
    r = af.Rejected(400, "bad")
    assert (r.kind, r.code, r.message, r.status) == ("rejected", "400", "bad", None)
    assert af.Rejected("channel_not_found", "no", status=404).status == 404
    assert af.RateLimited(-5, "x").retry_after_ms == 0
    assert af.Unsupported("no").kind == "unsupported"
    assert isinstance(af.InvalidSettings("x"), af.FlavorError)


def test_log_sink():
    lines = []
    log.set_sink(lambda level, msg: lines.append((level, msg)))
    log.debug("one")
    log.error("two")
    log.set_sink(None)
    log.info("dropped")
    assert lines == [("debug", "one"), ("error", "two")]
    with pytest.raises(ValueError):
        log.write("loud", "x")


def test_flavor_base_needs_the_bindings():
    with pytest.raises(ImportError):
        af.Flavor  # noqa: B018 - only inside a componentize-py build


def test_multipart_body(sent):
    calls, answers = sent
    answers.append(af.Response(200))
    data = b"a--alerter-form-boundary-0b"
    af.Request.post("https://x.test/up").multipart([("chat_id", "42"), ("caption", "é")], [("doc", 'a"b\n.txt', "text/plain", data)]).send()
    _, _, headers, body = calls[0]
    ctype = dict(headers)["content-type"]
    assert ctype == "multipart/form-data; boundary=alerter-form-boundary-1"  # 0 occurs in the data
    assert body == (
        b'--alerter-form-boundary-1\r\nContent-Disposition: form-data; name="chat_id"\r\n\r\n42\r\n'
        b'--alerter-form-boundary-1\r\nContent-Disposition: form-data; name="caption"\r\n\r\n\xc3\xa9\r\n'
        b'--alerter-form-boundary-1\r\nContent-Disposition: form-data; name="doc"; filename="a%22b%0A.txt"\r\n'
        b"Content-Type: text/plain\r\n\r\n" + data + b"\r\n--alerter-form-boundary-1--\r\n"
    )
