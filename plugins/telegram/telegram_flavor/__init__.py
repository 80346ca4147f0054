"""The Telegram flavor's logic, testable without the component bindings."""

from .api import Config  # noqa: F401

VERSION = "0.1.0"
