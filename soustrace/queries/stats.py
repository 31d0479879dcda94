"""Row counts that prove what a run stored (used by `soustrace db stats` and by tests)."""

from __future__ import annotations

from sqlalchemy import Engine, func, select

from soustrace.models import Contract, Evidence, Notice, Organization, PartyRole, Reject, Relation


def db_stats(engine: Engine) -> dict[str, object]:
    with engine.connect() as conn:
        per_source = dict(conn.execute(select(Notice.source, func.count()).group_by(Notice.source)).all())

        def count(model: type, *where: object) -> int:
            return int(conn.scalar(select(func.count()).select_from(model).where(*where)) or 0)  # type: ignore[arg-type]

        return {
            "notices": {str(k): int(v) for k, v in sorted(per_source.items())},
            "contracts": count(Contract, Contract.notice_id.is_not(None)),
            "reported_contracts": count(Contract, Contract.notice_id.is_(None)),  # awards stated in prose
            "organizations": count(Organization),
            "party_roles": count(PartyRole),
            "relations": count(Relation),
            "evidence": count(Evidence),
            "rejects": count(Reject),
        }
