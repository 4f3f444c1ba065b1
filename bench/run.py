"""``make bench``: every benchmark, each writing bench/results/<name>.json."""

from __future__ import annotations

import importlib
import sys
import traceback

BENCHES = (
    "bench.session",
    "bench.log",
    "bench.music",
    "bench.mujoco",
    "bench.memory",
    "bench.learn",
    "bench.listening",
)


def main() -> None:
    failed = []
    for name in BENCHES:
        print(f"== {name}", flush=True)
        try:
            importlib.import_module(name).main()
        except ModuleNotFoundError as exc:
            print(f"skipped {name}: {exc}")
        except Exception:  # a failing bench must not hide the others' figures
            traceback.print_exc()
            failed.append(name)
    if failed:
        print("failed: " + ", ".join(failed))
        sys.exit(1)


if __name__ == "__main__":
    main()
