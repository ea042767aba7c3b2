"""Background work: a job runs on the thread pool with its own ledger connection.

A SQLCipher connection must not be used by two threads at once, so each job opens a second
keyed connection of the same file (session.worker_connection, ~3 ms) and closes it when done. The
job function gets (ledger, progress, cancelled): progress(done, total, text) may be called
often (it is throttled here; `core_progress` turns it into the core's progress(stage, done,
total)), cancelled() is the cancel flag the core polls (shengui_desktop.progress) and stops
on by raising Cancelled, as a job function may too. The result comes back on the GUI thread
through the `finished` signal.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import functools
import gc
import sys
import threading
import time
import traceback
from typing import TYPE_CHECKING, Any, Callable

import shiboken6
from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal
from PySide6.QtWidgets import QMessageBox, QProgressDialog, QWidget

from ..errors import LedgerDamaged, UserError, os_error_message
from ..gc_pause import resume_unwalked
from ..progress import Cancelled, Progress
from ..services.office import session

if TYPE_CHECKING:
    from ..storage.ledger import Ledger


def core_progress(progress: Callable[[int, int, str], None]) -> Progress:
    """A job's progress(done, total, text) as the core's progress(stage, done, total)."""
    return lambda stage, done, total: progress(done, total, stage)


def release_freed_memory() -> None:
    """Give back to the system what was freed. glibc keeps the memory a worker thread freed
    in that thread's own arena (a job's temporary lists, its connection's page cache, the
    evaluation's facts): at province scale 100-200 MB after each loading job, which the
    window would hold for good (bench/README.md, window_rss). Every job that had a
    connection calls it when it ends (Job.run). Only where malloc_trim exists (Linux with
    glibc); elsewhere nothing."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@functools.cache
def _malloc_trim():
    """glibc's malloc_trim, looked up once (find_library runs a program); None elsewhere."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
    except (OSError, AttributeError):
        return None  # another C library (musl): nothing to trim


class CollectorPause:
    """Python's cycle collector held off while a page's load runs (Job.loads), on again when
    the last running load ends. A load builds hundreds of thousands of objects — a
    province's monitoring table, 40,000 rows from 870,000 monthly figures — and each full
    collection meanwhile walked them all holding the interpreter lock: eight pauses of
    60–370 ms in one 9 s load, the window frozen for each (bench/README.md, session 10).
    Held off, the load's garbage still goes at once (reference counts); what survives goes
    to the oldest generation unwalked (__exit__). Only loads, which read and end: a long
    writing job keeps the collector."""

    def __init__(self):
        self.lock = threading.Lock()
        self.running = 0
        self.was_enabled = True

    def __enter__(self) -> None:
        with self.lock:
            if not self.running:
                self.was_enabled = gc.isenabled()
                gc.disable()
            self.running += 1

    def __exit__(self, *_exc) -> None:
        with self.lock:
            self.running -= 1
            if not self.running and self.was_enabled:
                # what the loads built and keep (a page's rows) goes to the oldest generation
                # unwalked: the first collection after a load walked it all on whichever
                # thread allocated next (297 ms after 月度监测's load at the province)
                resume_unwalked()


COLLECTOR_PAUSE = CollectorPause()


class Job(QObject):
    """One piece of background work. Its result never crosses threads through a signal
    argument: the worker stores the outcome and emits `ended()` without arguments; the
    queued slot `_dispatch` then runs the callbacks on the GUI thread. (Passing Python
    objects through queued Signal(object) connections crashed PySide6 6.12 with a refcount
    error under load.)"""

    progress = Signal(int, int, str)
    ended = Signal()
    finished_cb: Callable[[Any], None] | None = None
    number = 0  # in the order its runner started jobs
    loads = False  # a page's load (reads, ends): runs with the cycle collector held off

    def __init__(self, ledger: Ledger | None, fn: Callable[..., Any], name: str = ""):
        super().__init__()
        self.name = name
        self._ledger = ledger
        self._fn = fn
        self._cancel = threading.Event()
        self._last_progress = 0.0
        self.outcome: tuple[str, Any] | None = None
        self.damaged = False  # failed on a damaged ledger (the message says so and what to do)
        self.callbacks: dict[str, list[Callable]] = {"done": [], "failed": [], "cancelled": []}
        self.done = threading.Event()
        self.ended.connect(self._dispatch, Qt.ConnectionType.QueuedConnection)

    def cancel(self) -> None:
        self._cancel.set()

    def is_cancelled(self) -> bool:
        return self._cancel.is_set()

    def on(self, kind: str, callback: Callable) -> None:
        self.callbacks[kind].append(callback)

    def _report(self, done: int, total: int, text: str = "") -> None:
        now = time.monotonic()
        if now - self._last_progress >= 0.05 or done >= total:
            self._last_progress = now
            try:
                self.progress.emit(int(done), int(total), str(text or ""))
            except RuntimeError:  # the job's QObject is gone (its window closed): stop the work
                self._cancel.set()
                raise Cancelled("窗口已关闭，后台任务已停止。") from None

    def run(self) -> None:
        own = None
        try:
            if self._ledger is not None:
                own = session.worker_connection(self._ledger)
            with COLLECTOR_PAUSE if self.loads else contextlib.nullcontext():
                result = self._fn(own, self._report, self.is_cancelled)
            self.outcome = ("cancelled", None) if self.is_cancelled() else ("done", result)
        except Cancelled:  # the core's, or a job function's own
            self.outcome = ("cancelled", None)
        except LedgerDamaged as e:  # damage met while the worker opened its own connection
            self.outcome = ("failed", str(e))
            self.damaged = True
        except UserError as e:  # an error of work cut short by a cancel is no failure
            self.outcome = ("cancelled", None) if self.is_cancelled() else ("failed", str(e))
        except OSError as e:  # a USB stick pulled out, a full or protected disk: not a bug
            self.outcome = ("failed", os_error_message(e))
        except Exception as e:  # a bug: show it rather than losing it on a thread
            if session.is_database_error(e):  # a damaged page met after the unlock: no bug
                self.outcome = ("failed", session.database_message(e, self._ledger))
                self.damaged = True
            else:
                traceback.print_exc()
                self.outcome = ("failed", f"后台任务出错：{type(e).__name__}: {e}")
        finally:
            session.close(own)
            if own is not None:
                release_freed_memory()  # the connection's cache and the job's temporaries
            self.done.set()
            try:
                self.ended.emit()
            except RuntimeError:  # "Signal source has been deleted": the window that started
                pass  # the job was closed while it ran; its result has nowhere to go

    def _dispatch(self) -> None:
        kind, value = self.outcome or ("cancelled", None)
        for callback in self.callbacks[kind]:
            callback(value) if kind != "cancelled" else callback()


class _Runnable(QRunnable):
    def __init__(self, job: Job):
        super().__init__()
        self.job = job
        # Python keeps this object (job.runnable) until the job has ended; letting Qt
        # auto-delete a Python-owned runnable corrupted reference counts.
        self.setAutoDelete(False)

    def run(self) -> None:
        self.job.run()


class _Pools:
    """Every runner's thread pool, kept here rather than as a child of its runner.

    QThreadPool's destructor waits for the jobs still running, without a limit. As a child of
    a page's runner it was destroyed with the page — on the GUI thread, which held the
    interpreter lock the running job needed to go on: the program hung for good (a closed
    window's backup job, deleted under a test's wait, stopped CI in session 11). A pool is
    let go here only once its runner is gone and it runs nothing, so its destructor has
    nothing to wait for; the runner's jobs are cancelled when the runner is destroyed."""

    def __init__(self):
        self.kept: list[tuple[QThreadPool, JobRunner]] = []

    def new(self, runner: JobRunner) -> QThreadPool:
        self.kept = [(pool, owner) for pool, owner in self.kept
                     if shiboken6.isValid(owner) or pool.activeThreadCount()]
        pool = QThreadPool()
        pool.setMaxThreadCount(2)
        self.kept.append((pool, runner))
        return pool


