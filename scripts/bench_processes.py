"""Whole-process rows of BENCHMARKS.md (run by scripts/bench; standard library only).

Each command is one process that sends one post to a loopback stand-in; the
commands of a group run interleaved (a round runs each once, in an order
that rotates every round), and each row gives the median wall time from
spawn to exit and the median peak RSS of the command (GNU time's `%M`, see
`run_once`). Every run must exit 0 and the server must have answered exactly
one post per run, else the script fails (non-zero, nothing printed for the
group).

Groups:
- `clients`: `alerter post` (built-in Slack flavor, cached) against curl,
  slack_sdk and apprise: each checked once against the Slack stand-in
  (`standin`, Slack's OpenAPI description), then timed against the minimal
  server (`bench-standin`).
- `flavors`: `alerter post` through the built-in Slack flavor (Rust), the
  telegram flavor (Python, componentize-py) and the teams flavor
  (JavaScript, componentize-js), registered and cached, against one
  minimal server (`bench-standin`) that answers each the way its service
  does; plus registering (first compile of) each big flavor.

    python3 bench_processes.py GROUP --bin-dir DIR [--python VENV_PYTHON]
        [--telegram WASM --teams WASM] [--runs N] --md FILE --targets FILE
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

TEXT = "Nightly training finished"


TIME = "/usr/bin/time"  # GNU time (Debian package `time`): see run_once


class BenchError(Exception):
    pass


@dataclass
class Row:
    name: str
    argv: list[str]
    env: dict[str, str] | None = None
    times: list[float] = field(default_factory=list)
    rss_kib: list[int] = field(default_factory=list)
    compiler: str = "cranelift"

    def median_ms(self) -> float:
        return statistics.median(self.times) * 1000

    def median_rss_mib(self) -> float:
        return statistics.median(self.rss_kib) / 1024


def run_once(argv: list[str], env: dict[str, str] | None) -> tuple[float, int]:
    """Runs argv (stdio to /dev/null) under GNU time; returns (seconds, peak RSS KiB).

    The peak RSS comes from `/usr/bin/time -f %M`, not from this script's own
    wait4: a child that Python spawns shares or copies this interpreter's
    memory until it execs, and Linux counts that high-water mark in the
    child's ru_maxrss, so every process would seem at least as big as this
    script (about 16 MiB). GNU time is a small C program: its floor is about
    2 MiB, and it costs every row the same fork and exec.
    """
    fd, out = tempfile.mkstemp(prefix="bench-rss-")
    os.close(fd)
    devnull = os.open(os.devnull, os.O_RDWR)
    try:
        actions = [
            (os.POSIX_SPAWN_DUP2, devnull, 0),
            (os.POSIX_SPAWN_DUP2, devnull, 1),
            (os.POSIX_SPAWN_DUP2, devnull, 2),
        ]
        exe = shutil.which(argv[0]) or argv[0]
        timed = [TIME, "-f", "%M", "-o", out, exe, *argv[1:]]
        t = time.perf_counter()
        pid = os.posix_spawn(TIME, timed, env if env is not None else dict(os.environ), file_actions=actions)
        _, status, _ = os.wait4(pid, 0)
        dt = time.perf_counter() - t
        code = os.waitstatus_to_exitcode(status)
        lines = Path(out).read_text().split()
    finally:
        os.close(devnull)
        os.unlink(out)
    if code != 0:
        res = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=60)
        raise BenchError(f"{argv[0]} exited {code}: {' '.join(argv)}\n{res.stdout}{res.stderr}")
    return dt, int(lines[-1])


def drop_from_page_cache(rows: list[Row]) -> None:
    """Writes back and drops from the page cache each row's program and
    every file of its ALERTER_HOME (the compile cache), so that each
    command's files come back in as its own runs fault and read them. On
    kernels with large page-cache folios (6.18 here) the peak RSS of a
    process depends on how its files entered the cache: the same `alerter`
    binary measured 14.7 MiB per post after being dropped and faulted back
    in, 17.0 MiB freshly copied, 18.4 MiB after a `cat`."""
    files: set[Path] = set()
    for r in rows:
        prog = shutil.which(r.argv[0]) if r.argv else None
        if prog:
            files.add(Path(prog).resolve())
        home = (r.env or {}).get("ALERTER_HOME")
        if home:
            files.update(f for f in Path(home).rglob("*") if f.is_file())
    for f in files:
        try:
            fd = os.open(f, os.O_RDONLY)
        except OSError:
            continue
        try:
            os.fdatasync(fd)
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        finally:
            os.close(fd)


def interleave(rows: list[Row], runs: int, warmup: int = 2) -> None:
    drop_from_page_cache(rows)
    for _ in range(warmup):
        for r in rows:
            run_once(r.argv, r.env)
    for i in range(runs):
        k = i % len(rows)
        for r in rows[k:] + rows[:k]:
            dt, rss = run_once(r.argv, r.env)
            r.times.append(dt)
            r.rss_kib.append(rss)


class Standin:
    """A stand-in process: first stdout line, served until stdin closes."""

    def __init__(self, argv: list[str]):
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        assert self.proc.stdout is not None
        self.line = self.proc.stdout.readline().split()
        if not self.line:
            raise BenchError(f"{argv[0]} did not start: {self.proc.stderr.read() if self.proc.stderr else ''}")

    def stop(self) -> str:
        try:
            _, err = self.proc.communicate(timeout=20)  # closes stdin: the stand-in stops
        except subprocess.TimeoutExpired:
            self.proc.kill()
            raise BenchError("the stand-in did not stop")
        return err


def alerter_env(home: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ALERTER_")}
    env["ALERTER_HOME"] = home
    return env


def winch_env(home: str) -> dict[str, str]:
    return {**alerter_env(home), "ALERTER_COMPILER": "winch"}


def logged(log: Path, want: int, timeout: float = 10.0) -> list[str]:
    """The lines of the stand-in's `--log`, once it has `want` of them (it
    writes them from a thread that looks every 20 ms, so a line may come
    after the client that caused it has exited); fewer after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        lines = log.read_text().splitlines() if log.exists() else []
        if len(lines) >= want or time.monotonic() > deadline:
            return lines
        time.sleep(0.02)


