"""The browser view of a session (viser): the back, the tool, the path, the strip chart.

Shared by the live dashboard (``web/live.py``) and the replay (``web/replay.py``). All
positions are in body frame B (x cranial, y to the client's left, z posterior, metres);
the view's up direction is +z. viser serves its own client build from the installed
package: the page needs no network beyond this machine.
"""

from __future__ import annotations

import socket
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from backstroke.body.back_model import BackModel
from backstroke.errors import BackstrokeError
from backstroke.tools import TOOLS, Tool

ARROW_M_PER_N = 0.006  # force arrow length per newton
PRESSURE_FULL_N_CM2 = 4.0  # the top of the path's colour scale
SKIN_RGB = (226, 196, 170)
ZONE_RGB = (200, 40, 40)
KNOT_RGB = (255, 140, 0)
KNOWN_KNOT_RGB = (150, 90, 200)
REGION_RGB = (40, 110, 230)
TOOL_RGB = (60, 60, 60)
TOOL_RADIUS_M = 0.012
PATH_LIFT_M = 0.003  # the path is drawn this far above the unloaded skin
# Path colour ramp (low → high pressure): blue, green, yellow, red.
_RAMP = np.array([[40, 90, 220], [40, 180, 90], [240, 200, 40], [220, 40, 40]], dtype=np.float64)


def import_viser() -> Any:
    """The viser module, or a clear error naming the extra."""
    try:
        import viser
    except ImportError as exc:  # pragma: no cover - the web extra is installed in CI
        raise BackstrokeError(
            "--live and replay need the 'web' extra: pip install 'backstroke[web]'"
        ) from exc
    return viser


def check_port(host: str, port: int) -> None:
    """Fail with one line when the port is out of range or already taken."""
    if not 1 <= port <= 65535:
        raise BackstrokeError(f"--port {port}: allowed 1..65535")
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError as exc:
            raise BackstrokeError(f"--port {port}: cannot listen on {host} ({exc})") from exc


def pressure_rgb(pressure_n_cm2: NDArray[np.float64]) -> NDArray[np.uint8]:
    """Colours (N, 3) for pressures (N,) in N/cm² on the blue → red ramp."""
    x = np.clip(np.nan_to_num(pressure_n_cm2) / PRESSURE_FULL_N_CM2, 0.0, 1.0) * (len(_RAMP) - 1)
    i = np.minimum(x.astype(int), len(_RAMP) - 2)
    f = (x - i)[:, None]
    return np.asarray(_RAMP[i] * (1 - f) + _RAMP[i + 1] * f, dtype=np.uint8)


def pressure_of(normal_force_n: NDArray[np.float64], tools: Sequence[str]) -> NDArray[np.float64]:
    """Contact pressure (N/cm²) of each sample from its normal force and tool name."""
    area = np.array([TOOLS[Tool(t)].area_cm2 if t else 1.0 for t in tools], dtype=np.float64)
    return np.maximum(np.asarray(normal_force_n, dtype=np.float64), 0.0) / area


def path_segments(
    xyz_m: NDArray[np.float64], pressure_n_cm2: NDArray[np.float64]
) -> tuple[NDArray[np.float32], NDArray[np.uint8]]:
    """Line segments (N-1, 2, 3) joining consecutive points, coloured by pressure."""
    pts = np.asarray(xyz_m, dtype=np.float32)
    seg = np.stack([pts[:-1], pts[1:]], axis=1)
    rgb = pressure_rgb(np.asarray(pressure_n_cm2, dtype=np.float64))
    col = np.stack([rgb[:-1], rgb[1:]], axis=1)
    return seg, col


def _loop_on_skin(back: BackModel, s_m: NDArray[np.float64], v_m: NDArray[np.float64]) -> Any:
    L = back.back_length_m
    u = np.clip(s_m / L, 0.0, 1.0)
    vmax = back.v_max_m(u)
    v = np.clip(v_m, -vmax, vmax)
    pts = back.point(u, v) + 0.002 * back.normal(u, v)
    return np.stack([pts, np.roll(pts, -1, axis=0)], axis=1)


