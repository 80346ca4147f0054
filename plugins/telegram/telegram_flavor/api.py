"""The Telegram Bot API calls the flavor makes, and what their errors mean.

Every call is ``POST {api_base}/bot<token>/<method>`` with a JSON body; the
answer is ``{"ok": true, "result": ...}`` or ``{"ok": false, "error_code":
400, "description": "...", "parameters": {"retry_after": 5}}``.
"""

from __future__ import annotations

import json
from typing import Any, Dict, List, Optional, Tuple

from alerter_flavor import (
    Internal,
    InvalidSettings,
    Message,
    RateLimited,
    Rejected,
    RepliesPage,
    Reply,
    ReplyKind,
    Request,
    Sent,
    Settings,
    log,
    truncate,
    utf16_len,
)

from . import render

DEFAULT_API = "https://api.telegram.org"


# --- settings ----------------------------------------------------------------------------


class Config:
    def __init__(self, settings: Settings):
        self.token = settings.require("token")
        self.chat_id = settings.require("chat_id").strip()
        self.api_base = settings.get("api_base", DEFAULT_API).strip().rstrip("/")
        if not self.api_base.startswith(("https://", "http://")):
            raise InvalidSettings(f"setting `api_base` must be an http(s) URL, not `{self.api_base}`")
        self.parse_mode = settings.choice("parse_mode", render.PARSE_MODES, "HTML")

    def url(self, method: str) -> str:
        # The token is a secret bound to the path segment `bot{}`: the host
        # swaps the placeholder for the real token only there.
        return f"{self.api_base}/bot{self.token}/{method}"


def parse_reference(reference: str) -> Tuple[str, int]:
    """`CHAT_ID:MESSAGE_ID` (the chat id may itself be `@channel` or negative)."""
    chat, sep, mid = reference.rpartition(":")
    if not sep or not chat or not mid.isdigit():
        raise InvalidSettings(f"not a Telegram message reference (CHAT_ID:MESSAGE_ID): `{reference}`")
    return chat, int(mid)


def chat_param(chat: str) -> Any:
    """Telegram takes a chat id as an integer or `@username`."""
    try:
        return int(chat)
    except ValueError:
        return chat


# --- calling ------------------------------------------------------------------------------

HINTS = [
    # (status or None, substring of the description, hint)
    (401, "", "the bot token is wrong or was revoked: get the token from @BotFather (/token) and store it again (alerter secret set …)"),
    (404, "", "the API answered 404: the token is malformed (it looks like 123456:ABC…) or `api_base` is not a Bot API server"),
    (400, "chat not found", "check `chat_id`: a user's numeric id, -100… for a group or channel, or @channelusername; the bot must be a member, and a user must have sent /start to the bot first"),
    (400, "can't parse entities", "Telegram could not parse the formatted text: try --set parse_mode=none, and report the message that failed"),
    (400, "message to be replied not found", "the message to reply under (thread) no longer exists"),
    (400, "message to edit not found", "the message to edit no longer exists"),
    (400, "message can't be edited", "only the bot's own text messages younger than 48 hours can be edited"),
    (400, "upgraded to a supergroup", "the group became a supergroup: set chat_id to the new id"),
    (403, "bot was blocked by the user", "the user blocked the bot: they must unblock it (or send /start) before it can write to them"),
    (403, "not enough rights", "the bot lacks the right to post in this chat: make it an administrator or allow members to send messages"),
    (403, "bot is not a member", "add the bot to the channel or group first"),
    (403, "bot was kicked", "the bot was removed from the chat: add it again"),
    (403, "can't initiate conversation", "a bot cannot start a conversation: the user must send /start to the bot first"),
    (409, "webhook", "this bot has a webhook set, so getUpdates (which `ask` uses) is refused: delete it with https://api.telegram.org/bot<token>/deleteWebhook, or use another bot"),
    (409, "terminated by other getUpdates", "another program is polling this bot with getUpdates at the same time: stop it, or give alerter its own bot"),
]


def hint(status: int, description: str) -> Optional[str]:
    d = description.lower()
    for code, needle, text in HINTS:
        if code == status and needle in d:
            return text
    return None


