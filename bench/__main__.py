"""Run the benchmarks: `python -m bench` runs all of them, `python -m bench lambda` only the Lambda runtime's."""

from __future__ import annotations

import argparse
import importlib

# name on the command line -> module in bench/ with a main()
BENCHMARKS = {"lambda": "bench.lambda_runtime", "gateway": "bench.gateway", "chat": "bench.chat_broadcast",
              "dynamodb": "bench.dynamodb_transactions", "stale": "bench.chat_stale_members",
              "boundary": "bench.boundary", "web": "bench.web_page", "iam": "bench.iam", "learners": "bench.learners",
              "profile": "bench.warm_route_profile", "chatcpu": "bench.chat_cpu", "reads": "bench.dynamodb_reads",
              "worker": "bench.worker_exchange"}


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("names", nargs="*", metavar="NAME",
                        help=f"benchmarks to run (default: all of {', '.join(BENCHMARKS)})")
    args = parser.parse_args()
    unknown = [name for name in args.names if name not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmark {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}")
    for name in args.names or BENCHMARKS:
        importlib.import_module(BENCHMARKS[name]).main()


if __name__ == "__main__":
    main()
