"""The audit trail's use cases: recording every read of personal data and every decision, and
showing a citizen who read their data (``myDataAccessLog``) and an auditor the whole log.

Recording (docs/trust.md):

- Every agency read goes through a request's DataLoaders (:mod:`resolvers.context`), whose
  batch functions are wrapped by :func:`audited`: after the agency (or the cache) answered and
  *before* the values are handed to any resolver, one row per (person, agency, data item) is
  appended, carrying the X-Road ids of the agency messages; all the rows of one batch are one
  transaction. If they cannot be written the batch fails: no personal data is returned
  (:class:`AuditUnavailable`).
- The application flow (:mod:`resolvers.applications`: identification and registration, each
  decision) holds its rows instead (:func:`deferred_rows`): nothing it read leaves the gateway
  before the flow's next write transaction (the registration, the start of the assessment,
  the decision with its outbox, the wait for data) has appended them to the chain and
  committed them with its change (:func:`carrying`), all or nothing. A path that ends without
  such a write (a user error, a decision someone else made first, an agency error, an
  exception) appends what is left on its own before the caller gets anything, or fails with
  :class:`AuditUnavailable`.
- The family-composition lookups that authorization needs (``population.families*``) are held
  until the verdict: :func:`settle_family` records them as allowed, or as denied with the
  reason, so that a refused request leaves exactly one row per person and no "allowed" one.
- Denials without an agency read (:func:`record_denial`) and decisions (:func:`decision_rows`,
  carried by the decision's own transaction) are rows too.

The purpose of each read is the request's stated :class:`~resolvers.purpose.Purpose`, checked
against the caller's roles before any agency is asked.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
from collections.abc import AsyncIterator, Awaitable, Callable, Hashable, Iterable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

import structlog

from adapters.base import track_xroad_ids
from adapters.db.audit import AuditEntry, AuditLog, AuditPage, AuditRow
from adapters.db.errors import DatabaseUnavailable, PersistenceError
from adapters.records import FamilyRecord
from resolvers import authorization
from resolvers.errors import ApiError, BadUserInput, Forbidden
from resolvers.principal import Principal, Role
from resolvers.purpose import Purpose, PurposeKind, acting_role

if TYPE_CHECKING:
    from adapters.db import Database
    from adapters.db.repository import LastStatements
    from resolvers.context import RequestContext

T = TypeVar("T")

log = structlog.get_logger("vemtas.audit")

OWN_AGENCY = "vemtas"  # rows about our own records: decisions, the audit log itself

#: What each data item is, in the words the data tracker shows (agency key, item) → words.
DATA_ITEMS: dict[tuple[str, str], str] = {
    ("population", "families"): "family composition (members, relations, address)",
    ("population", "persons"): "personal details (name, birth date, citizenship, ID card)",
    ("tax", "taxpayers"): "taxpayer registration",
    ("tax", "incomes"): "income declared to the tax service",
    ("property", "real_estate"): "real estate owned",
    ("utilities", "electricity_charges"): "electricity charges at the family's address",
    ("utilities", "gas_charges"): "gas charges at the family's address",
    ("utilities", "water_charges"): "water charges at the family's address",
    ("migration", "residence"): "residence status",
    ("migration", "border_crossings"): "border crossings",
    ("vehicles", "vehicles"): "vehicles owned or used",
    ("social_insurance", "contracts"): "employment contracts",
    ("social_insurance", "payments"): "pensions and benefits",
    ("social_insurance", "assignments"): "social assistance assignments",
    ("social_insurance", "findings"): "findings of false information",
    ("social_insurance", "state_care"): "residence in state care",
    ("disability", "disabilities"): "disability",
    ("employment", "jobseekers"): "job-seeker registration",
    ("employment", "insurance_payments"): "unemployment insurance",
    ("employment", "refused_offers"): "job offers refused",
    ("education", "studies"): "full-time studies",
    ("education", "scholarships"): "scholarships",
    ("conscription", "active_service"): "military service",
    ("justice", "sentences"): "prison sentences",
    ("justice", "civil_status"): "civil status (death, missing-person records)",
    ("justice", "alimony"): "alimony",
    ("agriculture", "farmers"): "farm land and livestock",
    ("telecom", "charges"): "communication charges",
    (OWN_AGENCY, "decision"): "decision on an application",
    (OWN_AGENCY, "applications"): "applications",
    (OWN_AGENCY, "audit_log"): "record of who read your data",
}

#: Agency keys → names, as the data tracker shows them.
AGENCY_NAMES: dict[str, str] = {
    "population": "Ministry of Internal Affairs, population registry",
    "tax": "State Tax Service",
    "property": "State Service on Property Issues",
    "utilities": "Azərişıq, Azəriqaz and Azərsu",
    "migration": "State Migration Service and State Border Service",
    "vehicles": "State Road Police",
    "social_insurance": "State Social Protection Fund",
    "disability": "Ministry of Labour and Social Protection of Population (disability)",
    "employment": "State Employment Agency",
    "education": "Ministry of Science and Education",
    "conscription": "State Service for Mobilization and Conscription",
    "justice": "Ministry of Justice",
    "agriculture": "Ministry of Agriculture",
    "telecom": "communication operators",
    OWN_AGENCY: "Targeted social assistance (this system)",
}

#: The institution the data tracker names when the token does not name one. Officials are
#: shown by role and institution, never by their own identifiers.
DEFAULT_INSTITUTION: dict[Role, str | None] = {
    Role.CITIZEN: None,  # the citizen (or a member of their family) themself
    Role.CASEWORKER: "Ministry of Labour and Social Protection of Population",
    Role.OPERATOR: "DOST help desk",
    Role.AUDITOR: "Internal audit",
    Role.SERVICE: None,  # the service client's name is its subject
}

# loaders whose item is another loader's (the same data looked up by another key)
_ITEM_OF_LOADER = {"population.families_by_id": ("population", "families")}
#: The family-composition lookups an authorization check may hold until its verdict.
GATED_LOADERS = frozenset({"population.families", "population.families_by_id"})


class AuditUnavailable(ApiError):
    """The audit row could not be written, so the data is not returned (fail closed)."""

    code = "INTERNAL"

    def __init__(self) -> None:
        super().__init__(
            "the read could not be recorded in the audit log, so nothing was returned; "
            "try again later",
            reason="audit_unavailable",
        )


@dataclass(frozen=True, slots=True)
class Actor:
    """Who acts: the token's subject, the role acted in, and the institution shown."""

    sub: str
    role: Role
    institution: str | None

    @classmethod
    def of(cls, principal: Principal, purpose: Purpose) -> Actor:
        role = acting_role(principal, purpose)
        institution = principal.institution or DEFAULT_INSTITUTION[role]
        if role is Role.SERVICE and institution is None:
            institution = principal.sub
        return cls(principal.sub, role, institution)


