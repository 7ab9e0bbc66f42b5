"""Citizen complaints (pengaduan), Open311 GeoReport v2: intake, tagging, duplicates; the workflow is the
service engine's, declared in declaration.yaml.

Flask-free: the web (webgis/open311), the device alarms and notebooks call the same functions.
"""

from services.complaints.alarms import open_report_for_alarm
from services.complaints.categories import Category, load_categories
from services.complaints.intake import Receipt, Submission, submit, suggest_duplicates
from services.complaints.workflow import (
    assign,
    change_status,
    comment,
    support,
    timeline,
)

__all__ = [
    "Category", "Receipt", "Submission", "assign", "change_status", "comment",
    "load_categories", "open_report_for_alarm", "submit", "suggest_duplicates", "support", "timeline",
]
