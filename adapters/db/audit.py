"""The audit log: append-only and hash-chained, on SQLite or PostgreSQL.

Every read of a person's data (one row per person, agency and data item) and every decision is a
row: who (subject and role, and the institution), whose data (FIN), which agency and data item,
for what purpose, when, allowed or denied (and why), the X-Road ids of the agency messages, and
the request's correlation id.

The chain: row ``n`` carries ``prev_hash`` = the hash of row ``n-1`` (row 1: 64 zeros) and
``hash`` = SHA-256 over the canonical JSON (:func:`canonical`) of every field of the row,
``seq`` and ``prev_hash`` included. Editing a row breaks its own hash; re-computing it breaks
the next row's link; deleting or reordering rows breaks the sequence or the links; re-computing
the whole tail still disagrees with the chain heads exported earlier (:func:`export_head`).

Appends are serialized through the one-row ``audit_chain_head`` table, updated in the same
transaction as the rows: PostgreSQL locks it (``SELECT … FOR UPDATE``), SQLite writes under
``BEGIN IMMEDIATE`` (one writer per database) and this process's writer queue. A batch of rows
(all the reads of one loader call) is written or not at all.

An append is a transaction of its own (:meth:`AuditLog.append`), or the last step of another
write transaction (:meth:`AuditLog.carried`, passed as a repository method's ``audit_rows``:
the application flow's registration, start of assessment, decision or wait for data), whose
change and rows are then committed together or not at all. There the chain head is locked only
after the transaction's other statements, just before its commit: every transaction takes its
application rows first and the head last, so carrying and standalone appends (of this process
or another) never wait for each other in a cycle.

Triggers (migration 0002) refuse UPDATE and DELETE on the log; :meth:`AuditLog.verify` finds
what someone with the rights to drop them did anyway.

    log = AuditLog(database)
    await log.append([AuditEntry(...), ...])     # before the data is returned
    await database.record_decision(..., audit_rows=log.carried([...]))   # with the decision
    result = await log.verify(read_exported_heads(Path("var/audit-heads")))
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import weakref
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection

from adapters.db.errors import PersistenceError
from adapters.db.repository import Database
from adapters.db.tables import audit_chain_head, audit_log

GENESIS = "0" * 64
HEAD_ID = 1
MAX_PAGE_SIZE = 100
_VERIFY_BATCH = 2000
HEADS_FILE = "heads.jsonl"
_log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One row to append (the store adds ``seq``, ``at``, ``prev_hash`` and ``hash``).

    ``actor_sub`` is the token's subject; ``actor_institution`` what the data tracker shows a
    citizen instead of it. ``purpose`` is a purpose code (``self-service``, ``case-review``,
    ``application`` …) and ``application_id`` the application when the purpose is one;
    ``reason`` is the authorization reason code. ``xroad_ids``: the agency messages that
    served the read (empty when it came from the cache, and for decisions and denials made
    without an agency call).
    """

    actor_sub: str
    actor_role: str
    actor_institution: str | None
    subject_fin: str
    agency: str
    data_item: str
    purpose: str
    application_id: str | None
    allowed: bool
    reason: str
    xroad_ids: tuple[str, ...]
    correlation_id: str


@dataclass(frozen=True, slots=True)
class AuditRow:
    """A stored row: the entry, where it sits in the chain, and when it was written."""

    seq: int
    at: datetime
    entry: AuditEntry
    prev_hash: str
    hash: str


@dataclass(frozen=True, slots=True)
class ChainHead:
    """The last row's sequence number and hash (``seq`` 0 and 64 zeros: an empty log)."""

    seq: int
    hash: str


@dataclass(frozen=True, slots=True)
class AuditPage:
    rows: tuple[AuditRow, ...]
    has_next_page: bool


@dataclass(frozen=True, slots=True)
class Verification:
    """What :meth:`AuditLog.verify` found. ``broken_at`` is the first broken link's ``seq``
    (``None`` when the chain is intact) and ``problem`` says what is wrong there."""

    rows: int
    head: ChainHead
    broken_at: int | None = None
    problem: str | None = None

    @property
    def intact(self) -> bool:
        return self.problem is None