def data_item_of(loader_name: str, args: tuple[Hashable, ...] = ()) -> tuple[str, str]:
    """(agency key, data item) of a loader such as ``tax.incomes``; utility charges are one
    item per provider (``utilities.charges`` with ``UtilityKind.GAS``: ``gas_charges``)."""
    if loader_name in _ITEM_OF_LOADER:
        return _ITEM_OF_LOADER[loader_name]
    agency, _, item = loader_name.partition(".")
    if loader_name == "utilities.charges" and args:
        kind = getattr(args[0], "value", args[0])
        item = f"{kind}_charges"
    return agency, item


@dataclass
class _Held:
    """A family-composition read waiting for the authorization verdict."""

    agency: str
    item: str
    fins: tuple[str, ...]
    xroad_ids: tuple[str, ...]
    purpose: Purpose


@dataclass
class RequestAudit:
    """One request's audit state: the authorization lookups held until their verdict, and
    which family lives at which address (utility charges are read by address)."""

    held: dict[str, list[_Held]] = field(default_factory=dict)
    fins_at_address: dict[str, frozenset[str]] = field(default_factory=dict)

    _queue: list[AuditEntry] = field(default_factory=list)
    _flush: asyncio.Future[None] | None = None
    _writing: set[asyncio.Future[None]] = field(default_factory=set)
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)

    async def write(self, database: Database | None, entries: list[AuditEntry]) -> None:
        """Append ``entries``; the rows of every caller within one turn of the event loop go
        in one transaction (as a DataLoader batches loads), so that concurrent resolvers
        resume together and their next agency reads still batch. Raises
        :class:`AuditUnavailable` for every caller if the transaction fails. With no entries
        it still waits for rows queued by others (they may be this caller's, e.g. the lookup
        of a family that a concurrent resolver settled first)."""
        if not entries:
            for waiting in [*self._writing, *([self._flush] if self._flush else [])]:
                await asyncio.shield(waiting)
            return
        self._queue.extend(entries)
        if self._flush is None:
            loop = asyncio.get_running_loop()
            self._flush = loop.create_future()
            if not self._writing:
                loop.call_soon(self._start_flush, database)
            # else: group commit — the rows queued while this request's previous transaction
            # is being written go together in the next one, started when that one ends (the
            # audit chain serializes appends anyway; each caller still waits for its rows)
        await asyncio.shield(self._flush)

    def _start_flush(self, database: Database | None) -> None:
        future, entries = self._flush, self._queue
        self._flush, self._queue = None, []
        if future is None:
            return
        self._writing.add(future)
        task = asyncio.ensure_future(append(database, entries))
        self._tasks.add(task)  # a reference until it is done
        task.add_done_callback(self._tasks.discard)

        def done(finished: asyncio.Future[None]) -> None:
            self._writing.discard(future)
            if self._flush is not None and not self._writing:
                self._start_flush(database)  # the rows queued meanwhile
            if future.cancelled():
                return
            error = finished.exception() if not finished.cancelled() else AuditUnavailable()
            if error is None:
                future.set_result(None)
            else:
                future.set_exception(error)
                future.exception()  # retrieved here too: every waiter raises it

        task.add_done_callback(done)

    def remember_family(self, family: FamilyRecord) -> None:
        fins = frozenset(m.fin for m in family.members)
        self.fins_at_address[family.address] = (
            self.fins_at_address.get(family.address, frozenset()) | fins
        )


