"""Tests of the Telegram flavor's logic with a fake Bot API (no bindings)."""

import json
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent), str(HERE.parents[1] / "sdk-python")]

import alerter_flavor as af  # noqa: E402
from alerter_flavor import core  # noqa: E402
from telegram_flavor import api, render  # noqa: E402

TOKEN = "<<secret:token>>"


class FakeBot:
    """Answers Bot API calls from a queue; records every request."""

    def __init__(self):
        self.calls = []
        self.answers = []

    def __call__(self, method, url, headers, body):
        payload = json.loads(body) if body else None
        self.calls.append((url.rsplit("/", 1)[1], url, payload))
        status, answer = self.answers.pop(0)
        return af.Response(status, [("content-type", "application/json")], json.dumps(answer).encode())

    def ok(self, result):
        self.answers.append((200, {"ok": True, "result": result}))

    def fail(self, status, description, **params):
        a = {"ok": False, "error_code": status, "description": description}
        if params:
            a["parameters"] = params
        self.answers.append((status, a))


@pytest.fixture
def bot():
    fake = FakeBot()
    core.set_transport(fake)
    yield fake
    core.set_transport(None)


def cfg(**extra):
    pairs = {"token": TOKEN, "chat_id": "-1001234", "api_base": "https://api.telegram.org", "parse_mode": "HTML"}
    pairs.update(extra)
    return api.Config(af.Settings(pairs.items()))


# --- rendering ------------------------------------------------------------------------


def test_html_escapes_text_and_attributes():
    m = af.Message(body="a < b && c > d", title="<Deploy> & go", level=af.Level.FAILURE,
                   metadata=[("run<1>", "x&y")], link='https://ci.test/?a=1&b="2"')
    r = render.render(m, "HTML")
    assert r.parse_mode == "HTML"
    assert r.text == (
        "🚨 <b>&lt;Deploy&gt; &amp; go</b>\n"
        "a &lt; b &amp;&amp; c &gt; d\n"
        "\n<b>run&lt;1&gt;</b>: x&amp;y"
        '\n\n<a href="https://ci.test/?a=1&amp;b=&quot;2&quot;">https://ci.test/?a=1&amp;b="2"</a>'
    )


def test_markdownv2_escapes_every_special_character():
    special = "_*[]()~`>#+-=|{}.!\\"
    r = render.render(af.Message(body=special, title="v1.2", link="https://x.test/a_(b)"), "MarkdownV2")
    assert r.parse_mode == "MarkdownV2"
    assert "\\_\\*\\[\\]\\(\\)\\~\\`\\>\\#\\+\\-\\=\\|\\{\\}\\.\\!\\\\" in r.text
    assert r.text.startswith("ℹ️ *v1\\.2*\n")
    assert r.text.endswith("[https://x\\.test/a\\_\\(b\\)](https://x.test/a_(b\\))")


def test_none_mode_is_plain():
    r = render.render(af.Message(body="<b>x</b>", title="T", level=af.Level.SUCCESS), "none")
    assert r.parse_mode is None and r.text == "✅ T\n<b>x</b>"


def test_long_body_is_cut_to_4096_utf16_units_with_a_marker():
    body = "😀" * 5000  # 10,000 UTF-16 units, 5,000 code points
    r = render.render(af.Message(body=body, title="big", metadata=[("k", "v")]), "HTML")
    assert r.truncated and r.visible_len <= 4096 and r.visible_len > 4000
    assert render.MARKER in r.text
    assert "\n<b>k</b>: v" in r.text  # metadata kept after the cut body


def test_escaping_does_not_count_against_the_limit():
    body = "<" * 4000  # 4,000 visible, 16,000 bytes of markup
    r = render.render(af.Message(body=body), "HTML")
    assert not r.truncated and r.text.count("&lt;") == 4000


def test_many_metadata_lines_are_dropped_with_a_count():
    meta = [(f"key{i}", "v" * 100) for i in range(100)]
    r = render.render(af.Message(body="b", metadata=meta), "none")
    assert r.visible_len <= 4096 and "more" in r.text and r.truncated