# The append's statements, built once (building them per append cost more CPU than running them)
_SELECT_HEAD = sa.select(audit_chain_head.c.seq, audit_chain_head.c.hash).where(
    audit_chain_head.c.id == HEAD_ID
)
_LOCK_HEAD = _SELECT_HEAD.with_for_update()
_INSERT_ROWS = sa.insert(audit_log)
_UPDATE_HEAD = (
    sa.update(audit_chain_head)
    .where(audit_chain_head.c.id == HEAD_ID)
    .values(seq=sa.bindparam("new_seq"), hash=sa.bindparam("new_hash"))
)


def canonical(seq: int, at: datetime, entry: AuditEntry, prev_hash: str) -> bytes:
    """The bytes a row's hash is computed over: JSON with sorted keys, no spaces, UTF-8; the
    time in UTC to the microsecond; the X-Road ids as a list."""
    return _canonical(seq, _time_text(at), entry, prev_hash)


def _time_text(at: datetime) -> str:
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def _canonical(seq: int, at_text: str, entry: AuditEntry, prev_hash: str) -> bytes:
    # :func:`canonical` with the time already written (the same for every row of an append)
    document = {
        "seq": seq,
        "at": at_text,
        "actor_sub": entry.actor_sub,
        "actor_role": entry.actor_role,
        "actor_institution": entry.actor_institution,
        "subject_fin": entry.subject_fin,
        "agency": entry.agency,
        "data_item": entry.data_item,
        "purpose": entry.purpose,
        "application_id": entry.application_id,
        "allowed": entry.allowed,
        "reason": entry.reason,
        "xroad_ids": list(entry.xroad_ids),
        "correlation_id": entry.correlation_id,
        "prev_hash": prev_hash,
    }
    try:  # orjson writes the same bytes as the json call below, several times faster
        return orjson.dumps(document, option=orjson.OPT_SORT_KEYS)
    except TypeError:  # e.g. an integer beyond 64 bits
        return json.dumps(
            document, sort_keys=True, separators=(",", ":"), ensure_ascii=False
        ).encode("utf-8")


def row_hash(seq: int, at: datetime, entry: AuditEntry, prev_hash: str) -> str:
    """SHA-256 (hex) of :func:`canonical`."""
    return hashlib.sha256(canonical(seq, at, entry, prev_hash)).hexdigest()


def _stamp(db: Database) -> datetime:
    at = db._clock()
    if at.tzinfo is None:
        raise ValueError("naive datetime: the audit clock must be aware")
    return at.astimezone(UTC)


async def _append_on(
    connection: AsyncConnection, db: Database, entries: Sequence[AuditEntry]
) -> ChainHead:
    """Append ``entries`` inside the write transaction of ``connection``: read (PostgreSQL:
    lock) the chain head, insert the rows chained on it, move the head. The head stays locked
    until that transaction ends, so call this as its last step."""
    at = _stamp(db)
    select_head = _LOCK_HEAD if db._postgres else _SELECT_HEAD
    current = (await connection.execute(select_head)).first()
    if current is None:
        raise RuntimeError("the audit chain head is missing: run `vemtas db upgrade`")
    seq, prev = int(current.seq), str(current.hash)
    insert = _row_insert(connection.dialect)
    at_text, at_value, allowed = _time_text(at), insert.at(at), insert.allowed
    sha256 = hashlib.sha256
    rows: list[tuple[Any, ...]] = []
    for entry in entries:
        seq += 1
        digest = sha256(_canonical(seq, at_text, entry, prev)).hexdigest()
        rows.append(
            (
                seq,
                at_value,
                entry.actor_sub,
                entry.actor_role,
                entry.actor_institution,
                entry.subject_fin,
                entry.agency,
                entry.data_item,
                entry.purpose,
                entry.application_id,
                allowed(entry.allowed),
                entry.reason,
                " ".join(entry.xroad_ids),
                entry.correlation_id,
                prev,
                digest,
            )
        )
        prev = digest
    await connection.exec_driver_sql(insert.sql, rows)
    await connection.execute(_UPDATE_HEAD, {"new_seq": seq, "new_hash": prev})
    return ChainHead(seq=seq, hash=prev)


