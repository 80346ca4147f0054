"""Turning a message into Telegram text, for each parse mode.

Telegram limits a message to 4096 characters *after entity parsing*, counted
in UTF-16 code units: the markup (`<b>`, `\\_`) does not count, the visible
text does, and a character outside the Basic Multilingual Plane (most emoji)
counts 2. We count exactly that: the UTF-16 length of the visible text, and
shorten the body (then metadata, then the title) with a visible marker until
it fits. A message is never rejected for its length.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import List, Optional, Tuple

from alerter_flavor import Level, Message, level_emoji, truncate, utf16_len

MAX_TEXT = 4096  # UTF-16 code units after entity parsing
MAX_TITLE = 256
MAX_META_KEY = 64
MAX_META_VALUE = 512
MAX_LINK_TEXT = 200  # a longer link is shown as "Open link" (the URL itself does not count)
MARKER = "… [truncated]"

PARSE_MODES = ("HTML", "MarkdownV2", "none")

# MarkdownV2: every one of these must be escaped with a backslash outside
# entities (https://core.telegram.org/bots/api#markdownv2-style).
MD_SPECIAL = set("_*[]()~`>#+-=|{}.!\\")


def escape_html(text: str) -> str:
    """Text for HTML mode: `&`, `<` and `>` become entities."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def escape_html_attr(text: str) -> str:
    """An attribute value (a link's href) in double quotes."""
    return escape_html(text).replace('"', "&quot;")


def escape_md(text: str) -> str:
    """Text for MarkdownV2: every special character escaped."""
    return "".join("\\" + c if c in MD_SPECIAL else c for c in text)


def escape_md_url(url: str) -> str:
    """The URL part of a MarkdownV2 link `[text](url)`: only `)` and `\\`."""
    return url.replace("\\", "\\\\").replace(")", "\\)")


@dataclass
class Rendered:
    """The `text` to send, its parse mode (None for plain text) and how
    many UTF-16 units Telegram will count."""

    text: str
    parse_mode: Optional[str]
    visible_len: int
    truncated: bool


def _spans(message: Message, title: Optional[str], body: str, meta: List[Tuple[str, str]], more: int, plain: bool):
    """The message as (kind, text) spans: kind is `plain`, `bold` or `link`.
    The visible text is the concatenation of every span's text."""
    spans: List[Tuple[str, str]] = []
    emoji = level_emoji(message.level)
    if title:
        spans += [("plain", emoji + " "), ("bold", title), ("plain", "\n")]
    else:
        spans.append(("plain", emoji + " "))
    spans.append(("plain", body))
    if meta or more:
        spans.append(("plain", "\n"))
        for key, value in meta:
            spans += [("plain", "\n"), ("bold", key), ("plain", ": " + value)]
        if more:
            spans.append(("plain", f"\n… {more} more"))
    if message.link:
        text = message.link if plain or utf16_len(message.link) <= MAX_LINK_TEXT else "Open link"
        spans += [("plain", "\n\n"), ("link", text)]
    return spans


def _visible(spans) -> str:
    return "".join(text for _, text in spans)


def _markup(spans, mode: str, link: Optional[str]) -> str:
    out = []
    for kind, text in spans:
        if mode == "HTML":
            if kind == "bold":
                out.append(f"<b>{escape_html(text)}</b>")
            elif kind == "link":
                out.append(f'<a href="{escape_html_attr(link or text)}">{escape_html(text)}</a>')
            else:
                out.append(escape_html(text))
        elif mode == "MarkdownV2":
            if kind == "bold":
                out.append(f"*{escape_md(text)}*")
            elif kind == "link":
                out.append(f"[{escape_md(text)}]({escape_md_url(link or text)})")
            else:
                out.append(escape_md(text))
        else:
            out.append(text)
    return "".join(out)


def render(message: Message, parse_mode: str = "HTML", limit: int = MAX_TEXT) -> Rendered:
    """The message as Telegram text in `parse_mode` (`HTML`, `MarkdownV2`
    or `none`), at most `limit` UTF-16 units once parsed."""
    if parse_mode not in PARSE_MODES:
        raise ValueError(f"parse mode {parse_mode!r}")
    cut = False
    title = message.title.strip() if message.title and message.title.strip() else None
    if title and utf16_len(title) > MAX_TITLE:
        title, cut = truncate(title, MAX_TITLE, "…", utf16_len), True
    meta = []
    for key, value in message.metadata:
        k, v = truncate(key, MAX_META_KEY, "…", utf16_len), truncate(value, MAX_META_VALUE, MARKER, utf16_len)
        cut = cut or (k, v) != (key, value)
        meta.append((k, v))
    more = 0

    # Everything but the body must leave room for the body's marker at least.
    def fixed_len() -> int:
        return utf16_len(_visible(_spans(message, title, "", meta, more, parse_mode == "none")))

    while meta and fixed_len() > limit - utf16_len(MARKER) - 1:
        meta.pop()
        more += 1
        cut = True
    if fixed_len() > limit - utf16_len(MARKER) - 1 and title:
        title, cut = truncate(title, 16, "…", utf16_len), True

    body = message.body
    budget = max(0, limit - fixed_len())
    if utf16_len(body) > budget:
        body, cut = truncate(body, budget, MARKER, utf16_len), True

    spans = _spans(message, title, body, meta, more, parse_mode == "none")
    visible = _visible(spans)
    mode = None if parse_mode == "none" else parse_mode
    if utf16_len(visible) > limit:  # only a huge plain-text link can get here
        plain = truncate(visible, limit, MARKER, utf16_len)
        return Rendered(plain, None, utf16_len(plain), True)
    return Rendered(_markup(spans, parse_mode, message.link), mode, utf16_len(visible), cut)


def level_word(level: Level) -> str:
    return level.value
