"""`shengui --self-test`: does this installation work? Run after installing (the .deb's CI step,
a Windows build, a township's IT person), frozen or from a checkout.

In a temporary folder, never the user's data (opening a ledger makes this computer's id once,
storage/origins.py): create an encrypted ledger and open it again with
its password, write a visit and read it back, print a one-page PDF (with the embedded Chinese
font) and an xlsx, and last show the main window (offscreen) on that ledger. Each step is timed;
the first that fails stops the run and is named in Chinese. Nothing is left behind.

The window step is passed in (`show_window`): services never import Qt; the command line hands
over the window's own check (ui.app.self_test_window).
"""

from __future__ import annotations

import secrets
import tempfile
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Callable

if TYPE_CHECKING:
    from ...storage.ledger import Ledger

# The steps, in order, as the person reads them.
STEP_LEDGER = "创建并打开加密台账"
STEP_VISIT = "写入并读取走访记录"
STEP_PDF = "生成PDF报表"
STEP_XLSX = "生成Excel表格"
STEP_WINDOW = "启动程序窗口"
STEPS = (STEP_LEDGER, STEP_VISIT, STEP_PDF, STEP_XLSX, STEP_WINDOW)

TEST_TOWNSHIP = ("自检乡镇", "140322100")
TEST_ENTERPRISE = {"name": "自检测试有限公司", "credit_code": "91310110666007217T",
                   "township_code": TEST_TOWNSHIP[1]}
TEST_SUMMARY = "自检：生产经营正常"


class SelfTestFailed(Exception):
    """A step's check did not hold (the message says what, in Chinese)."""


@dataclass
class StepResult:
    name: str
    seconds: float
    error: str | None = None  # None: passed

    @property
    def ok(self) -> bool:
        return self.error is None

    def lines(self) -> list[str]:
        """What the command prints for the step: its verdict and time, then what went wrong."""
        number = STEPS.index(self.name) + 1
        head = f"[{number}/{len(STEPS)}] {self.name}：{'通过' if self.ok else '失败'}（{self.seconds:.2f} 秒）"
        return [head] + ([f"    {self.error}"] if self.error else [])


@dataclass
class SelfTestResult:
    steps: list[StepResult] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return len(self.steps) == len(STEPS) and all(step.ok for step in self.steps)

    @property
    def failed(self) -> StepResult | None:
        return next((step for step in self.steps if not step.ok), None)

    def verdict(self) -> str:
        """The last line the command prints."""
        failed = self.failed
        if failed is not None:
            return f"自检失败：第 {self.steps.index(failed) + 1} 步“{failed.name}”未通过。"
        if not self.ok:
            return "自检未完成。"
        return f"自检通过：{len(STEPS)} 项全部正常（共 {sum(s.seconds for s in self.steps):.1f} 秒）。"


def _error_text(error: BaseException) -> str:
    text = str(error).strip()
    if isinstance(error, SelfTestFailed) or _is_user_error(error):
        return text
    # an unexpected error: its kind helps whoever reads the report
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def _is_user_error(error: BaseException) -> bool:
    from ...errors import UserError

    return isinstance(error, UserError)


def _check(condition: bool, message: str) -> None:
    if not condition:
        raise SelfTestFailed(message)


def make_ledger(folder: Path, password: str) -> Path:
    """Step 1: a new township ledger, closed, then opened again with its password; the file on
    disk must not be readable as plain SQLite."""
    from .session import close, unlock
    from .setup import init_office

    path = folder / "self-test.sgdb"
    ledger, _recovery = init_office(path, role="township", name=TEST_TOWNSHIP[0], area_code=TEST_TOWNSHIP[1],
                                    admin_user="admin", password=password)
    close(ledger)
    _check(path.is_file(), "台账文件没有生成")
    _check(not path.read_bytes()[:16].startswith(b"SQLite format 3"), "台账文件没有加密（能当作普通SQLite文件读取）")
    reopened = unlock(path, password=password, user="admin")
    try:
        _check(reopened.scalar("SELECT count(*) FROM townships WHERE code = ?", (TEST_TOWNSHIP[1],)) == 1,
               "重新打开的台账里没有刚写入的乡镇")
    finally:
        close(reopened)
    return path


