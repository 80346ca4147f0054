"""Log lines to the host (``alerter`` shows them with the flavor's name).

Inside a component the lines go to the host's `log.write`; elsewhere (tests)
to the sink installed with `set_sink`, or nowhere. The host redacts secrets
and counts the bytes against the call's output budget (16 KiB), so log
little: a line per request at `debug` is plenty.
"""

from __future__ import annotations

from typing import Callable, Optional

LEVELS = ("trace", "debug", "info", "warn", "error")

_sink: Optional[Callable[[str, str], None]] = None


def set_sink(sink: Optional[Callable[[str, str], None]]) -> None:
    """Installs `sink(level, message)`; `level` is one of LEVELS."""
    global _sink
    _sink = sink


def write(level: str, message: str) -> None:
    if level not in LEVELS:
        raise ValueError(f"log level must be one of {LEVELS}, not {level!r}")
    if _sink is not None:
        _sink(level, message)


def trace(message: str) -> None:
    write("trace", message)


def debug(message: str) -> None:
    write("debug", message)


def info(message: str) -> None:
    write("info", message)


def warn(message: str) -> None:
    write("warn", message)


def error(message: str) -> None:
    write("error", message)