@dataclass(frozen=True, slots=True)
class _RowInsert:
    """The rows' INSERT as the dialect compiles it, executed with the driver's own values: the
    columns' bind processing done once per append (``at``, the same for every row of it) or by
    the type's own processor (``allowed``) instead of by SQLAlchemy for each row and column."""

    sql: str
    at: Callable[[datetime], Any]
    allowed: Callable[[bool], Any]


_ROW_COLUMNS = tuple(column.name for column in audit_log.c)
_ROW_INSERTS: weakref.WeakKeyDictionary[Dialect, _RowInsert] = weakref.WeakKeyDictionary()


def _row_insert(dialect: Dialect) -> _RowInsert:
    found = _ROW_INSERTS.get(dialect)
    if found is None:
        compiled = _INSERT_ROWS.compile(dialect=dialect)
        if not dialect.positional or tuple(compiled.positiontup or ()) != _ROW_COLUMNS:
            raise RuntimeError(f"unsupported database dialect {dialect.name!r}")
        processors = {
            column.name: column.type.dialect_impl(dialect).bind_processor(dialect)
            for column in audit_log.c
        }
        if any(processors[name] for name in _ROW_COLUMNS if name not in ("at", "allowed")):
            raise RuntimeError(f"unsupported database dialect {dialect.name!r}")
        found = _RowInsert(
            sql=compiled.string,
            at=processors["at"] or _same,
            allowed=processors["allowed"] or _same,
        )
        _ROW_INSERTS[dialect] = found
    return found


def _same(value: Any) -> Any:
    return value


async def _append(db: Database, entries: Sequence[AuditEntry]) -> ChainHead:
    """One append transaction of its own."""
    async with db._write() as connection:
        return await _append_on(connection, db, entries)


@dataclass(slots=True)
class CarriedRows:
    """Rows to append as the last statements of another write transaction (a repository
    method's ``audit_rows``): committed with that transaction's change, or not at all.
    ``head`` is the chain head they made, once the transaction ran them."""

    db: Database
    entries: Sequence[AuditEntry]
    head: ChainHead | None = None

    async def __call__(self, connection: AsyncConnection) -> None:
        if self.entries:
            self.head = await _append_on(connection, self.db, self.entries)


