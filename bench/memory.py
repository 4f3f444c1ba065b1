"""Peak memory of ``analyze`` on a large contact log and on hostile ones (issue 11, item 8).

Writes bench/results/memory.json: for each input its size, the exit code and the peak
resident memory of the ``backstroke`` process (``getrusage`` of the child, like
``/usr/bin/time -v``). Run alone: ``.venv/bin/python -m bench.memory [ROWS]``.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

RESULTS = Path(__file__).with_name("results")
BIN = Path(sys.executable).with_name("backstroke")


def _big_csv(path: Path, rows: int) -> None:
    """A plausible 100 Hz log: glides, then thumbs, with labels and an extra text column."""
    rng = np.random.default_rng(1)
    t = np.arange(rows) * 0.01
    u = 0.5 + 0.42 * np.sin(2 * np.pi * t / 30.0)
    k = 2000 * (1 + 0.05 * rng.standard_normal(rows))
    d = 0.006 + 0.0005 * np.sin(2 * np.pi * t / 4)
    tool = np.where((t // 300) % 2 == 0, "palms", "thumb")
    block = (t // 300).astype(int)
    with open(path, "w") as fh:
        fh.write("t_s,u,v,normal_force_n,indentation_m,tool,block,x_m,note\n")
        for a in range(0, rows, 100_000):
            b = min(rows, a + 100_000)
            fh.write(
                "\n".join(
                    f"{t[i]:.2f},{u[i]:.5f},0.03,{k[i] * d[i]:.4f},{d[i]:.6f},{tool[i]},"
                    f"{block[i]},{u[i] * 0.51:.5f},ok"
                    for i in range(a, b)
                )
                + "\n"
            )


def _hostile(path: Path, kind: str) -> None:
    head = "t_s,u,v,normal_force_n,indentation_m\n"
    n = 1500
    if kind == "u_1e5_9e5":
        rows = [f"{i * 0.01:.2f},{1e5 + i * (8e5 / n):.1f},0.03,10,0.005" for i in range(n)]
    else:  # t_s spanning 1e9 s
        rows = [f"{i * (1e9 / n):.1f},0.5,0,5,0.003" for i in range(n)]
    path.write_text(head + "\n".join(rows) + "\n")


def _peak(*args: str) -> tuple[int, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    proc = subprocess.run([str(BIN), *args], capture_output=True, check=False)
    after = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    # ru_maxrss of children is the largest so far: run the small inputs first.
    return proc.returncode, max(after, before) / 1024.0


def main(rows: int = 1_900_000) -> None:
    out: dict[str, object] = {}
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        for kind in ("u_1e5_9e5", "t_span_1e9"):
            p = d / f"{kind}.csv"
            _hostile(p, kind)
            code, mb = _peak("analyze", str(p), "--json")
            out[kind] = {"bytes": p.stat().st_size, "exit": code, "peak_rss_mb": round(mb, 1)}
        big = d / "big.csv"
        _big_csv(big, rows)
        code, mb = _peak("analyze", str(big), "--json")
        out["big_csv"] = {
            "rows": rows,
            "bytes": big.stat().st_size,
            "exit": code,
            "peak_rss_mb": round(mb, 1),
        }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "memory.json").write_text(json.dumps(out, indent=2) + "\n")
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_900_000)