async def append(database: Database | None, entries: list[AuditEntry]) -> None:
    """Append ``entries`` (one transaction), or raise :class:`AuditUnavailable`."""
    if not entries:
        return
    if database is None:
        raise AuditUnavailable()
    try:
        await AuditLog(database).append(entries)
    except (PersistenceError, OSError) as exc:
        raise AuditUnavailable() from exc


@dataclass
class DeferredAudit:
    """The rows of one application flow's reads, held for the flow's next write transaction
    (:func:`deferred_rows`, :func:`carrying`), in the order they were read."""

    entries: list[AuditEntry] = field(default_factory=list)

    def add(self, entries: Iterable[AuditEntry]) -> None:
        self.entries.extend(entries)

    def take(self) -> list[AuditEntry]:
        taken, self.entries = self.entries, []
        return taken

    def give_back(self, entries: list[AuditEntry]) -> None:
        """Rows a write transaction did not commit, held again ahead of the newer ones."""
        self.entries[:0] = entries


@asynccontextmanager
async def deferred_rows(ctx: RequestContext) -> AsyncIterator[DeferredAudit]:
    """Within the block, the audit rows of ``ctx``'s reads are held instead of written, for
    the flow's write transactions to carry (:func:`carrying`). Whatever is still held when
    the block ends, on any path, is appended on its own before the block is left: the caller
    gets nothing that rests on rows not in the log. When that append fails the block raises
    :class:`AuditUnavailable` — instead of its own exception too, unless that one already says
    the database is away (nothing was written, nothing is returned)."""
    deferred = DeferredAudit()
    previous, ctx.audit_deferred = ctx.audit_deferred, deferred
    try:
        yield deferred
    except BaseException as exc:
        ctx.audit_deferred = previous
        await _flush_after(ctx.database, deferred, exc)
        raise
    ctx.audit_deferred = previous
    await append(ctx.database, deferred.take())


async def _flush_after(
    database: Database | None, deferred: DeferredAudit, exc: BaseException
) -> None:
    entries = deferred.take()
    if not entries:
        return
    try:
        await append(database, entries)
    except AuditUnavailable:
        if isinstance(exc, Exception) and not isinstance(exc, DatabaseUnavailable):
            raise
        log.warning("audit rows not written", rows=len(entries), error=type(exc).__name__)


async def carrying(
    ctx: RequestContext,
    write: Callable[[LastStatements | None], Awaitable[T]],
    *,
    also: Iterable[AuditEntry] = (),
) -> T:
    """``write`` (a repository write transaction taking ``audit_rows``) carrying the rows held
    for ``ctx`` and then ``also`` (rows that exist only if the write does: a decision's) as its
    last statements: committed with its change, or — when it raises — neither; the held rows
    are then held again (the flow appends them before it answers), ``also`` is dropped."""
    deferred = ctx.audit_deferred
    held = deferred.take() if deferred is not None else []
    entries = [*held, *also]
    if not entries:
        return await write(None)
    try:
        if ctx.database is None:
            raise AuditUnavailable()
        return await write(AuditLog(ctx.database).carried(entries))
    except BaseException:
        if deferred is not None:
            deferred.give_back(held)
        raise


