"""``carepath audit --format json``: every count, typed, and the SQL of each
adherence group."""

from __future__ import annotations

from typing import Any

from carepath.compiler.audit.counts import AuditResult
from carepath.render.report_json import typed_value


def audit_json(result: AuditResult) -> dict[str, Any]:
    return {
        "pathway": result.pathway,
        "title": result.title,
        "source": result.source,
        "engine": result.engine,
        "settings": [
            {"name": name, "value": typed_value(written), "default": is_default}
            for name, written, is_default in result.settings
        ],
        "rows": result.rows,
        "statuses": result.statuses,
        "outcomes": result.outcomes,
        "nodes": result.nodes,
        "branches": [
            {
                "decision": b.decision,
                "branch": b.index,
                "target": b.target,
                "condition": b.condition,
                "patients": b.patients,
            }
            for b in result.branches
        ],
        "recommendations": [
            {
                "id": i.id,
                "node": i.node,
                "kind": i.kind,
                "text": i.text,
                "given": i.given,
                "undetermined": i.undetermined,
            }
            for i in result.items
        ],
        "needs": result.needs,
        "problems": result.problems,
        "rows_to_look_at": [
            {result.row_label: r.row, "status": r.status, "problem": r.problem}
            for r in result.listed
        ],
        "adherence": [
            {
                "id": a.id,
                "kind": a.kind,
                "text": a.text,
                "column": a.column,
                "eligible_received": a.eligible_received,
                "eligible_not_received": a.eligible_not_received,
                "eligible_not_recorded": a.eligible_unrecorded,
                "ineligible_received": a.ineligible_received,
                "sql_eligible_not_received": a.select_eligible_not_received,
                "sql_ineligible_received": a.select_ineligible_received,
            }
            for a in result.adherence
        ],
    }
