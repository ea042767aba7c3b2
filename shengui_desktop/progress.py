"""Progress and cancellation: the one protocol of long work in the core.

Long work (a spreadsheet import, a sync import, a report, an export) is given
`progress(stage, done, total)` and a cancel flag: None, a callable returning True to stop,
or a threading.Event. It makes a Job of the two, tells its progress through it and calls
`job.check()` where stopping leaves nothing half-done. A cancelled job raises Cancelled
(a UserError, exit code 130) whose message says what was cancelled; the window's background
jobs (ui/jobs.py) pass a callable that polls their Event and treat Cancelled as a cancel.
"""

from __future__ import annotations

import threading
from typing import Callable

from .errors import UserError

# progress(stage, done, total): stage is a short Chinese text or a stable code of the work
Progress = Callable[[str, int, int], None]
# None, a callable returning True to stop, or a threading.Event (anything with is_set())
Cancel = Callable[[], bool] | threading.Event | None


class Cancelled(UserError):
    """Long work stopped because the person asked; what it had written is rolled back."""

    exit_code = 130
    text = "已取消。"

    def __init__(self, message: str | None = None):
        super().__init__(message or self.text)


class ImportCancelled(Cancelled):
    """A spreadsheet or sync import stopped: the ledger is as it was."""

    text = "已取消导入，台账未作任何修改"


class ReportCancelled(Cancelled):
    """A report stopped: no file was written (an earlier one of that name is left)."""

    text = "已取消生成报表"

    def __init__(self, *_annotation):
        # reportlab re-raises an error from inside a build as type(e)(annotated message):
        # whatever it adds, the person reads the plain message
        super().__init__()


def polled(cancel: Cancel) -> Callable[[], bool] | None:
    """The cancel flag as a callable returning True to stop (None: never)."""
    if cancel is None:
        return None
    return cancel.is_set if hasattr(cancel, "is_set") else cancel


class Job:
    """(progress, cancel) of one piece of long work, as the core uses them.

    `check()` raises `error()` (a Cancelled) once the flag is set; `tell()` passes progress
    on; `report()` does both, in that order. `cancelled` is the flag as a callable, or None.
    """

    __slots__ = ("progress", "cancelled", "error")

    def __init__(self, progress: Progress | None = None, cancel: Cancel = None, *,
                 error: Callable[[], Cancelled] = Cancelled):
        self.progress = progress
        self.cancelled = polled(cancel)
        self.error = error

    def check(self) -> None:
        if self.cancelled is not None and self.cancelled():
            raise self.error()

    def tell(self, stage: str, done: int, total: int) -> None:
        if self.progress is not None:
            self.progress(stage, done, total)

    def report(self, stage: str, done: int, total: int) -> None:
        self.check()
        self.tell(stage, done, total)


__all__ = ["Cancel", "Cancelled", "ImportCancelled", "Job", "Progress", "ReportCancelled", "polled"]
