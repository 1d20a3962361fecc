"""The ``cpe`` command line, all of it.

- :mod:`.console`: the console script; sends a CSV export to :mod:`.quick_export`, everything
  else to the click group of :mod:`.commands` (Flask's command line, so ``flask --app cpe_core``
  offers the same commands).
- :mod:`.commands`: the group and its small commands (plugins, explain, audit, demo).
- :mod:`.export`, :mod:`.jobs`, :mod:`.orders`: the command groups of one concern each.
- :mod:`.quick_export`: ``cpe export --format csv`` without building the Flask app, the
  speed path of :mod:`.export` (same options, same rows: :mod:`cpe_core.services.exports`).

Nothing is imported here, so the console script starts with the least it needs.
"""