def error_for(status: int, answer: Any, raw_text: str) -> Exception:
    """The flavor error for a failed call."""
    answer = answer if isinstance(answer, dict) else {}
    code = answer.get("error_code", status)
    description = str(answer.get("description") or truncate(raw_text, 200) or f"HTTP {status}")
    params = answer.get("parameters") if isinstance(answer.get("parameters"), dict) else {}
    retry_after = params.get("retry_after")
    if status == 429 or code == 429 or isinstance(retry_after, (int, float)):
        seconds = retry_after if isinstance(retry_after, (int, float)) else 1
        return RateLimited(int(seconds * 1000), f"Telegram: {description}")
    text = f"Telegram: {description}"
    h = hint(int(code) if isinstance(code, int) else status, description)
    if params.get("migrate_to_chat_id") is not None:
        h = f"the group became a supergroup: set chat_id to {params['migrate_to_chat_id']}"
    if h:
        text += f" ({h})"
    return Rejected(str(code), text, status)


def call(cfg: Config, method: str, payload: Dict[str, Any]) -> Any:
    """Calls `method` and returns its `result`, or raises the flavor error."""
    resp = Request.post(cfg.url(method)).json(payload).send()
    log.debug(f"telegram {method}: HTTP {resp.status}")
    answer = resp.json_or_none()
    if resp.is_success and isinstance(answer, dict) and answer.get("ok") is True:
        return answer.get("result")
    if resp.is_success:
        raise Internal(f"unexpected answer from {method} (HTTP {resp.status}): {truncate(resp.text, 200)}")
    raise error_for(resp.status, answer, resp.text)


# --- send / update -------------------------------------------------------------------------


def message_link(chat: Dict[str, Any], message_id: int) -> Optional[str]:
    """A t.me link to a message: public chats by username, supergroups and
    channels by their internal id (works for members); none for private chats."""
    username = chat.get("username")
    if username:
        return f"https://t.me/{username}/{message_id}"
    cid = str(chat.get("id", ""))
    if cid.startswith("-100"):
        return f"https://t.me/c/{cid[4:]}/{message_id}"
    return None


def text_payload(cfg: Config, message: Message) -> Dict[str, Any]:
    r = render.render(message, cfg.parse_mode)
    if r.truncated:
        log.info(f"message shortened to Telegram's limit ({render.MAX_TEXT} UTF-16 units after parsing)")
    payload: Dict[str, Any] = {"text": r.text, "link_preview_options": {"is_disabled": True}}
    if r.parse_mode:
        payload["parse_mode"] = r.parse_mode
    return payload


def raw_fields(raw: Optional[str]) -> Dict[str, Any]:
    if raw is None:
        return {}
    try:
        value = json.loads(raw)
    except ValueError as e:
        raise InvalidSettings(f"raw must be a JSON object of sendMessage fields: {e}") from None
    if not isinstance(value, dict):
        raise InvalidSettings("raw must be a JSON object of sendMessage fields (e.g. {\"reply_markup\": …})")
    return value


def send(cfg: Config, message: Message) -> Sent:
    chat = cfg.chat_id
    payload: Dict[str, Any] = text_payload(cfg, message)
    if message.thread:
        t_chat, t_mid = parse_reference(message.thread)
        chat = t_chat
        payload["reply_parameters"] = {"message_id": t_mid, "allow_sending_without_reply": True}
    payload["chat_id"] = chat_param(chat)
    payload.update(raw_fields(message.raw))
    result = call(cfg, "sendMessage", payload)
    if not isinstance(result, dict) or "message_id" not in result:
        raise Internal(f"sendMessage answered without a message: {truncate(json.dumps(result), 200)}")
    rchat = result.get("chat") if isinstance(result.get("chat"), dict) else {}
    chat_ref = str(rchat.get("id", chat))
    if message.attachments:
        send_attachments(cfg, chat_ref, result["message_id"], message.attachments)
    return Sent(reference=f"{chat_ref}:{result['message_id']}", link=message_link(rchat, result["message_id"]))


# sendPhoto takes JPEG, PNG and WebP up to 10 MB; anything else is a document
# (up to 50 MB through the public Bot API).
PHOTO_TYPES = ("image/jpeg", "image/png", "image/webp")
MAX_PHOTO = 10 * 1024 * 1024


