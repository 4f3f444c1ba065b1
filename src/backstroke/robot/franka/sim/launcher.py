"""Start the franky-sim server as a child process and talk to its side channel.

A child process (not a thread) so the server's 1 kHz Python loop and the driver's loop
do not share one interpreter lock. libfranka always uses the same ports (TCP 1337 for the
arm, 1338 for the gripper), so "a free port" means a free loopback *address*: the server
binds the first free one of a shuffled list of ``127.0.x.y`` addresses and reports it.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import subprocess
import sys
import threading
import time
from typing import IO, Any

from backstroke.body.client_file import ClientSpec
from backstroke.errors import MissingExtraError, RobotError
from backstroke.robot.franka.frames import BodyPose
from backstroke.tools import Tool

BACKEND = "franka-sim"
START_TIMEOUT_S = 60.0


def _require_extra() -> None:
    import importlib.util

    for module in ("franky_sim", "mujoco", "franky"):
        if importlib.util.find_spec(module) is None:
            raise MissingExtraError("franka", module)


def loopback_candidates(seed: int | None = None, n: int = 64) -> list[str]:
    """Shuffled ``127.0.x.y`` addresses (never 127.0.0.1: a real server may use it)."""
    rng = random.Random(seed if seed is not None else os.getpid() ^ time.time_ns())
    out = {f"127.0.{rng.randrange(1, 255)}.{rng.randrange(2, 255)}" for _ in range(4 * n)}
    return sorted(out, key=lambda _: rng.random())[:n]


class FrankaSimServer:
    """The franky-sim child process (start on construction; :meth:`close` idempotent).

    Args:
        client: the client file (the server builds the true body and tissue from it).
        pose: the body's registration in the robot base (the scene puts it there).
        initial_q: the arm's joint angles at power-on (7).

    Raises:
        MissingExtraError: franky-sim, mujoco or franky is missing.
        RobotError: the server did not come up.
    """

    def __init__(
        self, client: ClientSpec, pose: BodyPose, initial_q: tuple[float, ...] | None = None
    ) -> None:
        _require_extra()
        args = [
            sys.executable,
            "-m",
            "backstroke.robot.franka.sim.server",
            "--client-json",
            client.model_dump_json(),
            "--body-pose",
            pose.text(),
            "--hosts",
            ",".join(loopback_candidates()),
        ]
        if initial_q:
            args += ["--initial-q", ",".join(f"{q:.6f}" for q in initial_q)]
        env = dict(os.environ)
        env.setdefault("PYTHONUNBUFFERED", "1")
        self._closed = False
        self._lock = threading.Lock()
        self._lines: list[str] = []
        self._truth: dict[str, Any] | None = None
        self._proc = subprocess.Popen(
            args,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            start_new_session=True,  # Ctrl-C goes to the session; we stop the server
        )
        self.hostname = self._wait_ready()
        self._stderr: list[str] = []
        threading.Thread(target=self._drain_stderr, daemon=True).start()

    def _wait_ready(self) -> str:
        out = self._stdout()
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            line = out.readline()
            if not line:
                err = self._proc.stderr.read() if self._proc.stderr else ""
                self.close()
                tail = " | ".join(err.strip().splitlines()[-3:])
                raise RobotError(f"franky-sim server exited at start: {tail}", backend=BACKEND)
            line = line.strip()
            if line.startswith("ready "):
                return line.split()[1]
            if line.startswith("error "):
                self.close()
                raise RobotError(f"franky-sim server: {line[6:]}", backend=BACKEND)
        self.close()
        raise RobotError(f"franky-sim server not ready in {START_TIMEOUT_S} s", backend=BACKEND)

    def _stdout(self) -> IO[str]:
        if self._proc.stdout is None:  # pragma: no cover - always piped
            raise RobotError("franky-sim server has no stdout", backend=BACKEND)
        return self._proc.stdout

    def _drain_stderr(self) -> None:
        if self._proc.stderr is None:  # pragma: no cover
            return
        for line in self._proc.stderr:
            self._stderr.append(line.rstrip())
            del self._stderr[:-50]

    def _send(self, text: str) -> None:
        if self._closed or self._proc.stdin is None or self._proc.poll() is not None:
            return
        with self._lock, contextlib.suppress(BrokenPipeError, OSError):
            self._proc.stdin.write(text + "\n")
            self._proc.stdin.flush()

    # ---------------------------------------------------------------- side channel
    def select_tool(self, tool: Tool) -> None:
        """The tool indexer (a separate device on a real arm): present ``tool``'s face."""
        self._send(f"tool {Tool(tool).value}")

    def truth(self, timeout_s: float = 5.0) -> dict[str, Any]:
        """What the simulated skin received (from the server's scene); cached at close."""
        if self._truth is not None or self._closed:
            return dict(self._truth or {})
        reply = self._ask("truth", timeout_s)
        if reply is None:
            return {}
        self._truth = json.loads(reply)
        return dict(self._truth)

    def contact_n(self, timeout_s: float = 2.0) -> tuple[float, ...]:
        """The skin now: solver's force on the pads (N), tissue law (N), pad gaps (m)."""
        reply = self._ask("contact", timeout_s)
        if reply is None:
            return (float("nan"),) * 4
        return tuple(float(x) for x in reply.split())

    def _ask(self, command: str, timeout_s: float) -> str | None:
        """Send ``command``; the rest of the server's first line that starts with it
        (other lines are skipped), or None when none came within ``timeout_s``."""
        self._send(command)
        out = self._stdout()
        head = f"{command} "
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            line = out.readline()
            if not line:
                break
            if line.startswith(head):
                return line[len(head) :]
        return None

    @property
    def alive(self) -> bool:
        return not self._closed and self._proc.poll() is None

    def kill(self) -> None:
        """Kill the server abruptly (tests: communication loss)."""
        if self._proc.poll() is None:
            self._proc.kill()

    def close(self) -> None:
        """Stop the server (idempotent): quit, then terminate, then kill."""
        if self._closed:
            return
        if self._truth is None and self._proc.poll() is None:
            with contextlib.suppress(Exception):
                self.truth()
        self._send("quit")
        self._closed = True
        with contextlib.suppress(Exception):
            if self._proc.stdin is not None:
                self._proc.stdin.close()
        try:
            self._proc.wait(timeout=3.0)
        except subprocess.TimeoutExpired:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=2.0)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait(timeout=2.0)
