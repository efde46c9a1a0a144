"""The data tracker (``myDataAccessLog``) and, for auditors, the audit log (``auditLog``).

Thin: the use cases are in :mod:`resolvers.audit`. A citizen sees who read their data by role
and institution, never an official's own identifiers; an auditor sees every column.
"""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry

from resolvers import audit as uc
from resolvers.principal import Role
from resolvers.purpose import PurposeKind
from schema.scalars import FIN
from schema.types import Info


@strawberry.enum(description="The role someone acted in")
class ActorRole(Enum):
    CITIZEN = Role.CITIZEN.value
    OPERATOR = Role.OPERATOR.value
    CASEWORKER = Role.CASEWORKER.value
    AUDITOR = Role.AUDITOR.value
    SERVICE = Role.SERVICE.value


@strawberry.enum(description="Why personal data was read")
class AccessPurpose(Enum):
    SELF_SERVICE = PurposeKind.SELF_SERVICE.value
    CASE_REVIEW = PurposeKind.CASE_REVIEW.value
    APPLICATION = PurposeKind.APPLICATION.value
    APPLICATION_INTAKE = PurposeKind.APPLICATION_INTAKE.value
    AUDIT = PurposeKind.AUDIT.value
    FEDERATED_QUERY = PurposeKind.FEDERATED_QUERY.value


@strawberry.type(description="Where a page of a connection ends")
class AuditPageInfo:
    end_cursor: str | None
    has_next_page: bool


@strawberry.type(
    description="One use of your data: who (by role and institution), which data from which "
    "agency, when and why, and whether it was allowed"
)
class DataAccess:
    reference: str = strawberry.field(description="Quote it when you ask about this entry")
    at: datetime
    actor_role: ActorRole
    institution: str | None = strawberry.field(
        description="The institution that acted (null when it was you or your family)"
    )
    by_self: bool = strawberry.field(description="You did it yourself")
    agency: str = strawberry.field(description="The agency's key, e.g. tax")
    agency_name: str
    data_item: str = strawberry.field(description="The data item's code, e.g. incomes")
    description: str = strawberry.field(description="The data item in plain words")
    purpose: AccessPurpose
    purpose_text: str
    application_id: strawberry.ID | None
    allowed: bool

    @classmethod
    def of(cls, item: uc.DataAccess) -> DataAccess:
        return cls(
            reference=item.reference,
            at=item.at,
            actor_role=ActorRole(item.actor_role.value),
            institution=item.institution,
            by_self=item.by_self,
            agency=item.agency,
            agency_name=item.agency_name,
            data_item=item.data_item,
            description=item.description,
            purpose=AccessPurpose(item.purpose.value),
            purpose_text=item.purpose_words,
            application_id=(
                strawberry.ID(item.application_id) if item.application_id is not None else None
            ),
            allowed=item.allowed,
        )


@strawberry.type
class DataAccessEdge:
    cursor: str
    node: DataAccess


@strawberry.type(description="Uses of the signed-in citizen's data, newest first")
class DataAccessConnection:
    edges: list[DataAccessEdge]
    page_info: AuditPageInfo

    @strawberry.field
    def nodes(self) -> list[DataAccess]:
        return [edge.node for edge in self.edges]


@strawberry.type(description="A row of the audit log, every column (auditors only)")
class AuditRecord:
    seq: int
    at: datetime
    actor_subject: str
    actor_role: ActorRole
    institution: str | None
    subject_fin: FIN
    agency: str
    data_item: str
    purpose: AccessPurpose
    application_id: strawberry.ID | None
    allowed: bool
    reason: str
    xroad_ids: list[str]
    correlation_id: str
    prev_hash: str
    hash: str


@strawberry.type
class AuditRecordEdge:
    cursor: str
    node: AuditRecord


@strawberry.type(description="The audit log, newest first")
class AuditRecordConnection:
    edges: list[AuditRecordEdge]
    page_info: AuditPageInfo


@strawberry.type
class AuditQuery:
    @strawberry.field(
        description="Who read your data, from which agency, when and why (citizens only), "
        "newest first"
    )
    async def my_data_access_log(
        self, info: Info, first: int | None = 50, after: str | None = None
    ) -> DataAccessConnection:
        page = await uc.my_data_access_log(info.context, 50 if first is None else first, after)
        return DataAccessConnection(
            edges=[
                DataAccessEdge(cursor=item.cursor, node=DataAccess.of(item)) for item in page.items
            ],
            page_info=AuditPageInfo(end_cursor=page.end_cursor, has_next_page=page.has_next_page),
        )

    @strawberry.field(
        description="The audit log (auditors only), newest first; one person's rows with fin. "
        "Reading it is itself recorded."
    )
    async def audit_log(
        self, info: Info, first: int | None = 50, after: str | None = None, fin: FIN | None = None
    ) -> AuditRecordConnection:
        page = await uc.audit_log(info.context, 50 if first is None else first, after, fin)
        edges = []
        for row in page.rows:
            entry = row.entry
            node = AuditRecord(
                seq=row.seq,
                at=row.at,
                actor_subject=entry.actor_sub,
                actor_role=ActorRole(entry.actor_role),
                institution=entry.actor_institution,
                subject_fin=FIN(entry.subject_fin),
                agency=entry.agency,
                data_item=entry.data_item,
                purpose=AccessPurpose(entry.purpose),
                application_id=(
                    strawberry.ID(entry.application_id) if entry.application_id else None
                ),
                allowed=entry.allowed,
                reason=entry.reason,
                xroad_ids=list(entry.xroad_ids),
                correlation_id=entry.correlation_id,
                prev_hash=row.prev_hash,
                hash=row.hash,
            )
            edges.append(AuditRecordEdge(cursor=uc.encode_cursor(row.seq), node=node))
        return AuditRecordConnection(
            edges=edges,
            page_info=AuditPageInfo(end_cursor=page.end_cursor, has_next_page=page.has_next_page),
        )