_POOLS = _Pools()


def _kept_until_ended(job: Job, jobs: set[Job]) -> None:
    """`job` is in `jobs` until it ends, whichever way: the set keeps it (and its runnable,
    which Qt is running) from the collector meanwhile."""
    jobs.add(job)
    job.on("done", lambda _r: jobs.discard(job))
    job.on("failed", lambda _m: jobs.discard(job))
    job.on("cancelled", lambda: jobs.discard(job))


def _cancel_all(jobs: set[Job]) -> None:
    """A runner destroyed (its page deleted): its jobs stop, and what they end with has
    nowhere to go — none of their callbacks is called (they would reach deleted widgets)."""
    for job in list(jobs):
        job.cancel()
        job.callbacks = {kind: [] for kind in job.callbacks}
        _kept_until_ended(job, jobs)


class JobRunner(QObject):
    """Starts jobs and keeps them alive until they end; cancels all on shutdown, or when the
    runner is destroyed with its page."""

    damage_box: QMessageBox | None = None  # the one damaged-ledger message shown

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.jobs: set[Job] = set()
        self.pool = _POOLS.new(self)
        self.destroyed.connect(functools.partial(_cancel_all, self.jobs))
        # the number of the load of each name started last (start(latest=True)); a number, not
        # the job, so its result is not held once it has been drawn
        self.newest: dict[str, int] = {}
        self.started = 0

    def start(self, ledger: Ledger | None, fn: Callable[..., Any], *, name: str = "",
              on_done: Callable[[Any], None] | None = None,
              on_error: Callable[[str], None] | None = None,
              on_progress: Callable[[int, int, str], None] | None = None,
              latest: bool = False, loads: bool = False) -> Job:
        """Run `fn` on the pool. ``latest=True`` (a page's load, which only reads): a newer
        job of the same name supersedes this one — it is cancelled and its result dropped,
        so a load started before a change, ending after the load started after it (two
        worker threads), cannot draw what the change replaced. A `latest` job, or one with
        ``loads=True``, runs with the cycle collector held off (CollectorPause)."""
        job = Job(ledger, fn, name)
        job.loads = loads or latest
        self.started += 1
        job.number = self.started
        if latest:
            for older in self.jobs:
                if older.name == name and self.newest.get(name) == older.number:
                    older.cancel()  # superseded: stop reading if it still is
            self.newest[name] = job.number
        if on_done:
            job.on("done", self._while_alive(on_done, job if latest else None))
        if on_error:
            job.on("failed", self._while_alive(on_error, job if latest else None))
        else:  # a page that loads quietly still tells a person when the ledger is damaged
            job.on("failed", self._while_alive(lambda message, j=job: self.show_damage(j, message),
                                               job if latest else None))
        if on_progress:
            job.progress.connect(self._while_alive(on_progress), Qt.ConnectionType.QueuedConnection)
        _kept_until_ended(job, self.jobs)
        job.runnable = _Runnable(job)
        self.pool.start(job.runnable)
        return job

    def _while_alive(self, callback: Callable, superseded_unless: Job | None = None) -> Callable:
        """A job may end after the page that started it was closed (its widgets, or this
        runner, deleted): its result then has nowhere to go and is dropped. So is the
        result of a `latest` job a newer one of its name has superseded."""
        owner = getattr(callback, "__self__", None)
        if not isinstance(owner, QObject):
            owner = None
        job = superseded_unless

        def call(*args):
            if not shiboken6.isValid(self) or (owner is not None and not shiboken6.isValid(owner)):
                return
            if job is not None and self.newest.get(job.name) != job.number:
                return
            callback(*args)
        return call

    def show_damage(self, job: Job, message: str) -> None:
        """A damaged ledger met by a job whose page has no error handler of its own: the
        message (what is damaged, 从备份恢复) in one box, not one per page that was loading."""
        if not job.damaged or (JobRunner.damage_box is not None and shiboken6.isValid(JobRunner.damage_box)
                               and JobRunner.damage_box.isVisible()):
            return
        owner = self.parent()
        parent = owner.window() if isinstance(owner, QWidget) else None
        box = QMessageBox(QMessageBox.Icon.Critical, "台账文件已损坏", message, QMessageBox.StandardButton.Ok,
                          parent)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        JobRunner.damage_box = box
        box.open()

    def busy(self) -> bool:
        return bool(self.jobs)

    def shutdown(self, timeout_ms: int = 5000) -> None:
        for job in list(self.jobs):
            job.cancel()
        self.pool.waitForDone(timeout_ms)