def test_long_link_in_html_is_shown_short():
    link = "https://x.test/" + "a" * 5000
    r = render.render(af.Message(body="b", link=link), "HTML")
    assert ">Open link</a>" in r.text and r.visible_len < 100


# --- send / update ------------------------------------------------------------------------


def test_send_posts_sendmessage_and_returns_chat_colon_id(bot):
    bot.ok({"message_id": 42, "chat": {"id": -1001234, "type": "supergroup"}, "text": "x"})
    sent = api.send(cfg(), af.Message(body="hello", title="T"))
    method, url, payload = bot.calls[0]
    assert method == "sendMessage"
    assert url == f"https://api.telegram.org/bot{TOKEN}/sendMessage"
    assert payload["chat_id"] == -1001234 and payload["parse_mode"] == "HTML"
    assert payload["text"] == "ℹ️ <b>T</b>\nhello"
    assert sent.reference == "-1001234:42" and sent.link == "https://t.me/c/1234/42"


def test_send_in_thread_uses_reply_parameters_and_raw_overrides(bot):
    bot.ok({"message_id": 43, "chat": {"id": -5, "type": "group"}})
    m = af.Message(body="x", thread="-5:42", raw='{"reply_markup": {"inline_keyboard": []}}')
    sent = api.send(cfg(parse_mode="none"), m)
    payload = bot.calls[0][2]
    assert payload["reply_parameters"] == {"message_id": 42, "allow_sending_without_reply": True}
    assert payload["chat_id"] == -5 and "parse_mode" not in payload
    assert payload["reply_markup"] == {"inline_keyboard": []}
    assert sent.reference == "-5:43" and sent.link is None


def test_channel_username_link(bot):
    bot.ok({"message_id": 9, "chat": {"id": -100777, "type": "channel", "username": "ops_alerts"}})
    assert api.send(cfg(chat_id="@ops_alerts"), af.Message(body="x")).link == "https://t.me/ops_alerts/9"
    assert bot.calls[0][2]["chat_id"] == "@ops_alerts"


@pytest.mark.parametrize(
    "status,description,code,hint",
    [
        (401, "Unauthorized", "401", "@BotFather"),
        (400, "Bad Request: chat not found", "400", "check `chat_id`"),
        (403, "Forbidden: bot was blocked by the user", "403", "unblock"),
        (403, "Forbidden: not enough rights to send text messages to the chat", "403", "administrator"),
        (404, "Not Found", "404", "malformed"),
    ],
)
def test_errors_have_hints(bot, status, description, code, hint):
    bot.fail(status, description)
    with pytest.raises(af.Rejected) as e:
        api.send(cfg(), af.Message(body="x"))
    assert e.value.code == code and hint in e.value.message and description in e.value.message
    assert e.value.status == status


def test_429_is_rate_limited_with_retry_after(bot):
    bot.fail(429, "Too Many Requests: retry after 7", retry_after=7)
    with pytest.raises(af.RateLimited) as e:
        api.send(cfg(), af.Message(body="x"))
    assert e.value.retry_after_ms == 7000


def test_migrated_group_names_the_new_id(bot):
    bot.fail(400, "Bad Request: group chat was upgraded to a supergroup chat", migrate_to_chat_id=-100999)
    with pytest.raises(af.Rejected, match="set chat_id to -100999"):
        api.send(cfg(chat_id="-5"), af.Message(body="x"))


def test_bad_settings():
    with pytest.raises(af.InvalidSettings, match="chat_id"):
        api.Config(af.Settings([("token", TOKEN)]))
    with pytest.raises(af.InvalidSettings, match="parse_mode"):
        cfg(parse_mode="xml")
    with pytest.raises(af.InvalidSettings, match="CHAT_ID:MESSAGE_ID"):
        api.parse_reference("nope")


