"""The speed paths: code that exists only because a benchmark showed it was needed, kept
behind this one boundary so a reader knows where the shortcuts are.

Each path speeds up one thing and decides nothing of its own: it calls the app's rules and
checks (sessions, entitlement, counting) and declines to the ordinary path whenever it is
unsure.

- :mod:`.heartbeat_gateway`: the players' API heartbeat answered in front of the Flask app; it
  runs :func:`cpe_core.services.learning.quick_heartbeat` (the counting rule) after
  :func:`cpe_core.services.sessions.verdict` (the session rule), the functions the app uses.
- :mod:`.held_connections`: one database connection per worker thread for that heartbeat, so it
  borrows nothing from the pool.
- :mod:`.raw_statements`: the heartbeat's two statements, compiled by SQLAlchemy and prepared
  once per connection (libpq on PostgreSQL).

The command line's speed path, ``cpe export --format csv`` without the app, sits beside the
command it speeds up: :mod:`cpe_core.cli.quick_export`. Figures: README, "Benchmarks".
"""