async def _record(ctx: RequestContext, entries: list[AuditEntry]) -> None:
    """Write ``entries`` before the caller goes on, or hold them when ``ctx`` defers."""
    deferred = ctx.audit_deferred
    if deferred is not None:
        deferred.add(entries)
        return
    await ctx.audit_state.write(ctx.database, entries)


def _entries(
    ctx: RequestContext,
    purpose: Purpose,
    fins: Iterable[str],
    agency: str,
    item: str,
    *,
    allowed: bool,
    reason: str,
    xroad_ids: tuple[str, ...] = (),
) -> list[AuditEntry]:
    """One row per person in ``fins`` (none: nothing is asked of the request), the actor and
    the purpose worked out once for all of them."""
    fins = list(fins)
    if not fins:
        return []
    actor = Actor.of(ctx.require_principal(), purpose)
    sub, role, institution = actor.sub, actor.role.value, actor.institution
    kind, application_id = purpose.kind.value, purpose.application_id
    correlation_id = ctx.correlation_id
    return [
        AuditEntry(
            actor_sub=sub,
            actor_role=role,
            actor_institution=institution,
            subject_fin=fin,
            agency=agency,
            data_item=item,
            purpose=kind,
            application_id=application_id,
            allowed=allowed,
            reason=reason,
            xroad_ids=xroad_ids,
            correlation_id=correlation_id,
        )
        for fin in fins
    ]


def _read_reason(purpose: Purpose) -> str:
    return "read_for_application" if purpose.kind is PurposeKind.APPLICATION else "read"


# --- the hook the loaders call -----------------------------------------------------------------


def audited(
    ctx: RequestContext,
    name: str,
    args: tuple[Hashable, ...],
    call: Callable[[list[Any]], Awaitable[Mapping[Any, Any]]],
    *,
    gated: bool = False,
) -> Callable[[list[Any]], Awaitable[Mapping[Any, Any]]]:
    """``call`` (one agency batch read) with the audit trail around it: the purpose is checked
    before the agency is asked, and the rows are written before the answer is returned (in an
    application flow's context, held for the flow's next write: :func:`deferred_rows`).
    ``gated`` (a family-composition lookup for an authorization check): the rows are held
    until :func:`settle_family` records them with the verdict."""
    agency, item = data_item_of(name, args)
    if gated and name not in GATED_LOADERS:
        raise ValueError(f"{name} is not a family-composition lookup")

    async def load(keys: list[Any]) -> Mapping[Any, Any]:
        purpose = ctx.stated_purpose  # refused purposes never reach an agency
        with track_xroad_ids() as sent:
            found = await call(keys)
        xroad_ids = tuple(sent)
        # every agency read, with the request's correlation id (bound per request) and no
        # personal data: the X-Road ids tie it to the agency's own log
        log.info("agency_read", agency=agency, item=item, keys=len(keys), xroad_ids=list(xroad_ids))
        state = ctx.audit_state
        if gated:
            _hold(state, name, keys, found, xroad_ids, purpose)
            return found
        # A loader asks for each of its keys once per request, so each person appears in one
        # batch of it: one row per person (a family's members share an address).
        fins = dict.fromkeys(
            fin for key in keys for fin in _subjects(state, name, key, found.get(key))
        )
        await _record(
            ctx,
            _entries(
                ctx,
                purpose,
                fins,
                agency,
                item,
                allowed=True,
                reason=_read_reason(purpose),
                xroad_ids=xroad_ids,
            ),
        )
        return found

    return load


def _subjects(state: RequestAudit, name: str, key: Any, value: Any) -> Iterable[str]:
    """Whose data one key's answer is: the key's FIN; a family's members for a family
    composition; the family at the address for utility charges."""
    if isinstance(value, FamilyRecord):
        state.remember_family(value)
        members = [m.fin for m in value.members]
        return members if name == "population.families_by_id" else [*members, str(key)]
    if name == "population.families_by_id":
        return ()  # an unknown household id: nobody's data was read
    if name == "utilities.charges":  # keyed by the household's address
        fins = state.fins_at_address.get(key)
        if fins is None:
            # a read we cannot attribute to anyone must not be served
            raise AuditUnavailable()
        return sorted(fins)
    return (str(key),)