def write_and_read_visit(ledger: Ledger, today: date) -> str:
    """Step 2: an enterprise and a visit to it, read back; returns the enterprise's id."""
    from ..ledger.enterprises import create_enterprise
    from ..ledger.visits import add_visit, list_visits

    enterprise_id, _warnings = create_enterprise(ledger, dict(TEST_ENTERPRISE))
    add_visit(ledger, enterprise_id, {"visit_date": today.isoformat(), "visitors": "自检员",
                                      "summary": TEST_SUMMARY})
    visits = list_visits(ledger, enterprise_id=enterprise_id)
    _check(len(visits) == 1 and visits[0]["summary"] == TEST_SUMMARY
           and visits[0]["enterprise_name"] == TEST_ENTERPRISE["name"], "读回的走访记录与写入的不一致")
    return enterprise_id


def render_pdf(ledger: Ledger, enterprise_id: str, out: Path, today: date) -> None:
    """Step 3: the one-page 走访记录表 for the enterprise, its Chinese font embedded."""
    from ..reports import print_report, resolve_filters

    result = print_report(ledger, "visit_form", out, resolve_filters(ledger, today=today, enterprise_id=enterprise_id),
                          printed_on=today)
    _check(out.is_file() and out.stat().st_size > 0, "PDF文件没有生成")
    _check(result.pages == 1, f"PDF应为1页，实为{result.pages}页")
    # reportlab embeds a TrueType font as /FontFile2: without it Chinese prints as boxes
    _check(b"/FontFile2" in out.read_bytes(), "PDF没有嵌入中文字体（程序的字体文件缺失）")


def write_xlsx(ledger: Ledger, out: Path, today: date) -> None:
    """Step 4: the 走访记录 export, opened again to find the visit."""
    from openpyxl import load_workbook

    from ..excel.export import export_table

    info = export_table(ledger, "visits", out, today=today)
    _check(out.is_file() and info["rows"] == 1, f"Excel表格应有1条走访记录，实为{info['rows']}条")
    book = load_workbook(out, read_only=True)
    try:
        cells = {cell for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for cell in row}
    finally:
        book.close()
    _check(TEST_SUMMARY in cells, "Excel表格里找不到刚写入的走访记录")


def run_self_test(show_window: Callable[[Ledger, Path], None] | None, *, today: date | None = None,
                  on_step: Callable[[StepResult], None] | None = None) -> SelfTestResult:
    """Run the steps in a temporary folder (removed afterwards); stop at the first failure.

    `show_window(ledger, folder)` shows the main window on the open ledger and closes it
    again (closing the window closes the ledger); `folder` is the temporary folder, for the
    window's settings. None counts as a failed window step. `on_step` hears each step as it
    ends (the command line prints it at once)."""
    from .session import close, unlock

    today = today or date.today()
    result = SelfTestResult()
    password = secrets.token_urlsafe(12)
    ledger: Ledger | None = None
    state: dict = {}

    def step_ledger(folder: Path) -> None:
        state["path"] = make_ledger(folder, password)

    def step_visit(folder: Path) -> None:
        nonlocal ledger
        ledger = unlock(state["path"], password=password, user="admin")
        state["enterprise"] = write_and_read_visit(ledger, today)

    def step_pdf(folder: Path) -> None:
        assert ledger is not None
        render_pdf(ledger, state["enterprise"], folder / "自检报表.pdf", today)

    def step_xlsx(folder: Path) -> None:
        assert ledger is not None
        write_xlsx(ledger, folder / "自检表格.xlsx", today)

    def step_window(folder: Path) -> None:
        nonlocal ledger
        if show_window is None:
            raise SelfTestFailed("没有可启动的窗口")
        opened, ledger = ledger, None  # the window closes it
        assert opened is not None
        show_window(opened, folder)

    actions = dict(zip(STEPS, (step_ledger, step_visit, step_pdf, step_xlsx, step_window)))
    with tempfile.TemporaryDirectory(prefix="shengui-self-test-") as tmp:
        folder = Path(tmp)
        try:
            for name, action in actions.items():
                started = time.perf_counter()
                error = None
                try:
                    action(folder)
                except Exception as e:  # any failure is the step's verdict, not a traceback
                    error = _error_text(e)
                step = StepResult(name, time.perf_counter() - started, error)
                result.steps.append(step)
                if on_step is not None:
                    on_step(step)
                if not step.ok:
                    break
        finally:
            close(ledger)
    return result


__all__ = ["STEPS", "SelfTestFailed", "SelfTestResult", "StepResult", "run_self_test"]