def check(argv: list[str], env: dict[str, str], what: str) -> str:
    r = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=600)
    if r.returncode != 0:
        raise BenchError(f"{what} failed ({r.returncode}): {' '.join(argv)}\n{r.stdout}{r.stderr}")
    return r.stdout


def expect_posts(stderr: str, expected: int) -> None:
    """Checks the `posts: N` line bench-standin prints when it stops."""
    posts = int(stderr.strip().splitlines()[-1].split()[-1])
    if posts != expected:
        raise BenchError(f"bench-standin answered {posts} posts, not {expected}")


def ratio_table(rows: list[Row], against: str, rss_ratio: bool) -> list[str]:
    """Median time and peak RSS of each row, and its ratio to the first row's
    time (and RSS when `rss_ratio`)."""
    base = rows[0]
    md = [f"| command | median | peak RSS | vs {against} |", "|---|---|---|---|"]
    for r in rows:
        ratio = f"{r.median_ms() / base.median_ms():.2f}x"
        if rss_ratio:
            ratio += f", {r.median_rss_mib() / base.median_rss_mib():.2f}x"
        md.append(f"| {r.name} | {r.median_ms():.1f} ms | {r.median_rss_mib():.1f} MiB | {ratio} |")
    return md


def client_rows(a: argparse.Namespace, alerter: list[str], env: dict[str, str], origin: str, channel: str,
                token: str, body: Path) -> list[Row]:
    """The four clients, each posting TEXT once to the Slack API at `origin`
    (`alerter`: the `alerter post` command line that does)."""
    return [
        Row("`alerter post` (built-in Slack flavor, cached)", alerter, env),
        Row("`curl` one-shot POST of the same JSON",
            ["curl", "-sS", "--fail", "-o", "/dev/null", "-H", f"Authorization: Bearer {token}",
             "-H", "Content-Type: application/json; charset=utf-8", "--data-binary", f"@{body}",
             f"{origin}/api/chat.postMessage"]),
        Row("slack_sdk `WebClient.chat_postMessage` one-liner",
            [a.python, "-c", "from slack_sdk import WebClient; "
             f"assert WebClient(token={token!r}, base_url={origin + '/api/'!r})"
             f".chat_postMessage(channel={channel!r}, text={TEXT!r})['ok']"]),
        Row("apprise (Slack bot mode) one-liner",
            [a.python, "-c", "import apprise; from apprise.plugins.slack import NotifySlack; "
             f"NotifySlack.api_url = {origin + '/api/{}'!r}; ap = apprise.Apprise(); "
             f"ap.add({f'slack://{token}/+{channel}'!r}); assert ap.notify(body={TEXT!r})"]),
    ]