def test_update_edits_and_ignores_not_modified(bot):
    bot.ok({"message_id": 42})
    api.update(cfg(), "-1001234:42", af.Message(body="Approved", level=af.Level.SUCCESS))
    method, _, payload = bot.calls[0]
    assert method == "editMessageText" and payload["message_id"] == 42 and payload["chat_id"] == -1001234
    bot.fail(400, "Bad Request: message is not modified: specified new message content is the same")
    api.update(cfg(), "-1001234:42", af.Message(body="Approved"))


# --- replies --------------------------------------------------------------------------------


def msg(update_id, mid, text, user=7, chat=-1001234, reply_to=None, is_bot=False, entities=None):
    m = {"message_id": mid, "date": 1700000000, "chat": {"id": chat, "type": "supergroup"},
         "from": {"id": user, "is_bot": is_bot, "first_name": "Ada", "last_name": "L"}, "text": text}
    if reply_to is not None:
        m["reply_to_message"] = {"message_id": reply_to, "chat": {"id": chat}}
    if entities:
        m["entities"] = entities
    return {"update_id": update_id, "message": m}


def test_replies_filters_and_sets_the_cursor(bot):
    bot.ok([
        msg(100, 41, "older"),                      # before the question
        msg(101, 43, "approve", reply_to=42),       # a reply to it
        msg(102, 44, "LGTM"),                       # after it, top level
        msg(103, 45, "other", reply_to=40),         # a reply to another message
        msg(104, 46, "elsewhere", chat=-999),       # another chat
        msg(105, 47, "I am a bot", is_bot=True),    # a bot (kept, marked)
    ])
    page = api.replies(cfg(), "-1001234:42", None)
    call = bot.calls[0]
    assert call[0] == "getUpdates"
    assert call[2]["allowed_updates"] == ["message", "message_reaction"] and "offset" not in call[2]
    assert [(r.text, r.in_thread, r.is_bot) for r in page.replies] == [
        ("approve", True, False), ("LGTM", False, False), ("I am a bot", False, True)]
    r = page.replies[0]
    assert (r.author_id, r.author_name, r.id, r.posted_at_ms) == ("7", "Ada L", "43", 1700000000000)
    assert page.cursor == "106"
    assert any("privacy mode" in n for n in page.notices)

    bot.ok([])
    page = api.replies(cfg(), "-1001234:42", "106")
    assert bot.calls[1][2]["offset"] == 106 and page.cursor == "106" and page.notices == []


def test_reactions_and_mentions(bot):
    text = "😀 @AlerterBot approve"  # the mention starts at UTF-16 offset 3
    bot.ok([
        msg(200, 50, text, entities=[{"type": "mention", "offset": 3, "length": 11}]),
        {"update_id": 201, "message_reaction": {
            "chat": {"id": -1001234}, "message_id": 42, "user": {"id": 8, "is_bot": False, "first_name": "Bo"},
            "date": 1700000001, "old_reaction": [], "new_reaction": [{"type": "emoji", "emoji": "👍"}]}},
        {"update_id": 202, "message_reaction": {
            "chat": {"id": -1001234}, "message_id": 41, "user": {"id": 8, "is_bot": False, "first_name": "Bo"},
            "date": 1700000001, "old_reaction": [], "new_reaction": [{"type": "emoji", "emoji": "👎"}]}},
    ])
    bot.ok({"id": 555, "is_bot": True, "first_name": "Alerter", "username": "AlerterBot"})
    page = api.replies(cfg(), "-1001234:42", "200")
    assert [c[0] for c in bot.calls] == ["getUpdates", "getMe"]
    m, r = page.replies
    assert m.bot_mentions == ["@AlerterBot"]
    assert (r.kind, r.text, r.author_id, r.author_name) == (af.ReplyKind.REACTION, "👍", "8", "Bo")
    assert page.cursor == "203"


def test_getupdates_conflict_with_webhook(bot):
    bot.fail(409, "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first")
    with pytest.raises(af.Rejected, match="deleteWebhook") as e:
        api.replies(cfg(), "-1001234:42", None)
    assert e.value.code == "409"