def _hold(
    state: RequestAudit,
    name: str,
    keys: list[Any],
    found: Mapping[Any, Any],
    xroad_ids: tuple[str, ...],
    purpose: Purpose,
) -> None:
    agency, item = data_item_of(name)
    by_fin = name == "population.families"  # else by household id
    for key in keys:
        family = found.get(key)
        if isinstance(family, FamilyRecord):
            state.remember_family(family)
            members = [m.fin for m in family.members]
            fins = tuple(dict.fromkeys([*members, str(key)] if by_fin else members))
            held_key = f"household:{family.household_id}"
        elif by_fin:
            fins, held_key = (str(key),), f"fin:{key}"
        else:
            continue  # an unknown household id: nobody's data was read
        state.held.setdefault(held_key, []).append(_Held(agency, item, fins, xroad_ids, purpose))


async def settle_family(
    ctx: RequestContext,
    family: FamilyRecord | None,
    verdict: authorization.Decision,
    *,
    fin: str | None = None,
) -> None:
    """Record the held family-composition reads of ``family`` (or of ``fin`` when the registry
    had no family for it) with the authorization ``verdict``: allowed, or denied and why.
    Raises :class:`AuditUnavailable` when they cannot be written (the caller then returns
    nothing). Held reads are recorded once: a second verdict on the family writes nothing."""
    state = ctx.audit_state
    if family is not None:
        held_key = f"household:{family.household_id}"
        state.remember_family(family)
    elif fin is not None:
        held_key = f"fin:{fin}"
    else:
        return
    held = state.held.pop(held_key, [])
    entries: list[AuditEntry] = []
    seen: set[tuple[str, str, str, tuple[str, ...]]] = set()
    for read in held:
        subjects: list[str] = []
        for subject in read.fins:
            # several keys of one batch may name the same family: one agency read
            marker = (read.agency, read.item, subject, read.xroad_ids)
            if marker in seen:
                continue
            seen.add(marker)
            subjects.append(subject)
        entries += _entries(
            ctx,
            read.purpose,
            subjects,
            read.agency,
            read.item,
            allowed=verdict.allowed,
            reason=verdict.reason.value,
            xroad_ids=read.xroad_ids,
        )
    await _record(ctx, entries)


async def record_denial(
    ctx: RequestContext,
    fins: Iterable[str],
    *,
    agency: str,
    item: str,
    reason: authorization.Reason | str,
) -> None:
    """Record that the caller was refused ``item`` about ``fins`` (one row per person).
    For refusals that needed no agency read (e.g. an application another family owns)."""
    purpose = ctx.stated_purpose
    code = reason.value if isinstance(reason, authorization.Reason) else reason
    entries = _entries(ctx, purpose, dict.fromkeys(fins), agency, item, allowed=False, reason=code)
    await _record(ctx, entries)


def decision_rows(
    *,
    actor: Actor,
    application_id: str,
    member_fins: Iterable[str],
    correlation_id: str,
    reassessment: bool = False,
) -> list[AuditEntry]:
    """One row per member of the application for a decision made on it (purpose: the
    application), for the decision's own transaction to carry (:func:`carrying` ``also``):
    the decision is stored with its rows or not at all."""
    reason = "reassessed" if reassessment else "decided"
    return [
        AuditEntry(
            actor_sub=actor.sub,
            actor_role=actor.role.value,
            actor_institution=actor.institution,
            subject_fin=fin,
            agency=OWN_AGENCY,
            data_item="decision",
            purpose=PurposeKind.APPLICATION.value,
            application_id=application_id,
            allowed=True,
            reason=reason,
            xroad_ids=(),
            correlation_id=correlation_id,
        )
        for fin in dict.fromkeys(member_fins)
    ]


#: The actor of decisions the worker makes with no one signed in.
SYSTEM_ACTOR = Actor(sub="vemtas-worker", role=Role.SERVICE, institution="automated assessment")


# --- reading the log ---------------------------------------------------------------------------

_CURSOR_PREFIX = "audit:"


def encode_cursor(seq: int) -> str:
    return base64.urlsafe_b64encode(f"{_CURSOR_PREFIX}{seq}".encode()).decode()