def group_clients(a: argparse.Namespace) -> tuple[list[str], list[tuple[str, str, str, bool]]]:
    if not a.python:
        raise BenchError("--python (the virtualenv with slack_sdk and apprise) is required for `clients`")
    alerter = str(Path(a.bin_dir) / "alerter")
    with tempfile.TemporaryDirectory() as tmp:
        # First each client posts once to the Slack stand-in, which checks
        # every request against Slack's OpenAPI description: all four must
        # be accepted (and `alerter post`'s JSON becomes curl's body).
        log = Path(tmp) / "posted.jsonl"
        standin = Standin([str(Path(a.bin_dir) / "standin"), "--log", str(log)])
        body = Path(tmp) / "body.json"
        try:
            origin, channel, token = standin.line
            env = alerter_env(str(Path(tmp) / "home"))
            check([alerter, "register", "bench", "--flavor", "slack", "--set", f"token={token}",
                   "--set", f"channel_id={channel}", "--set", f"api_base={origin}/api", "--allow-host", origin], env, "register")
            check([alerter, "post", TEXT], env, "the first post (fills the compile cache)")
            first = logged(log, 1)
            if not first:
                raise BenchError("the Slack stand-in logged no post for `alerter post`")
            body.write_text(json.dumps(json.loads(first[0])))
            for r in client_rows(a, [], env, origin, channel, token, body)[1:]:
                run_once(r.argv, r.env)
            logged(log, 4)
        finally:
            standin.stop()
        posted = len(log.read_text().splitlines())
        if posted != 4:
            raise BenchError(f"the Slack stand-in accepted {posted} posts of the four clients, not 4")
        # Then the timed runs against the minimal server, which costs every
        # client the same (the stand-in's checks of Block Kit would add tens
        # of milliseconds to the two clients that send blocks).
        server = Standin([str(Path(a.bin_dir) / "bench-standin")])
        try:
            (bench,) = server.line
            check([alerter, "register", "timed", "--flavor", "slack", "--set", f"token={token}",
                   "--set", f"channel_id={channel}", "--set", f"api_base={bench}/api", "--allow-host", bench], env,
                  "register against the minimal server")
            rows = client_rows(a, [alerter, "post", "--alerter", "timed", TEXT], env, bench, channel, token, body)
            interleave(rows, a.runs)
        finally:
            err = server.stop()
        expect_posts(err, len(rows) * (a.runs + 2))
    return ratio_table(rows, "`alerter post`", rss_ratio=False), []


