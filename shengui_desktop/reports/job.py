"""A report's side of the core's progress-and-cancel protocol (shengui_desktop.progress).

The report modules are given a progress.Job: `job.report(stage, done, total)` checks for a
cancel, then tells the progress; `job.check()` only checks. A report's Job raises
ReportCancelled, whose message stays plain when reportlab re-raises it from inside a build.
"""

from __future__ import annotations

from ..progress import Cancel, Job, Progress, ReportCancelled


def report_job(progress: Progress | None = None, cancel: Cancel = None) -> Job:
    """The Job of one report: `cancel` (None, a callable or a threading.Event) set, the
    next check raises ReportCancelled."""
    return Job(progress, cancel, error=ReportCancelled)


def as_job(job: Job | None) -> Job:
    return job if job is not None else report_job()


__all__ = ["Job", "Progress", "ReportCancelled", "as_job", "report_job"]
