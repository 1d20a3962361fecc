"""Core statements compiled once and run on a bare held connection, for the hottest path.

The usual heartbeat (:func:`cpe_core.services.learning.quick_heartbeat`) runs two statements on
a connection its thread keeps (:mod:`cpe_core.speed.held_connections`). SQLAlchemy's execution
(contexts, result objects) costs several times what these statements do, so they are compiled
once per dialect and run on the DBAPI connection itself, with the same value conversions
SQLAlchemy would apply:

- :class:`CursorStatement`, on a DBAPI cursor: any driver (SQLite keeps datetimes as text, and
  the statement's own column types say how to convert them);
- :class:`PreparedStatement`, PostgreSQL through psycopg: prepared once per connection and run
  through libpq (``psycopg.pq``, which psycopg documents for such low-level use), values
  converted by psycopg's own ``Transformer``. psycopg's cursor costs about 30 µs more CPU per
  statement, measured with ``time.process_time`` on this machine; under load that moved the
  heartbeat from about 44% to about 48% of the hello-world's rate.

Both answer ``fetchone`` (the first row as a tuple, or None) and ``execute`` (rows changed);
:func:`run_swap` runs a compare-and-swap made of one or more of them. Errors are the driver's
(``dialect.loaded_dbapi.Error``), so the caller handles both alike.
"""
from __future__ import annotations

from typing import Any

from .held_connections import HeldConnection


def for_dialect(statement, dialect, name: str) -> CursorStatement | PreparedStatement:
    """The way to run ``statement`` on ``dialect``'s held connections; ``name`` names the
    prepared statement where there is one (unique per statement)."""
    if dialect.name == "postgresql" and dialect.driver == "psycopg":
        return PreparedStatement(statement, dialect, name)
    return CursorStatement(statement, dialect)


def _defaults(compiled) -> dict[str, Any]:
    """Literal values SQLAlchemy bound itself (``position - 1``'s 1), required ones left None."""
    return compiled.construct_params({name: None for bind, name in compiled.bind_names.items() if bind.required})


class CursorStatement:
    """Run on a DBAPI cursor, with the parameter and result conversions SQLAlchemy would apply,
    looked up once from the statement's own column types."""

    def __init__(self, statement, dialect) -> None:
        compiled = statement.compile(dialect=dialect)
        self.sql = compiled.string
        self.defaults = _defaults(compiled)
        self.order = list(compiled.positiontup) if compiled.positional else None
        self.bind_processors = {
            name: processor for bind, name in compiled.bind_names.items()
            if (processor := bind.type.dialect_impl(dialect).bind_processor(dialect)) is not None
        }
        columns = getattr(statement, "selected_columns", ())
        self.result_processors = [
            column.type.dialect_impl(dialect).result_processor(dialect, None) for column in columns
        ]

    def _parameters(self, values: dict):
        parameters = {**self.defaults, **values}
        for name, processor in self.bind_processors.items():
            parameters[name] = processor(parameters[name])
        return [parameters[name] for name in self.order] if self.order is not None else parameters

    def fetchone(self, held: HeldConnection, values: dict) -> tuple | None:
        cursor = held.dbapi_connection.cursor()
        try:
            cursor.execute(self.sql, self._parameters(values))
            # Read to the end: an unfinished SELECT would keep SQLite's read snapshot open on a
            # connection that stays with its thread.
            rows = cursor.fetchall()
        finally:
            cursor.close()
        if not rows:
            return None
        return tuple(value if processor is None else processor(value)
                     for value, processor in zip(rows[0], self.result_processors))

    def execute(self, held: HeldConnection, values: dict) -> int:
        cursor = held.dbapi_connection.cursor()
        try:
            cursor.execute(self.sql, self._parameters(values))
            return cursor.rowcount
        finally:
            cursor.close()


class PreparedStatement:
    """PostgreSQL through psycopg: a server-side prepared statement run through libpq."""

    def __init__(self, statement, dialect, name: str) -> None:
        import psycopg
        from psycopg import pq
        from psycopg.adapt import PyFormat, Transformer

        self._error, self._ok = psycopg.DatabaseError, (pq.ExecStatus.COMMAND_OK, pq.ExecStatus.TUPLES_OK)
        self._binary, self._text, self._transformer = pq.Format.BINARY, PyFormat.TEXT, Transformer
        # libpq's prepared statements take $1, $2...: the same dialect, compiled that way.
        compiled = statement.compile(dialect=type(dialect)(paramstyle="numeric_dollar"))
        self.sql = compiled.string.encode()
        self.name = f"cpe_{name}".encode()
        self.order = list(compiled.positiontup)
        self.defaults = _defaults(compiled)

    def fetchone(self, held: HeldConnection, values: dict) -> tuple | None:
        result, transformer = self._run(held, values)
        if result.ntuples == 0:
            return None
        transformer.set_pgresult(result)
        return transformer.load_row(0, tuple)

    def execute(self, held: HeldConnection, values: dict) -> int:
        result, _transformer = self._run(held, values)
        return result.command_tuples or 0

    def _run(self, held: HeldConnection, values: dict):
        connection = held.dbapi_connection
        pgconn = connection.pgconn
        state = held.state
        transformer = state.get("transformer")
        if transformer is None:
            transformer = state["transformer"] = self._transformer(connection)
            state["prepared"] = set()
        if self.name not in state["prepared"]:
            self._check(pgconn.prepare(self.name, self.sql))
            state["prepared"].add(self.name)
        parameters = {**self.defaults, **values}
        dumped = transformer.dump_sequence([parameters[name] for name in self.order],
                                           [self._text] * len(self.order))
        result = pgconn.exec_prepared(self.name, dumped, result_format=self._binary)
        return self._check(result), transformer

    def _check(self, result):
        if result.status not in self._ok:
            message = (result.error_message or b"").decode("utf-8", "replace").strip()
            raise self._error(message or f"statement failed (libpq status {result.status})")
        return result


def run_swap(held: HeldConnection, statements: tuple, values: dict) -> bool:
    """Run a compare-and-swap: True when each of ``statements`` changed exactly one row.

    One statement commits on its own. Several run in one transaction (on SQLite ``BEGIN
    IMMEDIATE``, which takes the write lock at once), rolled back as soon as one changes no row,
    so they change all their rows or none. The held connection is in autocommit mode, so the
    transaction is begun and ended here explicitly.
    """
    if len(statements) == 1:
        return statements[0].execute(held, values) == 1
    cursor = held.dbapi_connection.cursor()
    try:
        cursor.execute("BEGIN IMMEDIATE" if is_sqlite(held) else "BEGIN")
        try:
            swapped = all(statement.execute(held, values) == 1 for statement in statements)
        except BaseException:
            cursor.execute("ROLLBACK")
            raise
        cursor.execute("COMMIT" if swapped else "ROLLBACK")
    finally:
        cursor.close()
    return swapped


def is_sqlite(held: HeldConnection) -> bool:
    """Whether ``held`` is a SQLite connection (the standard library's driver)."""
    return type(held.dbapi_connection).__module__.startswith("sqlite3")
