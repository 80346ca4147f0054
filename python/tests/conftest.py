"""Fixtures for the Python suites: the repository's Slack stand-in (the
`standin` binary of the `tests` crate) as a process, and a fresh alerter
state directory per test.

`ALERTER_STANDIN` names the stand-in binary (scripts/test sets it); else it
is looked up in `$CARGO_TARGET_DIR/debug` (default `~/.cache/alerter/target`).
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List

import pytest


def standin_binary() -> str:
    given = os.environ.get("ALERTER_STANDIN")
    if given:
        return given
    target = os.environ.get("CARGO_TARGET_DIR", os.path.expanduser("~/.cache/alerter/target"))
    path = Path(target) / "debug" / "standin"
    if not path.exists():
        pytest.exit(f"no stand-in at {path}: build it with `cargo build -p alerter-tests --bin standin`", 2)
    return str(path)


class StandIn:
    """A running Slack stand-in. `posts()` are the parameters of every
    `chat.postMessage` it answered ok, oldest first."""

    def __init__(self, tmp: Path, args: List[str]) -> None:
        self.log_path = tmp / f"standin-{time.monotonic_ns()}.jsonl"
        self.stderr_path = self.log_path.with_suffix(".err")
        self.proc = subprocess.Popen(
            [standin_binary(), "--log", str(self.log_path), *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=open(self.stderr_path, "wb"),
            text=True,
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline().split()
        if len(line) != 3:
            raise RuntimeError(f"the stand-in did not start: {self.stderr_path.read_text()}")
        self.origin, self.channel, self.token = line

    @property
    def api_base(self) -> str:
        return f"{self.origin}/api"

    @property
    def webhook_url(self) -> str:
        return f"{self.origin}/services/T0STANDIN/B0STANDIN/xWebhookSecret42"

    def register(self, name: str = "ops", **extra: str) -> Any:
        """Registers a bot-mode Slack alerter (the built-in flavor) on this stand-in."""
        import alerter

        settings = {"token": self.token, "channel_id": self.channel, "api_base": self.api_base, **extra}
        return alerter.register(name, "slack", settings=settings, allow_hosts=[self.origin])

    def posts(self, at_least: int = 0, timeout: float = 5.0) -> List[Dict[str, Any]]:
        """The parameters of each `chat.postMessage`, in order."""
        return self._logged(lambda line: "file" not in line, at_least, timeout)

    def files(self, at_least: int = 0, timeout: float = 5.0) -> List[Dict[str, Any]]:
        """Each file uploaded and shared: name, bytes received, where shared."""
        return self._logged(lambda line: "file" in line, at_least, timeout)

    def _logged(self, keep: Any, at_least: int, timeout: float) -> List[Dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while True:
            text = self.log_path.read_text() if self.log_path.exists() else ""
            lines = text.split("\n")[:-1]  # complete lines only: the stand-in may be writing the last
            found = [entry for entry in (json.loads(line) for line in lines if line.strip()) if keep(entry)]
            if len(found) >= at_least or time.monotonic() > deadline:
                return found
            time.sleep(0.02)

    def stop(self) -> None:
        if self.proc.poll() is None:
            assert self.proc.stdin is not None
            self.proc.stdin.close()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh alerter state directory, as $ALERTER_HOME."""
    d = tmp_path / "alerter-home"
    monkeypatch.setenv("ALERTER_HOME", str(d))
    return d


@pytest.fixture
def make_standin(tmp_path: Path) -> Iterator[Callable[..., StandIn]]:
    """Starts stand-ins: `make_standin("--reply", "no", "--reply-after", "0.5")`."""
    started: List[StandIn] = []

    def start(*args: str) -> StandIn:
        s = StandIn(tmp_path, list(args))
        started.append(s)
        return s

    yield start
    for s in started:
        s.stop()


@pytest.fixture
def slack(make_standin: Callable[..., StandIn], home: Path) -> StandIn:
    """A stand-in where nobody answers, and alerter `ops` registered on it."""
    s = make_standin()
    s.register("ops")
    return s


def texts(posts: List[Dict[str, Any]]) -> List[str]:
    return [p.get("text", "") for p in posts]


def blocks_text(post: Dict[str, Any]) -> str:
    """Every text in a post's blocks, joined (for assertions)."""
    out: List[str] = []

    def walk(v: Any) -> None:
        if isinstance(v, dict):
            for k, x in v.items():
                if k == "text" and isinstance(x, str):
                    out.append(x)
                else:
                    walk(x)
        elif isinstance(v, list):
            for x in v:
                walk(x)

    blocks = post.get("blocks")
    if isinstance(blocks, str):
        blocks = json.loads(blocks)
    walk(blocks)
    return "\n".join(out)
