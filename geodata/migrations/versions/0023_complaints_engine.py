"""Complaints on the service engine (issue 18, last item): a report's due time and state start, its audit

Revision ID: 0023_complaints_engine
Revises: 0022_ppdb
Create Date: 2026-12-07 19:30:00

`layers.complaints` gains the engine's `state_since` (when the report entered its status) and
`due_at` (when it is due: its category's working target counted from when it was filed, while
it is open, acknowledged or in progress; services/complaints/rules.py), which the engine writes
on every step from now on. Existing reports get them from their own history: `state_since` is
the time of the history version that last changed the status (its requested_datetime for a report
that never moved), `due_at` is requested_datetime + the category's target as categories.yaml said when this
migration was written (a migration is a fixed point in time: it does not read the service).

Each report's past steps become events of `engine.case_events` (service 'complaints', case_ref
its service_request_id), read from core.feature_history in order (a report with no recorded
filing gets a `submitted` event at its requested_datetime), so the engine's audit of a
report starts with its filing, not with this migration: `submitted` for the insert, `transition`
for each change of status (with the public note written in the same version), `assign` for each
change of assignee, `comment` for a public or internal note written without a status change. A
report that already has events (a second run) is left as it is. No report row is removed or
rewritten beyond the two new columns; the history trigger records that update under the actor
'migration:0023_complaints_engine'.
"""
from alembic import op

revision = '0023_complaints_engine'
down_revision = '0022_ppdb'
branch_labels = None
depends_on = None

# categories.yaml `sla_days` on 2026-12-07.
TARGET_DAYS = {"JALAN_RUSAK": 14, "BANJIR": 3, "LAMPU_JALAN": 7, "SAMPAH": 2, "LAMPU_LALU_LINTAS": 1,
               "BANGUNAN_LIAR": 30}
TIMED_STATES = ("open", "acknowledged", "in_progress")

EVENTS_FROM_HISTORY = """
WITH h AS (
    SELECT h.id, h.at, h.actor, h.op, c.service_request_id AS case_ref,
           h.old ->> 'status' AS old_status,
           -- The bulk loader records its inserts without the row: the status it loaded is the one
           -- the next version left, or the report's status when it never changed.
           CASE WHEN h.op = 'insert' AND h.new IS NULL
                THEN COALESCE((SELECT h2.old ->> 'status' FROM core.feature_history h2
                               WHERE h2.layer = 'complaints' AND h2.fid = h.fid AND h2.id > h.id AND h2.op = 'update'
                               ORDER BY h2.id LIMIT 1), c.status)
                ELSE h.new ->> 'status' END AS new_status,
           h.old ->> 'status_notes' AS old_public, h.new ->> 'status_notes' AS new_public,
           h.old ->> 'internal_notes' AS old_internal, h.new ->> 'internal_notes' AS new_internal,
           h.old ->> 'assigned_to' AS old_assignee, h.new ->> 'assigned_to' AS new_assignee
    FROM core.feature_history h JOIN layers.complaints c ON c.fid = h.fid
    WHERE h.layer = 'complaints' AND h.op IN ('insert', 'update')
      AND NOT EXISTS (SELECT 1 FROM engine.case_events e
                      WHERE e.service = 'complaints' AND e.case_ref = c.service_request_id)
), steps AS (
    SELECT id, 1 AS part, at, actor, case_ref, 'submitted' AS kind, NULL AS from_state, new_status AS to_state,
           new_public AS note, true AS public
      FROM h WHERE op = 'insert'
    UNION ALL
    SELECT id, 1, at, actor, case_ref, 'transition', old_status, new_status,
           CASE WHEN new_public IS DISTINCT FROM old_public THEN new_public END, true
      FROM h WHERE op = 'update' AND new_status IS DISTINCT FROM old_status
    UNION ALL
    SELECT id, 2, at, actor, case_ref, 'comment', NULL, NULL, new_public, true
      FROM h WHERE op = 'update' AND new_status IS NOT DISTINCT FROM old_status
       AND new_public IS DISTINCT FROM old_public AND new_public IS NOT NULL
    UNION ALL
    SELECT id, 3, at, actor, case_ref, 'comment', NULL, NULL, new_internal, false
      FROM h WHERE op = 'update' AND new_internal IS DISTINCT FROM old_internal AND new_internal IS NOT NULL
    UNION ALL
    SELECT id, 4, at, actor, case_ref, 'assign', NULL, NULL, new_assignee, false
      FROM h WHERE op = 'update' AND new_assignee IS DISTINCT FROM old_assignee AND new_assignee IS NOT NULL
)
INSERT INTO engine.case_events (service, case_ref, at, actor, kind, from_state, to_state, note, public)
SELECT 'complaints', case_ref, at, actor, kind, from_state, to_state, note, public
FROM steps ORDER BY id, part
"""
# A report older than its history (none recorded its filing) is filed, for the audit, when it says it was.
EVENTS_BEFORE_HISTORY = """
INSERT INTO engine.case_events (service, case_ref, at, actor, kind, to_state, public)
SELECT 'complaints', c.service_request_id, c.requested_datetime, 'migration:0023_complaints_engine', 'submitted',
       COALESCE((SELECT e.from_state FROM engine.case_events e WHERE e.service = 'complaints'
                 AND e.case_ref = c.service_request_id AND e.kind = 'transition' ORDER BY e.id LIMIT 1), c.status),
       true
FROM layers.complaints c
WHERE NOT EXISTS (SELECT 1 FROM engine.case_events e
                  WHERE e.service = 'complaints' AND e.case_ref = c.service_request_id AND e.kind = 'submitted')
ORDER BY c.fid
"""


def _target_days_sql() -> str:
    cases = " ".join(f"WHEN '{code}' THEN {days}" for code, days in TARGET_DAYS.items())
    return f"(CASE c.service_code {cases} END)"


def upgrade() -> None:
    op.execute("ALTER TABLE layers.complaints ADD COLUMN IF NOT EXISTS state_since timestamptz")
    op.execute("ALTER TABLE layers.complaints ADD COLUMN IF NOT EXISTS due_at timestamptz")
    op.execute(EVENTS_FROM_HISTORY)
    op.execute(EVENTS_BEFORE_HISTORY)
    op.execute("SELECT set_config('webgis.actor', 'migration:0023_complaints_engine', true)")
    timed = ", ".join(f"'{s}'" for s in TIMED_STATES)
    op.execute(f"""
        UPDATE layers.complaints c SET
          state_since = COALESCE((SELECT max(h.at) FROM core.feature_history h
                                  WHERE h.layer = 'complaints' AND h.fid = c.fid
                                    AND h.op = 'update' AND h.old ->> 'status' IS DISTINCT FROM h.new ->> 'status'),
                                 c.requested_datetime),
          due_at = CASE WHEN c.status IN ({timed})
                        THEN c.requested_datetime + make_interval(days => COALESCE({_target_days_sql()}, 7)) END
        WHERE c.state_since IS NULL""")  # noqa: S608 - constants of this file, no input
    op.execute("ALTER TABLE layers.complaints ALTER COLUMN state_since SET NOT NULL")


def downgrade() -> None:
    op.execute("DELETE FROM engine.case_events WHERE service = 'complaints'")
    op.execute("ALTER TABLE layers.complaints DROP COLUMN IF EXISTS due_at")
    op.execute("ALTER TABLE layers.complaints DROP COLUMN IF EXISTS state_since")