def call_multipart(cfg: Config, method: str, fields, files) -> Any:
    resp = Request.post(cfg.url(method)).multipart(fields, files).send()
    log.debug(f"telegram {method}: HTTP {resp.status}")
    answer = resp.json_or_none()
    if resp.is_success and isinstance(answer, dict) and answer.get("ok") is True:
        return answer.get("result")
    raise error_for(resp.status, answer, resp.text)


def send_attachments(cfg: Config, chat: str, reply_to: int, attachments) -> None:
    """Each file as a reply to the posted message: images as photos (with
    their name as the caption), the rest as documents. A file Telegram
    refuses does not undo the message: the failures are posted as one more
    reply, so people see what is missing."""
    failed = []
    for a in attachments:
        is_photo = a.media_type.lower() in PHOTO_TYPES and len(a.data) <= MAX_PHOTO
        method, field = ("sendPhoto", "photo") if is_photo else ("sendDocument", "document")
        fields = [
            ("chat_id", chat),
            ("reply_parameters", json.dumps({"message_id": reply_to, "allow_sending_without_reply": True})),
        ]
        if is_photo:
            fields.append(("caption", truncate(a.name, 1024)))
        try:
            call_multipart(cfg, method, fields, [(field, a.name, a.media_type, a.data)])
        except Exception as e:  # noqa: BLE001 - the message is out: never fail (a retry would post it twice)
            log.warn(f"telegram: could not attach {a.name}: {e}")
            failed.append(f"{a.name} ({e})")
    if failed:
        text = truncate("Could not attach: " + "; ".join(failed), render.MAX_TEXT, render.MARKER, utf16_len)
        try:
            call(cfg, "sendMessage", {"chat_id": chat_param(chat), "text": text,
                                      "reply_parameters": {"message_id": reply_to, "allow_sending_without_reply": True}})
        except Exception as e:  # noqa: BLE001 - same reason
            log.warn(f"telegram: could not report the missing attachments: {e}")


def update(cfg: Config, reference: str, message: Message) -> None:
    chat, mid = parse_reference(reference)
    payload = text_payload(cfg, message)
    payload.update({"chat_id": chat_param(chat), "message_id": mid})
    try:
        call(cfg, "editMessageText", payload)
    except Rejected as e:
        if "message is not modified" in e.message:
            return  # same content: nothing to do
        raise


# --- replies --------------------------------------------------------------------------------

PRIVACY_NOTICE = (
    "Telegram: in groups a bot with privacy mode on (the default) sees only replies to its own "
    "messages and messages that mention it: answer by replying to the question or with "
    "@{bot} approve (or turn privacy off with @BotFather /setprivacy)"
)
REACTION_NOTICE = (
    "Telegram: reactions reach the bot only where it is an administrator of the chat"
)


def utf16_slice(text: str, offset: int, length: int) -> str:
    """`text[offset:offset+length]` with offsets in UTF-16 code units, as
    Telegram gives them for entities. (Counted by hand: the Python inside a
    componentize-py component has no UTF-16 codec.)"""
    out, unit = [], 0
    for ch in text:
        if unit >= offset + length:
            break
        if unit >= offset:
            out.append(ch)
        unit += 2 if ord(ch) > 0xFFFF else 1
    return "".join(out)


def author(msg: Dict[str, Any]) -> Tuple[str, str, bool]:
    user = msg.get("from") if isinstance(msg.get("from"), dict) else None
    if user is None:
        user = msg.get("user") if isinstance(msg.get("user"), dict) else None
    if user is not None:
        name = " ".join(p for p in (user.get("first_name"), user.get("last_name")) if p) or user.get("username") or str(user.get("id"))
        return str(user.get("id", "")), name, bool(user.get("is_bot", False))
    chat = msg.get("sender_chat") or msg.get("actor_chat") or {}
    return str(chat.get("id", "")), str(chat.get("title") or chat.get("username") or chat.get("id", "")), False