def group_flavors(a: argparse.Namespace) -> tuple[list[str], list[tuple[str, str, str, bool]]]:
    if not (a.telegram and a.teams):
        raise BenchError("--telegram and --teams (the built components) are required for `flavors`")
    alerter = str(Path(a.bin_dir) / "alerter")
    targets = []
    with tempfile.TemporaryDirectory() as tmp:
        standin = Standin([str(Path(a.bin_dir) / "bench-standin")])
        try:
            (origin,) = standin.line
            env = alerter_env(str(Path(tmp) / "home"))
            # Registration: the first compile of each big flavor, in a fresh home each time.
            # Also with Winch, wasmtime's baseline compiler (ALERTER_COMPILER=winch),
            # for comparison: not a target row.
            reg_rows = []
            for (name, wasm), compiler in [(f, c) for c in ("cranelift", "winch")
                                           for f in (("telegram", a.telegram), ("teams", a.teams))]:
                how = "first compile" if compiler == "cranelift" else "first compile with Winch"
                r = Row(f"`alerter flavor register` {name} ({os.path.getsize(wasm) / 1e6:.1f} MB, {how})", [],
                        compiler=compiler)
                for i in range(a.register_runs):
                    h = str(Path(tmp) / f"reg-{name}-{i}")
                    dt, rss = run_once([alerter, "flavor", "register", wasm, *a.register_args],
                                       winch_env(h) if compiler == "winch" else alerter_env(h))
                    r.times.append(dt)
                    r.rss_kib.append(rss)
                    shutil.rmtree(h)
                reg_rows.append(r)
            check([alerter, "flavor", "register", a.telegram, *a.register_args], env, "register telegram")
            check([alerter, "flavor", "register", a.teams, *a.register_args], env, "register teams")
            check([alerter, "register", "rs", "--flavor", "slack", "--set", "token=xoxb-1-2-bench",
                   "--set", "channel_id=C0BENCH", "--set", f"api_base={origin}/api", "--allow-host", origin], env, "register rs")
            check([alerter, "register", "py", "--flavor", "telegram", "--set", "token=123456:bench",
                   "--set", "chat_id=-1001", "--set", f"api_base={origin}", "--allow-host", origin,
                   *a.alerter_args], env, "register py")
            check([alerter, "register", "js", "--flavor", "teams", "--set", f"webhook_url={origin}/teams/workflows/bench",
                   "--allow-host", origin, *a.alerter_args], env, "register js")
            # The same home under ALERTER_COMPILER=winch: its own cache entries.
            wenv = winch_env(str(Path(tmp) / "home"))
            rows = [
                Row("`alerter post`, built-in Slack flavor (Rust, 0.2 MB)", [alerter, "post", "--alerter", "rs", TEXT], env),
                Row(f"`alerter post`, telegram flavor (Python, {os.path.getsize(a.telegram) / 1e6:.1f} MB)",
                    [alerter, "post", "--alerter", "py", TEXT], env),
                Row(f"`alerter post`, teams flavor (JavaScript, {os.path.getsize(a.teams) / 1e6:.1f} MB)",
                    [alerter, "post", "--alerter", "js", TEXT], env),
                Row("`alerter post`, telegram flavor compiled with Winch", [alerter, "post", "--alerter", "py", TEXT], wenv),
                Row("`alerter post`, teams flavor compiled with Winch", [alerter, "post", "--alerter", "js", TEXT], wenv),
            ]
            for r in rows[:3]:
                check(r.argv, r.env, r.name)  # the first post of each: fills the cache where it is lazy
            cache = sum(f.stat().st_size for f in (Path(tmp) / "home" / "cache").glob("*") if f.is_file())
            for r in rows[3:]:
                check(r.argv, r.env, r.name)  # compiles with Winch (its own cache entries)
            interleave(rows, a.runs)
        finally:
            err = standin.stop()
        expect_posts(err, len(rows) + len(rows) * (a.runs + 2))
    base = rows[0]
    md = ratio_table(rows, "Rust flavor (time, RSS)", rss_ratio=True)
    for r in reg_rows:
        md.append(f"| {r.name} | {r.median_ms() / 1000:.2f} s | {r.median_rss_mib():.0f} MiB | ({len(r.times)} runs) |")
    md.append(f"| compile cache after registering both | {cache / 1e6:.1f} MB | | |")
    for r in rows[1:3]:
        t, m = r.median_ms() / base.median_ms(), r.median_rss_mib() / base.median_rss_mib()
        lang = "Python" if "Python" in r.name else "JavaScript"
        targets.append((f"{lang} flavor `alerter post` within 2x the Rust flavor", "<= 2.00x", f"{t:.2f}x", t <= 2.0))
        targets.append((f"{lang} flavor peak RSS within 2x the Rust flavor", "<= 2.00x", f"{m:.2f}x", m <= 2.0))
    for r in (r for r in reg_rows if r.compiler == "cranelift"):
        s, m = r.median_ms() / 1000, r.median_rss_mib()
        targets.append((f"register {r.name.split('` ')[1].split(' (')[0]}: time", "<= 3 s", f"{s:.2f} s", s <= 3.0))
        targets.append((f"register {r.name.split('` ')[1].split(' (')[0]}: peak RSS", "<= 200 MB",
                        f"{r.median_rss_mib() * 1.048576:.0f} MB", m * 1.048576 <= 200))
    return md, targets


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("group", choices=["clients", "flavors"])
    p.add_argument("--bin-dir", required=True)
    p.add_argument("--python")
    p.add_argument("--telegram")
    p.add_argument("--teams")
    p.add_argument("--runs", type=int, default=20)
    p.add_argument("--register-runs", type=int, default=3)
    p.add_argument("--register-args", nargs="*", default=[], help="extra arguments of `flavor register`")
    p.add_argument("--alerter-args", nargs="*", default=[], help="extra arguments of `register` for the big flavors")
    p.add_argument("--md", required=True)
    p.add_argument("--targets", required=True)
    a = p.parse_args()
    try:
        md, targets = (group_clients if a.group == "clients" else group_flavors)(a)
    except BenchError as e:
        print(f"bench_processes {a.group}: {e}", file=sys.stderr)
        sys.exit(1)
    Path(a.md).write_text("\n".join(md) + "\n")
    with open(a.targets, "a") as f:
        for name, target, measured, ok in targets:
            f.write(f"{name}\t{target}\t{measured}\t{'yes' if ok else 'NO'}\n")


if __name__ == "__main__":
    main()
