"""The live view (viser): ``live`` (a running session and the client's buttons), ``replay``
(a recorded one with a time slider), ``view`` (the scene both draw), ``pacing`` (a robot
paced to the wall clock), ``cli`` (``--live`` and ``backstroke replay``). See docs/live.md."""