def test_utf16_slice():
    assert api.utf16_slice("😀ab", 2, 2) == "ab"


# --- attachments ------------------------------------------------------------------------------


def parts(body: bytes, content_type: str):
    boundary = content_type.split("boundary=")[1].encode()
    out = {}
    for chunk in body.split(b"--" + boundary)[1:-1]:
        assert chunk.startswith(b"\r\n") and chunk.endswith(b"\r\n")
        head, _, data = chunk[2:-2].partition(b"\r\n\r\n")
        name = head.split(b'name="')[1].split(b'"')[0].decode()
        out[name] = (head.decode(), data)
    return out


class RawBot(FakeBot):
    def __call__(self, method, url, headers, body):
        ctype = dict(headers).get("content-type", "")
        if ctype.startswith("multipart/"):
            self.calls.append((url.rsplit("/", 1)[1], url, parts(body, ctype)))
        else:
            self.calls.append((url.rsplit("/", 1)[1], url, json.loads(body)))
        status, answer = self.answers.pop(0)
        return af.Response(status, [], json.dumps(answer).encode())


def test_attachments_are_replies_photos_and_documents():
    bot = RawBot()
    core.set_transport(bot)
    try:
        bot.ok({"message_id": 42, "chat": {"id": -1001234}})
        bot.ok({"message_id": 43})
        bot.ok({"message_id": 44})
        png = b"\x89PNG\r\n\x1a\n" + b"--alerter-form-boundary-0" + b"\x00" * 10
        m = af.Message(body="loss plot attached", attachments=[
            af.Attachment("loss.png", "image/png", png),
            af.Attachment("train \"log\".txt", "text/plain", b"epoch 1\nepoch 2\n"),
        ])
        sent = api.send(cfg(), m)
        assert sent.reference == "-1001234:42"
        assert [c[0] for c in bot.calls] == ["sendMessage", "sendPhoto", "sendDocument"]
        photo = bot.calls[1][2]
        assert photo["chat_id"][1] == b"-1001234" and photo["caption"][1] == b"loss.png"
        assert json.loads(photo["reply_parameters"][1]) == {"message_id": 42, "allow_sending_without_reply": True}
        assert photo["photo"][1] == png and 'filename="loss.png"' in photo["photo"][0]
        assert "Content-Type: image/png" in photo["photo"][0]
        doc = bot.calls[2][2]
        assert doc["document"][1] == b"epoch 1\nepoch 2\n"
        assert 'filename="train %22log%22.txt"' in doc["document"][0]
    finally:
        core.set_transport(None)


def test_a_refused_attachment_is_reported_in_the_chat():
    bot = RawBot()
    core.set_transport(bot)
    try:
        bot.ok({"message_id": 42, "chat": {"id": -1001234}})
        bot.fail(400, "Bad Request: file is too big")
        bot.ok({"message_id": 44})
        m = af.Message(body="x", attachments=[af.Attachment("big.bin", "application/octet-stream", b"0" * 100)])
        assert api.send(cfg(), m).reference == "-1001234:42"
        note = bot.calls[2]
        assert note[0] == "sendMessage" and "Could not attach: big.bin" in note[2]["text"]
        assert "file is too big" in note[2]["text"]
    finally:
        core.set_transport(None)


def test_a_rate_limited_attachment_does_not_fail_the_send():
    bot = RawBot()
    core.set_transport(bot)
    try:
        bot.ok({"message_id": 42, "chat": {"id": -1001234}})
        bot.fail(429, "Too Many Requests: retry after 3", retry_after=3)
        bot.fail(429, "Too Many Requests: retry after 3", retry_after=3)
        m = af.Message(body="x", attachments=[af.Attachment("a.txt", "text/plain", b"a")])
        assert api.send(cfg(), m).reference == "-1001234:42"
        assert [c[0] for c in bot.calls] == ["sendMessage", "sendDocument", "sendMessage"]
    finally:
        core.set_transport(None)