def capsule_outline(back: BackModel, zone: Any, n: int = 48) -> NDArray[np.float64]:
    """Segments (n, 2, 3) outlining a keep-out capsule on the skin (2 mm above it)."""
    a, b = np.asarray(zone.a_sv_m), np.asarray(zone.b_sv_m)
    d = b - a
    ang = np.arctan2(d[1], d[0]) if np.hypot(*d) > 0 else 0.0
    th = np.linspace(0.0, 2 * np.pi, n, endpoint=False)
    half = th < np.pi
    # half circle around b (facing away from a), half around a
    centre = np.where(half[:, None], b, a)
    phi = ang - np.pi / 2 + th
    s = centre[:, 0] + zone.radius_m * np.cos(phi)
    v = centre[:, 1] + zone.radius_m * np.sin(phi)
    return np.asarray(_loop_on_skin(back, s, v))


def circle_on_skin(back: BackModel, u: float, v_m: float, r_m: float, n: int = 32) -> Any:
    th = np.linspace(0.0, 2 * np.pi, n, endpoint=False)
    s = u * back.back_length_m + r_m * np.cos(th)
    return _loop_on_skin(back, s, v_m + r_m * np.sin(th))


class SessionScene:
    """The 3D scene and side panel of one session (live or replayed).

    Args:
        server: a ``viser.ViserServer``.
        back: the client's BackModel.
    """

    def __init__(self, server: Any, back: BackModel, title: str) -> None:
        self.server = server
        self.back = back
        self._path_n = 0
        self._knots_shown = 0
        scene, gui = server.scene, server.gui
        scene.set_up_direction("+z")
        mid = back.point(0.5, 0.0)
        cam = server.initial_camera
        cam.look_at = tuple(mid)
        cam.position = (float(mid[0]) - 0.3, float(mid[1]) - 0.4, float(mid[2]) + 0.45)
        cam.up = (0.0, 0.0, 1.0)
        mesh = back.mesh
        scene.add_mesh_simple(
            "/back/skin",
            np.asarray(mesh.vertices, dtype=np.float32),
            np.asarray(mesh.faces, dtype=np.uint32),
            color=SKIN_RGB,
            side="double",
            opacity=0.85,
        )
        zones = [capsule_outline(back, z) for z in back.keep_out_zones]
        scene.add_line_segments("/back/keep_out", np.concatenate(zones), ZONE_RGB, thickness=0.002)
        self.tool = scene.add_icosphere("/tool/ball", radius=TOOL_RADIUS_M, color=TOOL_RGB)
        self.arrow: Any = None
        self.title = gui.add_markdown(f"### {title}")
        self.status = gui.add_markdown("starting…")
        self.ack = gui.add_markdown("&nbsp;")
        self.chart: Any = None

    # ------------------------------------------------------------------ scene
    def show_tool(self, pos: Sequence[float], force_n: Sequence[float]) -> None:
        p = np.asarray(pos, dtype=np.float64)
        f = np.asarray(force_n, dtype=np.float64)
        if not (np.all(np.isfinite(p)) and np.all(np.isfinite(f))):
            return
        # the ball sits on the contact point, on the side the skin pushes back to
        up = f / max(float(np.linalg.norm(f)), 1e-9) if np.linalg.norm(f) > 0.5 else np.zeros(3)
        self.tool.position = tuple(p + up * TOOL_RADIUS_M)
        tail = p + f * ARROW_M_PER_N
        pts = np.stack([tail, p])[None].astype(np.float32)
        if self.arrow is None:
            self.arrow = self.server.scene.add_arrows(
                "/tool/force",
                pts,
                (230, 30, 30),
                shaft_radius=0.004,
                head_radius=0.009,
                head_length=0.015,
            )
        else:
            self.arrow.points = pts

    def add_path(self, xyz_m: NDArray[np.float64], pressure_n_cm2: NDArray[np.float64]) -> None:
        """Append a stretch of path (points overlap by one with the previous stretch)."""
        if len(xyz_m) < 2:
            return
        u, v = self.back.project(xyz_m)
        on_skin = self.back.point(u, v) + PATH_LIFT_M * self.back.normal(u, v)
        seg, col = path_segments(on_skin, pressure_n_cm2)
        self.server.scene.add_line_segments(f"/path/{self._path_n}", seg, col, thickness=0.004)
        self._path_n += 1

    def clear_path(self) -> None:
        for i in range(self._path_n):
            self.server.scene.remove_by_name(f"/path/{i}")
        self._path_n = 0

    def show_knots(
        self, knots: Sequence[dict[str, float]], known: Sequence[Sequence[float]]
    ) -> None:
        """Knots found so far (orange) and remembered from earlier sessions (purple)."""
        if not known and self._knots_shown == 0 and not knots:
            return
        scene = self.server.scene
        for i, (u, v) in enumerate(known):
            p = self.back.point(u, v) + 0.004 * self.back.normal(u, v)
            scene.add_icosphere(
                f"/knots/known/{i}", radius=0.006, color=KNOWN_KNOT_RGB, position=tuple(p)
            )
        for i, k in enumerate(knots[self._knots_shown :], start=self._knots_shown):
            p = self.back.point(k["u"], k["v"]) + 0.004 * self.back.normal(k["u"], k["v"])
            scene.add_icosphere(
                f"/knots/found/{i}", radius=0.008, color=KNOT_RGB, position=tuple(p)
            )
        self._knots_shown = len(knots)

    def show_regions(self, bumps: Sequence[Any]) -> None:
        """Circles (one sigma) where the client asked for less force."""
        if not bumps:
            return
        segs = [circle_on_skin(self.back, b.u, b.v_m, b.radius_m) for b in bumps]
        self.server.scene.add_line_segments(
            "/back/regions", np.concatenate(segs), REGION_RGB, thickness=0.003
        )

    # ------------------------------------------------------------------ panel
    def show_chart(
        self, t_s: NDArray[np.float64], force_n: NDArray[np.float64], target_n: NDArray[np.float64]
    ) -> None:
        data = (np.asarray(t_s), np.asarray(force_n), np.asarray(target_n))
        if self.chart is None:
            self.chart = self.server.gui.add_uplot(
                data,
                (
                    {"label": "t (s)"},
                    {"label": "force (N)", "stroke": "#d03030", "width": 2},
                    {"label": "target (N)", "stroke": "#3060d0", "width": 2, "dash": [6, 4]},
                ),
                title="normal force vs target",
                scales={"x": {"time": False}},
                aspect=1.6,
            )
        else:
            self.chart.data = data