class AuditLog:
    """Appends to, pages through and verifies the audit log of a :class:`Database`."""

    def __init__(self, database: Database) -> None:
        self._db = database

    async def append(self, entries: Sequence[AuditEntry]) -> ChainHead:
        """Append ``entries`` in order, in one transaction, stamped with the database's clock;
        the new chain head. Raises :class:`~adapters.db.errors.DatabaseUnavailable` (nothing
        written) when the database is away: the caller must then not return the data."""
        if not entries:
            return await self.head()
        return await _append(self._db, entries)

    def carried(self, entries: Sequence[AuditEntry]) -> CarriedRows:
        """``entries`` to be appended by another write transaction as its last step (pass it
        as a repository method's ``audit_rows``): in order, on the same chain, stamped with
        the database's clock when that transaction runs them, and committed with its change
        or not at all. On PostgreSQL the chain head is locked only from then to the commit, and
        always after the rows of the change (one lock order for every transaction)."""
        return CarriedRows(self._db, tuple(entries))

    async def _last_seq(self) -> int:
        async with self._db._read() as connection:
            last = await connection.scalar(sa.select(sa.func.max(audit_log.c.seq)))
        return int(last or 0)

    async def head(self) -> ChainHead:
        """The chain head as the database records it."""
        async with self._db._read() as connection:
            row = (await connection.execute(_SELECT_HEAD)).first()
        if row is None:
            raise RuntimeError("the audit chain head is missing: run `vemtas db upgrade`")
        return ChainHead(seq=int(row.seq), hash=str(row.hash))

    async def page(
        self, *, subject_fin: str | None = None, first: int = 50, before_seq: int | None = None
    ) -> AuditPage:
        """Rows newest first (by ``seq``), ``first`` of them (1–100), older than
        ``before_seq``; only ``subject_fin``'s when given."""
        if not 1 <= first <= MAX_PAGE_SIZE:
            raise ValueError(f"first must be between 1 and {MAX_PAGE_SIZE}")
        query = sa.select(audit_log).order_by(audit_log.c.seq.desc()).limit(first + 1)
        if subject_fin is not None:
            query = query.where(audit_log.c.subject_fin == subject_fin)
        if before_seq is not None:
            query = query.where(audit_log.c.seq < before_seq)
        async with self._db._read() as connection:
            rows = (await connection.execute(query)).all()
        return AuditPage(rows=tuple(_row(r) for r in rows[:first]), has_next_page=len(rows) > first)

    async def rows(
        self, *, after_seq: int = 0, up_to: int | None = None, batch: int = _VERIFY_BATCH
    ) -> AsyncIterator[AuditRow]:
        """Every row after ``after_seq`` (and up to ``up_to``) in chain order, in batches."""
        last = after_seq
        while True:
            query = (
                sa.select(audit_log)
                .where(audit_log.c.seq > last)
                .order_by(audit_log.c.seq)
                .limit(batch)
            )
            if up_to is not None:
                query = query.where(audit_log.c.seq <= up_to)
            async with self._db._read() as connection:
                found = (await connection.execute(query)).all()
            for raw in found:
                yield _row(raw)
            if len(found) < batch:
                return
            last = int(found[-1].seq)

    async def verify(self, exported: Iterable[ChainHead] = ()) -> Verification:
        """Walk the chain from the first row and stop at the first broken link: a missing row
        (deleted), a row whose contents do not match its hash (edited), a row that does not
        carry the previous row's hash (edited and re-hashed, reordered, or inserted); then
        compare the end of the chain with the database's chain head and with every ``exported``
        head (truncation of the tail, or a rewritten chain).

        The log may be growing meanwhile (a gateway appending, as when run from cron): the chain
        head is read first and the walk stops there; rows appended since are left for the next
        run. A row past the chain head that no append accounts for (the head, read again
        afterwards, has not reached it) was added outside the chain."""
        wanted = {head.seq: head for head in exported}
        seen: dict[int, str] = {}
        recorded = await self.head()
        expected_seq, prev, count = 1, GENESIS, 0
        async for row in self.rows(up_to=recorded.seq):
            if row.seq != expected_seq:
                return Verification(
                    count,
                    ChainHead(expected_seq - 1, prev),
                    expected_seq,
                    f"row {expected_seq} is missing: the log goes on at row {row.seq} (deleted)",
                )
            if row_hash(row.seq, row.at, row.entry, row.prev_hash) != row.hash:
                return Verification(
                    count,
                    ChainHead(expected_seq - 1, prev),
                    row.seq,
                    f"row {row.seq} does not match its hash (edited)",
                )
            if row.prev_hash != prev:
                return Verification(
                    count,
                    ChainHead(expected_seq - 1, prev),
                    row.seq,
                    f"row {row.seq} does not carry the hash of row {row.seq - 1} "
                    "(a row was edited and re-hashed, reordered or inserted)",
                )
            if row.seq in wanted:
                seen[row.seq] = row.hash
            prev, expected_seq, count = row.hash, row.seq + 1, count + 1
        end = ChainHead(expected_seq - 1, prev)
        if recorded != end:
            if recorded.seq > end.seq:
                problem = (
                    f"the log ends at row {end.seq} but its chain head names row "
                    f"{recorded.seq} (rows after {end.seq} were removed: truncated)"
                )
                return Verification(count, end, end.seq + 1, problem)
            problem = f"the chain head does not match row {end.seq} (the head was altered)"
            return Verification(count, end, end.seq, problem)
        last = await self._last_seq()
        if last > end.seq and last > (await self.head()).seq:
            problem = (
                f"row {last} lies past the chain head (row {end.seq}): added outside the chain"
            )
            return Verification(count, end, end.seq + 1, problem)
        for seq in sorted(wanted):
            if seq > end.seq:
                problem = (
                    f"row {seq} was exported as a chain head but the log ends at row "
                    f"{end.seq} (truncated)"
                )
                return Verification(count, end, end.seq + 1, problem)
            if seen.get(seq) != wanted[seq].hash:
                problem = (
                    f"row {seq} differs from the chain head exported for it "
                    "(the chain was rewritten)"
                )
                return Verification(count, end, seq, problem)
        return Verification(count, end)


