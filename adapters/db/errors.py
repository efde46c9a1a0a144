"""The persistence error tree. SQLAlchemy, asyncpg and sqlite3 failures are translated here, in
one place (:func:`translate_errors`), so use cases never see a foreign exception.

    PersistenceError
    ├── DatabaseUnavailable    connection refused or lost, timeouts, pool exhausted,
    │                          "database is locked", serialization failures: retryable;
    │                          the transaction was rolled back, nothing was written
    ├── IdempotencyConflict    the idempotency key was used with another input
    ├── StaleApplication       the application changed since it was read (optimistic lock),
    │                          or was already decided
    ├── GrantConflict          a grant to record meets another current grant of ours for the
    │                          same family (granted meanwhile): decide again with it
    ├── ApplicationNotFound    no application with that id
    ├── DuplicateKey           a unique key (an effect's idempotency key, a number) is taken
    ├── InvalidCursor          a pagination cursor that this repository did not issue
    └── RequeueRefused         outbox items named for requeueing are unknown or not dead;
                               nothing was requeued

Messages never carry personal data (no FINs, phone numbers, names, payloads).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from sqlalchemy import exc as sa_exc


class PersistenceError(Exception):
    """Base of every error the repository raises on purpose."""


class DatabaseUnavailable(PersistenceError):
    """The database could not be reached or could not finish in time; retry later.

    Nothing was written: the transaction, if any, was rolled back."""

    retryable = True

    def __init__(self, message: str = "the database is unavailable") -> None:
        super().__init__(message)


class IdempotencyConflict(PersistenceError):
    """The idempotency key is already taken by an application with another input."""

    def __init__(self, application_id: str) -> None:
        super().__init__("the idempotency key was already used with another input")
        self.application_id = application_id


class StaleApplication(PersistenceError):
    """The application is not in the state the caller expected (another writer came first)."""

    def __init__(
        self,
        application_id: str,
        expected_version: int | None,
        actual_version: int,
        reason: str = "the application changed meanwhile",
    ) -> None:
        super().__init__(reason)
        self.application_id = application_id
        self.expected_version = expected_version
        self.actual_version = actual_version


class GrantConflict(PersistenceError):
    """A grant was not recorded: another application of the same family (its household or
    one of its members) holds a current grant of ours covering the application's month, granted
    after this application's facts were gathered. Nothing was written; the decision is to be
    made again with that grant known (``ACTIVE_ASSIGNMENT_EXISTS``)."""

    def __init__(self, application_id: str) -> None:
        super().__init__("another application of this family was granted meanwhile")
        self.application_id = application_id


class ApplicationNotFound(PersistenceError):
    def __init__(self, application_id: str) -> None:
        super().__init__("no such application")
        self.application_id = application_id


class DuplicateKey(PersistenceError):
    """A unique key is already taken; the transaction was rolled back."""

    def __init__(self) -> None:
        super().__init__("a unique key is already taken")


class InvalidCursor(PersistenceError, ValueError):
    def __init__(self) -> None:
        super().__init__("the cursor is not valid")


class RequeueRefused(PersistenceError):
    """Some outbox items named for requeueing cannot be requeued (unknown, not dead-lettered,
    or no longer true: a card order or card-ready notice of an application no longer granted,
    a decision notice of a superseded decision, a card-ready notice of a replaced card order);
    nothing was changed. ``refused`` maps each such id to why."""

    def __init__(self, refused: Mapping[str, str]) -> None:
        self.refused = dict(refused)
        super().__init__(
            "; ".join(f"outbox item {item_id}: {why}" for item_id, why in self.refused.items())
        )


# PostgreSQL conditions that a later attempt may not meet: query_canceled (statement timeout),
# serialization_failure, deadlock_detected, lock_not_available, admin/crash shutdown,
# cannot_connect_now, too_many_connections
RETRYABLE_SQLSTATES = frozenset(
    {"57014", "40001", "40P01", "55P03", "57P01", "57P02", "57P03", "53300"}
)


def _sqlstate(error: sa_exc.DBAPIError) -> str | None:
    original = error.orig
    code = getattr(original, "sqlstate", None) or getattr(original, "pgcode", None)
    return code if isinstance(code, str) else None


def _is_unique_violation(error: sa_exc.IntegrityError) -> bool:
    if _sqlstate(error) == "23505":
        return True  # PostgreSQL unique_violation
    name = getattr(error.orig, "sqlite_errorname", "")
    return name in ("SQLITE_CONSTRAINT_UNIQUE", "SQLITE_CONSTRAINT_PRIMARYKEY")


def _is_unavailable(error: BaseException) -> bool:
    if isinstance(error, sa_exc.TimeoutError | OSError | TimeoutError):
        return True  # pool checkout timeout, connection refused, connect timeout
    if isinstance(error, sa_exc.DBAPIError):
        sqlstate = _sqlstate(error) or ""
        if error.connection_invalidated or sqlstate in RETRYABLE_SQLSTATES:
            return True
        if sqlstate.startswith("08"):  # connection exception class
            return True
        # OperationalError: lost connection, "database is locked", serialization failure
        # (asyncpg maps 40001/40P01 there), server shutting down; InterfaceError: the
        # connection is closed or unusable.
        return isinstance(error, sa_exc.OperationalError | sa_exc.InterfaceError)
    # asyncpg raises its own connection errors before SQLAlchemy can wrap them
    module = type(error).__module__
    return module.startswith("asyncpg") and type(error).__name__ in {
        "ConnectionDoesNotExistError",
        "CannotConnectNowError",
        "TooManyConnectionsError",
        "ConnectionFailureError",
        "InterfaceError",
    }


@contextmanager
def translate_errors() -> Iterator[None]:
    """Map foreign failures into the tree: unique violations to :class:`DuplicateKey`, lost
    connections and timeouts to :class:`DatabaseUnavailable`; let everything else through."""
    try:
        yield
    except PersistenceError:
        raise
    except sa_exc.IntegrityError as error:
        if _is_unique_violation(error):
            raise DuplicateKey() from error
        raise
    except sa_exc.StatementError as error:
        if not isinstance(error, sa_exc.DBAPIError) and isinstance(
            error.orig, TypeError | ValueError
        ):
            # a value refused while binding (naive datetime, money with three decimals, a
            # payload that is not JSON): the caller's mistake, in the caller's terms
            raise error.orig from None
        if _is_unavailable(error):
            raise DatabaseUnavailable() from error
        raise
    except Exception as error:
        if _is_unavailable(error):
            raise DatabaseUnavailable() from error
        raise