def status_markdown(
    *,
    t_s: float,
    technique: str,
    block: int,
    blocks: int,
    pass_index: int,
    beat: int | None,
    force_n: float,
    target_n: float,
    scale: float,
    planned_s: float | None,
    breathing_bpm: float | None,
    mode: str,
    ended: str = "",
) -> str:
    """The panel's status text (the browser test reads ``t``, ``target`` and ``×``)."""
    where = f"block {block + 1}/{blocks} · {technique}" if block >= 0 else technique
    beat_txt = "" if beat is None else f" · beat {beat}"
    left = "" if planned_s is None else f" · ≈ {max(planned_s - t_s, 0.0):.0f} s left"
    lines = [
        f"**{where}**{_step(block, pass_index)}{beat_txt}",
        f"t {t_s:.1f} s{left}",
        f"force {force_n:.1f} N · target {target_n:.1f} N · ×{scale:.2f}",
        "breathing " + ("—" if breathing_bpm is None else f"{breathing_bpm:.1f} /min"),
        f"mode: {mode}",
    ]
    if ended:
        lines.append(f"**{ended}**")
    return "\n\n".join(lines)


def _step(block: int, pass_index: int) -> str:
    if block < 0:
        return ""
    return " — lead-in" if pass_index < 0 else f" — pass {pass_index + 1}"