def decode_cursor(cursor: str | None) -> int | None:
    """The ``seq`` in a cursor this module issued; ``BAD_USER_INPUT`` for anything else."""
    if cursor is None:
        return None
    try:
        text = base64.urlsafe_b64decode(cursor.encode("ascii")).decode("ascii")
    except (binascii.Error, UnicodeError, ValueError):
        raise BadUserInput("the cursor is not valid", field=["after"]) from None
    if not text.startswith(_CURSOR_PREFIX) or not text[len(_CURSOR_PREFIX) :].isdigit():
        raise BadUserInput("the cursor is not valid", field=["after"])
    return int(text[len(_CURSOR_PREFIX) :])


def _page_size(first: int) -> int:
    if not 1 <= first <= 100:
        raise BadUserInput("first must be between 1 and 100", field=["first"])
    return first


@dataclass(frozen=True, slots=True)
class DataAccess:
    """One entry of the data tracker: a read of the citizen's data or a decision about it."""

    reference: str
    at: datetime
    actor_role: Role
    institution: str | None
    by_self: bool
    agency: str
    agency_name: str
    data_item: str
    description: str
    purpose: PurposeKind
    purpose_words: str
    application_id: str | None
    allowed: bool
    cursor: str


@dataclass(frozen=True, slots=True)
class AccessPage:
    items: tuple[DataAccess, ...]
    end_cursor: str | None
    has_next_page: bool


def _data_access(row: AuditRow, own_sub: str) -> DataAccess:
    entry = row.entry
    kind = PurposeKind(entry.purpose)
    return DataAccess(
        reference=f"AUD-{row.seq}",
        at=row.at,
        actor_role=Role(entry.actor_role),
        institution=entry.actor_institution,
        by_self=entry.actor_sub == own_sub,
        agency=entry.agency,
        agency_name=AGENCY_NAMES.get(entry.agency, entry.agency),
        data_item=entry.data_item,
        description=DATA_ITEMS.get((entry.agency, entry.data_item), entry.data_item),
        purpose=kind,
        purpose_words=Purpose(kind, entry.application_id).words(),
        application_id=entry.application_id,
        allowed=entry.allowed,
        cursor=encode_cursor(row.seq),
    )


async def _page(
    ctx: RequestContext, *, subject_fin: str | None, first: int, after: str | None
) -> AuditPage:
    before = decode_cursor(after)
    size = _page_size(first)
    if ctx.database is None:
        raise AuditUnavailable()
    try:
        return await AuditLog(ctx.database).page(
            subject_fin=subject_fin, first=size, before_seq=before
        )
    except PersistenceError as exc:
        raise AuditUnavailable() from exc


async def my_data_access_log(ctx: RequestContext, first: int, after: str | None) -> AccessPage:
    """The signed-in citizen's own entries, newest first: who (role and institution), which
    data from which agency, when, why. Nobody else's."""
    principal = ctx.require_principal()
    verdict = authorization.can_read_own_data_access_log(principal)
    if not verdict.allowed or principal.fin is None:
        raise Forbidden("only a citizen reads their own data access log")
    page = await _page(ctx, subject_fin=principal.fin, first=first, after=after)
    items = tuple(_data_access(row, principal.sub) for row in page.rows)
    return AccessPage(items, items[-1].cursor if items else None, page.has_next_page)


@dataclass(frozen=True, slots=True)
class AuditRecordPage:
    rows: tuple[AuditRow, ...]
    end_cursor: str | None
    has_next_page: bool


async def audit_log(
    ctx: RequestContext, first: int, after: str | None, fin: str | None
) -> AuditRecordPage:
    """The whole log (or one person's rows) for an auditor, newest first. Reading it is itself
    recorded: one row per person whose entries were shown."""
    principal = ctx.require_principal()
    verdict = authorization.can_read_audit_log(principal)
    if not verdict.allowed:
        raise Forbidden("only auditors read the audit log")
    page = await _page(ctx, subject_fin=fin, first=first, after=after)
    purpose = ctx.stated_purpose
    subjects = dict.fromkeys(row.entry.subject_fin for row in page.rows)
    await _record(
        ctx,
        _entries(ctx, purpose, subjects, OWN_AGENCY, "audit_log", allowed=True, reason="read"),
    )
    end = encode_cursor(page.rows[-1].seq) if page.rows else None
    return AuditRecordPage(page.rows, end, page.has_next_page)


__all__ = [
    "SYSTEM_ACTOR",
    "AccessPage",
    "Actor",
    "AuditUnavailable",
    "DataAccess",
    "DeferredAudit",
    "RequestAudit",
    "audit_log",
    "audited",
    "carrying",
    "decision_rows",
    "deferred_rows",
    "my_data_access_log",
    "record_denial",
    "settle_family",
]
