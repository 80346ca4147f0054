"""telegram: an alerter flavor for the Telegram Bot API, in Python.

componentize-py builds this module into a component; the class that
implements the exported interface must be named `Flavor`. The logic lives in
`telegram_flavor` (tested natively with pytest); this file only declares the
flavor and forwards the calls.
"""

import alerter_flavor
from alerter_flavor import Capabilities, Info, PathSegmentSlot, Secret, Setting

from telegram_flavor import VERSION, api

ORIGINS = ["https://api.telegram.org", "{api_base}"]


class Flavor(alerter_flavor.Flavor):
    INFO = Info(
        name="telegram",
        version=VERSION,
        description="Posts to a Telegram chat with a bot, reads replies and reactions (Bot API)",
        settings=[
            Setting(
                "token",
                "Bot token from @BotFather (123456:ABC…)",
                required=True,
                secret=Secret(PathSegmentSlot("bot{}"), ORIGINS),
            ),
            Setting("chat_id", "Chat to post to: a numeric id (-100… for groups and channels) or @channelusername", required=True),
            Setting("api_base", "Bot API server", default=api.DEFAULT_API),
            Setting("parse_mode", "Formatting: HTML, MarkdownV2 or none", default="HTML"),
        ],
        hosts=ORIGINS,
        capabilities=Capabilities(post=True, read_replies=True, threads=True, attachments=True, reactions=True, update=True),
    )

    def send(self, settings, message):
        return api.send(api.Config(settings), message)

    def replies(self, settings, reference, cursor):
        return api.replies(api.Config(settings), reference, cursor)

    def update(self, settings, reference, message):
        api.update(api.Config(settings), reference, message)
