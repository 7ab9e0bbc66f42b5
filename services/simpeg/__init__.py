"""SIMPEG and attendance (issue 19, item 4): staff records, leave, attendance from the machines' punches,
per person and day, per agency and day, and staff performance indicators (attendance and case SLA)."""
