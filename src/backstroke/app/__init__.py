"""The application layer: one whole session from files (load, plan, run, log, summarise,
report, remember) and the command-line pieces that reach across layers. Nothing below
imports from here; ``backstroke.api`` and ``backstroke.cli`` stand on it."""
