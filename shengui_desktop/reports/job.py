"""Progress and cancellation of one report: the GUI runs reports on a worker thread."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from ..errors import UserError

Progress = Callable[[str, int, int], None]


class ReportCancelled(UserError):
    exit_code = 130

    def __init__(self, *_annotation):
        # reportlab re-raises errors from inside a build as type(e)(annotated message):
        # accept that and keep the plain message
        super().__init__("已取消生成报表")


@dataclass
class Job:
    """`progress(stage, done, total)` is called from the worker; `cancelled()` is polled.

    `cancelled` may be any callable returning a bool, e.g. a threading.Event's is_set.
    """

    progress: Progress | None = None
    cancelled: Callable[[], bool] | None = None

    def check(self) -> None:
        if self.cancelled is not None and self.cancelled():
            raise ReportCancelled()

    def report(self, stage: str, done: int, total: int) -> None:
        self.check()
        if self.progress is not None:
            self.progress(stage, done, total)


def as_job(job: Job | None) -> Job:
    return job if job is not None else Job()
