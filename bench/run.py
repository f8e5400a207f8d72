"""Run every benchmark in ``bench/`` (each ``bench_*.py``, in its own process, in name order);
``make bench`` calls this. Arguments are passed to each script, for example ``--quick`` for a
fast sanity run that writes nothing. Each full run rewrites its own section of BENCHMARKS.md.

    .venv/bin/python bench/run.py [--quick] [--only pages]
"""

import argparse
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", action="append", help="run bench_<ONLY>.py only (repeatable)")
    args, passed = parser.parse_known_args()
    scripts = sorted(BENCH.glob("bench_*.py"))
    if args.only:
        scripts = [s for s in scripts if s.stem.removeprefix("bench_") in args.only]
        if not scripts:
            parser.error(f"no bench/bench_<name>.py for {args.only}")
    failed = []
    for script in scripts:
        print(f"== {script.name} {' '.join(passed)}".rstrip(), flush=True)
        began = time.perf_counter()
        result = subprocess.run([sys.executable, str(script), *passed], check=False)  # noqa: S603
        print(f"== {script.name}: exit {result.returncode} in {time.perf_counter() - began:.0f} s")
        if result.returncode:
            failed.append(script.name)
    if failed:
        print(f"Failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
