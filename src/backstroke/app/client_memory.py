"""A returning client: their preferences and knots in, this session out (the store)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from backstroke.body.back_model import BackModel
from backstroke.errors import BackstrokeError
from backstroke.session.summary import Summary
from backstroke.tempo_source import beat_grid_for

if TYPE_CHECKING:
    from backstroke.app.session import SessionRequest


@dataclass
class ClientMemory:
    """A returning client: their preferences and knots in, this session out."""

    store: Any
    name: str
    back_length_m: float
    pressure_scale: float
    known_knots: tuple[tuple[float, float], ...]
    regions: Any = None
    skip: tuple[str, ...] = ()
    music: str | None = None

    @classmethod
    def open(cls, req: SessionRequest, back: BackModel) -> ClientMemory:
        from backstroke.store.db import Store
        from backstroke.store.history import client_history

        name = req.client_name or ""
        store = Store(req.db)
        store.get_or_create_client(name, req.client)
        prefs = store.preferences(name)
        knots = client_history(store, name).known_knots()
        from backstroke.session.preferences import RegionalPreference

        regions = RegionalPreference.from_json(list(prefs.regional), back.back_length_m)
        return cls(
            store,
            name,
            back.back_length_m,
            prefs.pressure_scale,
            knots,
            regions,
            prefs.skip_techniques,
            prefs.music,
        )

    def apply(self, routine: Any, grid: Any, notes: list[str], req: SessionRequest) -> Any:
        """The routine without the techniques this client skips; their music if none given."""
        from backstroke.session.preferences import without_skipped

        kept, skip_notes = without_skipped([b.technique for b in routine.blocks], self.skip)
        routine = routine.model_copy(update={"blocks": [routine.blocks[i] for i in kept]})
        if self.music and req.music is None and req.bpm is None:
            try:
                grid, more = beat_grid_for(routine, bpm=None, music=Path(self.music))
                notes = [*notes, *more, f"music: the client's remembered {self.music}"]
            except BackstrokeError as exc:
                notes = [*notes, f"the client's remembered music is not usable ({exc})"]
        return routine, grid, [*notes, *skip_notes]

    def record(self, summary: Summary, out: Path, music: Path | None = None) -> Any:
        from backstroke.store.history import client_history

        self.store.record_session(self.name, summary, out, back_length_m=self.back_length_m)
        self.store.set_preferences(
            self.name,
            pressure_scale=summary.pressure_preference,
            skip_techniques=sorted({*self.skip, *summary.skipped_techniques}),
            regional=summary.regional_preference,
            music=None if music is None else music.resolve(),
        )
        history = client_history(self.store, self.name)
        self.store.close()
        return history