# --- exported chain heads --------------------------------------------------------------------


def export_head(directory: Path, head: ChainHead, at: datetime) -> bool:
    """Append ``head`` to ``directory/heads.jsonl`` unless it is already the last line there;
    whether a line was written. Ship the directory somewhere the database's administrators
    cannot write (WORM storage, another host): a truncated or rewritten log then disagrees."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / HEADS_FILE
    known = read_exported_heads(directory)
    if known and known[-1] == head:
        return False
    line = json.dumps(
        {"seq": head.seq, "hash": head.hash, "at": at.astimezone(UTC).isoformat()},
        sort_keys=True,
    )
    with path.open("a", encoding="utf-8") as file:
        file.write(line + "\n")
        file.flush()
    return True


class UnreadableHeads(ValueError):
    """An exported chain-head file has a line that is not a chain head."""


def read_exported_heads(directory: Path) -> list[ChainHead]:
    """Every head exported under ``directory`` (``*.jsonl``), in file and line order."""
    if not directory.is_dir():
        return []
    heads: list[ChainHead] = []
    for path in sorted(directory.glob("*.jsonl")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                document = json.loads(line)
                head = ChainHead(seq=int(document["seq"]), hash=str(document["hash"]))
            except (ValueError, KeyError, TypeError):
                raise UnreadableHeads(f"{path.name} line {number} is not a chain head") from None
            heads.append(head)
    return heads


async def export_current_head(log: AuditLog, directory: Path, at: datetime) -> ChainHead:
    """Read the chain head from the database and export it (if it moved)."""
    head = await log.head()
    if head.seq > 0:
        export_head(directory, head, at)
    return head


@asynccontextmanager
async def periodic_head_export(
    log: AuditLog,
    directory: Path,
    *,
    interval: float = 60.0,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> AsyncIterator[None]:
    """While the block runs, export the chain head every ``interval`` seconds (when it moved),
    and once more on the way out. A database that is away skips a round, never the process."""

    async def export_once() -> None:
        try:
            await export_current_head(log, directory, clock())
        except (PersistenceError, OSError) as exc:
            _log.warning("audit chain head not exported: %s", type(exc).__name__)

    async def loop() -> None:
        while True:
            await asyncio.sleep(interval)
            await export_once()

    task = asyncio.create_task(loop(), name="audit-head-export")
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await export_once()


# --- rows ------------------------------------------------------------------------------------


def _row(raw: sa.Row[Any]) -> AuditRow:
    return AuditRow(
        seq=int(raw.seq),
        at=raw.at,
        entry=AuditEntry(
            actor_sub=raw.actor_sub,
            actor_role=raw.actor_role,
            actor_institution=raw.actor_institution,
            subject_fin=raw.subject_fin,
            agency=raw.agency,
            data_item=raw.data_item,
            purpose=raw.purpose,
            application_id=raw.application_id,
            allowed=bool(raw.allowed),
            reason=raw.reason,
            xroad_ids=tuple(raw.xroad_ids.split()) if raw.xroad_ids else (),
            correlation_id=raw.correlation_id,
        ),
        prev_hash=raw.prev_hash,
        hash=raw.hash,
    )


__all__ = [
    "GENESIS",
    "AuditEntry",
    "AuditLog",
    "AuditPage",
    "AuditRow",
    "CarriedRows",
    "ChainHead",
    "UnreadableHeads",
    "Verification",
    "canonical",
    "export_current_head",
    "export_head",
    "periodic_head_export",
    "read_exported_heads",
    "row_hash",
]