def run_with_progress(parent: QWidget, runner: JobRunner, ledger: Ledger | None,
                      fn: Callable[..., Any], title: str,
                      on_done: Callable[[Any], None],
                      on_error: Callable[[str], None] | None = None, *, loads: bool = False) -> Job:
    """A job with a modal progress dialog and a 取消 button (shown after 300 ms); `loads`:
    a page's load (JobRunner.start)."""
    dialog = QProgressDialog(title, "取消", 0, 0, parent)
    dialog.setWindowTitle("请稍候")
    dialog.setWindowModality(Qt.WindowModality.WindowModal)
    dialog.setMinimumDuration(300)
    dialog.setAutoClose(False)
    dialog.setAutoReset(False)

    def progress(done: int, total: int, text: str) -> None:
        if not shiboken6.isValid(dialog):  # as finish: its page was deleted (the window locked)
            return
        dialog.setMaximum(max(total, 0))
        dialog.setValue(min(done, total) if total else 0)
        if text:
            dialog.setLabelText(f"{title}\n{text}")

    def finish(result) -> None:
        if not shiboken6.isValid(dialog):  # its page was deleted (the window locked): nowhere to go
            return
        dialog.close()
        on_done(result)

    def fail(message: str) -> None:
        if not shiboken6.isValid(dialog):
            return
        dialog.close()
        if on_error:
            on_error(message)

    job = runner.start(ledger, fn, name=title, on_done=finish, on_error=fail, on_progress=progress, loads=loads)
    job.on("cancelled", lambda: dialog.close() if shiboken6.isValid(dialog) else None)
    dialog.canceled.connect(job.cancel)
    return job


class ExportsOnWorker:
    """A page's 导出Excel button: the export runs on the worker with a progress dialog and 取消,
    the button is off meanwhile, the status bar says what was written, a failure shows a box.

    The page has ``runner``, ``window_`` and ``export_button``; it keeps the running job in
    ``export_job`` and the last result (the service's ``{"rows", "path"}``) in ``last_export``."""

    export_job: Job | None = None
    last_export: dict | None = None

    def start_export(self, work: Callable[..., Any], title: str, done_text: Callable[[dict], str]) -> None:
        def done(info: dict) -> None:
            self._export_ended()
            self.last_export = info
            self.window_.statusBar().showMessage(done_text(info), 10000)

        def failed(message: str) -> None:
            self._export_ended()
            QMessageBox.warning(self, "导出失败", message)

        self.export_job = run_with_progress(self, self.runner, self.window_.ledger,
                                            work, title, done, failed)
        self.export_job.on("cancelled", self._export_ended)
        self.export_button.setEnabled(False)

    def _export_ended(self) -> None:
        self.export_job = None
        self.export_button.setEnabled(True)
