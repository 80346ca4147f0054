"""alerter_flavor: write alerter flavors in Python (componentize-py).

The plain parts (settings, requests and responses, errors, text helpers, the
contract's types) live in `alerter_flavor.core` and `alerter_flavor.log` and
import nothing from the component bindings, so flavor logic is testable with
pytest. `Flavor`, the base class of the exported interface, comes from
`alerter_flavor.component` and is loaded only when asked for (it needs the
bindings that exist only inside a componentize-py build).
"""

from . import log
from .core import (
    TRUNCATION_MARKER,
    Attachment,
    Capabilities,
    FlavorError,
    HeaderSlot,
    HttpFailure,
    Info,
    Internal,
    InvalidSettings,
    Level,
    Message,
    PathSegmentSlot,
    RateLimited,
    Rejected,
    RepliesPage,
    Reply,
    ReplyKind,
    Request,
    Response,
    Secret,
    Sent,
    Setting,
    Settings,
    Unsupported,
    UrlSlot,
    dumps,
    level_emoji,
    parse_retry_after,
    truncate,
    utf8_len,
    utf16_len,
)

__all__ = [name for name in dir() if not name.startswith("_")] + ["Flavor"]


def __getattr__(name):
    if name == "Flavor":
        from .component import Flavor

        return Flavor
    raise AttributeError(f"module 'alerter_flavor' has no attribute {name!r}")