def mentions(text: str, entities: List[Dict[str, Any]], bot: Optional[Dict[str, Any]]) -> List[str]:
    """Substrings of `text` that mention the bot: `mention` entities equal to
    @its_username, and `text_mention` entities naming its id."""
    if bot is None:
        return []
    uname = "@" + str(bot.get("username", "")).lower()
    out = []
    for e in entities:
        if not isinstance(e, dict):
            continue
        piece = utf16_slice(text, int(e.get("offset", 0)), int(e.get("length", 0)))
        if e.get("type") == "mention" and piece.lower() == uname:
            out.append(piece)
        elif e.get("type") == "text_mention" and isinstance(e.get("user"), dict) and e["user"].get("id") == bot.get("id"):
            out.append(piece)
    return out


def has_mention(msg: Dict[str, Any]) -> bool:
    return any(
        isinstance(e, dict) and e.get("type") in ("mention", "text_mention")
        for e in (msg.get("entities") or msg.get("caption_entities") or [])
    )


def replies(cfg: Config, reference: str, cursor: Optional[str]) -> RepliesPage:
    chat, qid = parse_reference(reference)
    payload: Dict[str, Any] = {"timeout": 0, "limit": 100, "allowed_updates": ["message", "message_reaction"]}
    if cursor:
        if not cursor.lstrip("-").isdigit():
            raise InvalidSettings(f"not a Telegram replies cursor: `{cursor}`")
        payload["offset"] = int(cursor)
    updates = call(cfg, "getUpdates", payload)
    if not isinstance(updates, list):
        raise Internal("getUpdates answered without a list of updates")

    bot: Optional[Dict[str, Any]] = None
    out: List[Reply] = []
    next_offset = int(cursor) if cursor else None
    for u in updates:
        if not isinstance(u, dict) or not isinstance(u.get("update_id"), int):
            continue
        next_offset = max(next_offset or 0, u["update_id"] + 1)
        msg = u.get("message")
        if isinstance(msg, dict):
            if not same_chat(msg.get("chat"), chat):
                continue
            mid = msg.get("message_id")
            if not isinstance(mid, int) or mid <= qid:
                continue  # older than the question
            reply_to = msg.get("reply_to_message") if isinstance(msg.get("reply_to_message"), dict) else None
            if reply_to is not None and reply_to.get("message_id") != qid:
                continue  # an answer to some other message
            text = msg.get("text") if msg.get("text") is not None else msg.get("caption", "")
            entities = msg.get("entities") or msg.get("caption_entities") or []
            if bot is None and has_mention(msg):
                bot = call(cfg, "getMe", {})
            aid, aname, is_bot = author(msg)
            out.append(
                Reply(
                    author_id=aid,
                    author_name=aname,
                    text=str(text or ""),
                    id=str(mid),
                    is_bot=is_bot,
                    bot_mentions=mentions(str(text or ""), entities, bot),
                    kind=ReplyKind.MESSAGE,
                    in_thread=reply_to is not None,
                    posted_at_ms=msg["date"] * 1000 if isinstance(msg.get("date"), int) else None,
                )
            )
        reaction = u.get("message_reaction")
        if isinstance(reaction, dict):
            if not same_chat(reaction.get("chat"), chat) or reaction.get("message_id") != qid:
                continue
            aid, aname, is_bot = author(reaction)
            for r in reaction.get("new_reaction") or []:
                if not isinstance(r, dict):
                    continue
                name = r.get("emoji") if r.get("type") == "emoji" else f"{r.get('type')}:{r.get('custom_emoji_id', '')}".rstrip(":")
                out.append(
                    Reply(
                        author_id=aid,
                        author_name=aname,
                        text=str(name),
                        id=f"reaction:{qid}:{aid}:{name}",
                        is_bot=is_bot,
                        kind=ReplyKind.REACTION,
                        posted_at_ms=reaction["date"] * 1000 if isinstance(reaction.get("date"), int) else None,
                    )
                )
    notices = []
    if cursor is None and str(chat).startswith("-"):
        notices = [PRIVACY_NOTICE.format(bot=(bot or {}).get("username", "yourbot")), REACTION_NOTICE]
    return RepliesPage(
        replies=out,
        cursor=str(next_offset) if next_offset is not None else None,
        notices=notices,
    )


def same_chat(chat: Any, want: str) -> bool:
    if not isinstance(chat, dict):
        return False
    if str(chat.get("id")) == want:
        return True
    return want.startswith("@") and str(chat.get("username", "")).lower() == want[1:].lower()
