"""The franky-sim server process: a simulated FR3 with backstroke's client in its scene.

Run as ``python -m backstroke.robot.franka.sim.server`` by
:class:`~backstroke.robot.franka.sim.launcher.FrankaSimServer`. It builds the client's
true body and tissue from the client JSON on the command line, adds them (and the table
and the massage tool) to franky-sim's MuJoCo scene, binds the libfranka protocol on the
first free loopback address among ``--hosts`` and runs the physics at 1 kHz on the wall
clock (absolute deadlines, so sleep overshoot does not accumulate).

Side channel (line-based, stdin → stdout), for what a real FR3 does not carry: the tool
indexer (``tool NAME``), and the truth at the end (``truth`` → one JSON line). The
driver's data never passes here: it talks libfranka to the server.
"""

from __future__ import annotations

import argparse
import json
import logging
import queue
import sys
import threading
import time
from typing import Any

# Farther behind the wall clock than this, the loop drops the backlog (an overrun)
# instead of running fast to catch up: a simulated arm that cannot keep real time on a
# busy machine runs slower, smoothly, rather than in bursts.
_MAX_LAG_S = 0.002


def _reader(q: queue.Queue[str]) -> None:
    for line in sys.stdin:
        q.put(line.strip())
    q.put("quit")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--client-json", required=True, help="ClientSpec as JSON")
    ap.add_argument("--body-pose", required=True, help="x,y,z,yaw_deg of B in the base")
    ap.add_argument("--hosts", required=True, help="comma-separated loopback candidates")
    ap.add_argument("--initial-q", default="", help="comma-separated 7 joint angles")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.ERROR)
    logging.getLogger("franky_sim").setLevel(logging.ERROR)

    from franky_sim import SimulationServer
    from franky_sim.mujoco_simulator import MujocoSimulator

    from backstroke.body.back_model import BackModel
    from backstroke.body.client_file import ClientSpec
    from backstroke.robot.franka.frames import BodyPose
    from backstroke.robot.franka.sim.scene import add_client, link_side_torques
    from backstroke.robot.franka.sim.skin import SkinContact
    from backstroke.tissue.model import Tissue
    from backstroke.tools import Tool

    client = ClientSpec.model_validate_json(args.client_json)
    back = BackModel(client)
    tissue = Tissue(back, client)
    pose = BodyPose.parse(args.body_pose)
    q0 = [float(x) for x in args.initial_q.split(",")] if args.initial_q else None
    out = sys.stdout
    with MujocoSimulator() as sim:
        robot = sim.add_robot(initial_q=q0) if q0 else sim.add_robot()
        link_side_torques(sim)
        names = add_client(sim, back, pose)
        server = SimulationServer(sim, hostname_candidates=args.hosts.split(","))
        try:
            server.init()
        except OSError as exc:
            print(f"error cannot bind the libfranka ports: {exc}", file=out, flush=True)
            return 1
        skin = SkinContact(sim.model, sim.data, back, tissue, pose, names)
        sim.register_pre_step_callback(skin.pre_step)
        sim.register_post_step_callback(skin.post_step)
        commands: queue.Queue[str] = queue.Queue()
        threading.Thread(target=_reader, args=(commands,), daemon=True).start()
        print(f"ready {robot.hostname}", file=out, flush=True)
        stats = _Loop()
        try:
            while True:
                if not commands.empty():  # the tool indexer acts within the tick
                    cmd = commands.get_nowait()
                    if cmd == "quit":
                        break
                    if cmd.startswith("tool "):
                        skin.select(Tool(cmd.split()[1]))
                    elif cmd == "contact":
                        tr = skin.truth
                        g0, g1 = skin.gaps
                        print(
                            f"contact {tr.last_force_n:.6f} {tr.model_force_n:.6f} {g0:.6f} "
                            f"{g1:.6f}",
                            file=out,
                            flush=True,
                        )
                    elif cmd == "truth":
                        truth: dict[str, Any] = skin.truth.as_dict()
                        truth.update(stats.as_dict())
                        print("truth " + json.dumps(truth), file=out, flush=True)
                # SimulationServer.run_once without its sleep (sleep(0) yields the CPU
                # for a whole time slice on a busy machine): the loop paces itself.
                for rs in server.robot_servers:
                    rs.process_commands()
                sim.step()
                for rs in server.robot_servers:
                    rs.send_state()
                stats.pace()
        finally:
            server.cleanup()
    return 0


class _Loop:
    """Absolute-deadline pacing at 1 kHz and its record (real-time factor, overruns)."""

    def __init__(self) -> None:
        self.t0 = time.perf_counter()
        self.next = self.t0
        self.ticks = 0
        self.overruns = 0
        self.dropped_s = 0.0

    def pace(self) -> None:
        self.ticks += 1
        self.next += 0.001
        now = time.perf_counter()
        ahead = self.next - now
        if ahead > 0.0:
            time.sleep(ahead)
        elif -ahead > _MAX_LAG_S:
            self.overruns += 1
            self.dropped_s += -ahead
            self.next = now

    def as_dict(self) -> dict[str, Any]:
        wall = time.perf_counter() - self.t0
        return {
            "server_physics_s": round(self.ticks * 0.001, 3),
            "server_wall_s": round(wall, 3),
            "server_realtime_factor": round(self.ticks * 0.001 / wall, 4) if wall > 0 else None,
            "server_overruns": self.overruns,
            "server_dropped_s": round(self.dropped_s, 4),
        }


if __name__ == "__main__":
    sys.exit(main())
