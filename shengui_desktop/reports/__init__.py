"""PDF reports (reportlab, no Qt): the 台账, 一户一册, visits, issues and targets.

Each report module has `collect(ledger, facts, filters, job)` (read-only queries into plain
data) and `render(data, path, printed_on, job)` (layout). services.reports ties them
together for the CLI and the window; `job` carries the progress callback and cancel flag.
"""

from .job import Job, ReportCancelled

__all__ = ["Job", "ReportCancelled"]
