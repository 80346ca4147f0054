"""`post` from Python against slack_sdk's `WebClient.chat_postMessage`, on
the same Slack stand-in, in one warm process (scripts/bench runs it).

Both post the same text to the same channel of a loopback stand-in: one
through `alerter.post` (the built-in Slack flavor, a WebAssembly component
run in the sandbox), one through slack_sdk, which ZenML's Slack alerter
uses. The calls are interleaved after a warm-up; per-call medians and their
ratio are printed as rows of BENCHMARKS.md's Python section.

    python bench.py STANDIN_BINARY [--runs N] [--warmup N]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

import alerter
from slack_sdk import WebClient


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("standin")
    parser.add_argument("--runs", type=int, default=300)
    parser.add_argument("--warmup", type=int, default=20)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as home:
        os.environ["ALERTER_HOME"] = home
        standin = subprocess.Popen(
            [args.standin, "--minute", "1"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        try:
            assert standin.stdout is not None
            origin, channel, token = standin.stdout.readline().split()
            # The host holds each alerter to 30 requests a minute per API
            # method: the posts go through alerters of the same settings, 20 each.
            per_alerter = 20
            alerters = (args.warmup + args.runs) // per_alerter + 1
            for i in range(alerters):
                alerter.register(
                    f"bench{i}",
                    "slack",
                    settings={"token": token, "channel_id": channel, "api_base": f"{origin}/api"},
                    allow_hosts=[origin],
                )
            client = WebClient(token=token, base_url=f"{origin}/api/")
            text = "Nightly training finished"

            posted = [0]

            def ours() -> None:
                alerter.post(text, alerter=f"bench{posted[0] // per_alerter}")
                posted[0] += 1

            def theirs() -> None:
                assert client.chat_postMessage(channel=channel, text=text)["ok"]

            for _ in range(args.warmup):
                ours()
                theirs()
            times = {"ours": [], "theirs": []}
            for _ in range(args.runs):
                for name, fn in (("ours", ours), ("theirs", theirs)):
                    t = time.perf_counter()
                    fn()
                    times[name].append(time.perf_counter() - t)
        finally:
            assert standin.stdin is not None
            standin.stdin.close()
            standin.wait(timeout=10)

    ours_ms = statistics.median(times["ours"]) * 1000
    theirs_ms = statistics.median(times["theirs"]) * 1000
    print(f"Python {sys.version.split()[0]}, alerter {alerter.__version__}, slack_sdk {_version('slack_sdk')}")
    print()
    print("| benchmark | median | runs |")
    print("|---|---|---|")
    print(f"| `alerter.post` (Slack flavor, sandboxed), warm | {ours_ms:.3f} ms | {args.runs} |")
    print(f"| slack_sdk `WebClient.chat_postMessage`, warm | {theirs_ms:.3f} ms | {args.runs} |")
    print(f"| alerter / slack_sdk | {ours_ms / theirs_ms:.2f}x | |")


def _version(dist: str) -> str:
    from importlib.metadata import version

    return version(dist)


if __name__ == "__main__":
    main()
