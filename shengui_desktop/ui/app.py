"""Starting the application: the set-up wizard (no ledger yet) or the unlock dialog, then
the main window. `shengui --demo` asks which office to show (`--demo township|county` says
it), makes that demo ledger once and shows its password. Qt's own dialogs speak Chinese."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from PySide6.QtCore import QLibraryInfo, QLocale, QTranslator
from PySide6.QtWidgets import QApplication, QMessageBox, QProgressDialog

from ..paths import default_ledger_path
from .title import APP_TITLE

# Qt's own texts (file dialogs, message box buttons, the calendar) in the translation
# PySide6 ships; the pages' own texts are Chinese already.
QT_TRANSLATION = "qtbase_zh_CN"


def demo_ledger_path(office: str = "county") -> Path:
    """Where the demo ledger of `office` ("county" or "township") lives, beside the real one."""
    return default_ledger_path().with_name(f"demo-{office}.sgdb")


class MissingQtTexts(QTranslator):
    """The few texts of Qt's own file dialog that qtbase_zh_CN leaves in English (its labels
    carry an & the catalogue's entries lack). Asked first; anything else falls through."""

    TEXTS = {("QFileDialog", "&Look in:"): "查找范围(&L)：",
             ("QFileDialog", "Files of &type:"): "文件类型(&T)："}

    def translate(self, context, source, disambiguation=None, n=-1):
        return self.TEXTS.get((context, source))  # None: not ours, the next translator's

    def isEmpty(self) -> bool:
        return False


def install_chinese(app: QApplication) -> list[QTranslator]:
    """Load Qt's Chinese translation into `app` (and make Chinese the default locale, so a
    calendar popup names months and weekdays in Chinese). Returns the installed translators,
    none when the file is missing (Qt's texts stay English, nothing else changes)."""
    QLocale.setDefault(QLocale(QLocale.Language.Chinese, QLocale.Country.China))
    translator = QTranslator(app)
    folders = [QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)]
    try:  # a frozen bundle keeps PySide6's folder layout; QLibraryInfo may point elsewhere there
        import PySide6
        folders.append(str(Path(PySide6.__file__).parent / "Qt" / "translations"))
    except (ImportError, TypeError):
        pass
    for folder in folders:
        if translator.load(QT_TRANSLATION, folder):
            extra = MissingQtTexts(app)
            app.installTranslator(translator)
            app.installTranslator(extra)  # installed last, asked first
            return [translator, extra]
    return []


def _application() -> QApplication:
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(sys.argv)
    app.setApplicationName(APP_TITLE)
    app.setOrganizationName("shengui_desktop")
    if not app.property("shengui_translated"):
        app.setProperty("shengui_translated", bool(install_chinese(app)))
    return app


def ask_demo_office(parent=None) -> str | None:
    """Which demo to open: the township's daily view or the county's; None when cancelled."""
    from ..services.ledger.demo import DEMO_OFFICES

    box = QMessageBox(parent)
    box.setWindowTitle("打开演示台账")
    box.setIcon(QMessageBox.Icon.Question)
    box.setText("打开哪个单位的演示台账？")
    box.setInformativeText("\n".join(DEMO_OFFICES.values()) + "\n\n两个演示台账的用户名、密码相同，数据互相同步。")
    buttons = {office: box.addButton(text.split("：")[0], QMessageBox.ButtonRole.AcceptRole)
               for office, text in DEMO_OFFICES.items()}
    box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(buttons["township"])
    box.exec()
    return next((office for office, button in buttons.items() if box.clickedButton() is button), None)


def make_demo(office: str) -> Path:
    """The demo ledger of `office`, generated the first time (a few seconds) with a window
    that says so; the events keep flowing while it is written."""
    from ..services.ledger.demo_county import ensure_demo_ledger, ensure_township_demo

    county = demo_ledger_path("county")
    path = demo_ledger_path(office)
    if path.exists():
        return path
    dialog = QProgressDialog("正在生成演示台账（只在第一次打开时生成）…", "", 0, 0)
    dialog.setWindowTitle("打开演示台账")
    dialog.setCancelButton(None)
    dialog.setMinimumDuration(0)
    dialog.show()
    # the county is made from its townships' packages, so the stages repeat per township
    stages = {"townships": "设立乡镇台账", "enterprises": "乡镇录入企业", "monthly_figures": "乡镇录入月度数据",
              "import": "县级导入同步包"}

    def progress(stage: str, done: int, total: int) -> None:
        if stage in stages and total:
            dialog.setLabelText(f"正在生成演示台账：{stages[stage]} {done:,}/{total:,}")
        QApplication.processEvents()

    try:
        QApplication.processEvents()
        if office == "township":
            return ensure_township_demo(path, county, progress=progress)
        return ensure_demo_ledger(county, township_path=demo_ledger_path("township"), progress=progress)
    finally:
        dialog.close()


def start(ledger: Path | None = None, demo: str | bool | None = None):
    """The dialogs before the window; returns the MainWindow, or None when the user gave up.
    `demo`: "township" or "county", "ask" (or True) to ask, None for the real ledger."""
    # Each import where it is first needed: the unlock dialog is on screen before the main
    # window's modules (and what they import) are loaded; bench/ measures it (start_to_unlock).
    hint = None
    if demo:
        from ..services.ledger.demo import DEMO_PASSWORD, DEMO_USER

        office = demo if demo in ("township", "county") else ask_demo_office()
        if office is None:
            return None
        ledger = make_demo(office)
        hint = f"演示台账（{'乡镇' if office == 'township' else '县级'}）：用户 {DEMO_USER}，密码 {DEMO_PASSWORD}"
    path = Path(ledger) if ledger else default_ledger_path()
    if not path.exists():
        from ..services.office import session
        from .start.wizard import SetupWizard

        wizard = SetupWizard(path)
        accepted = wizard.exec() == SetupWizard.DialogCode.Accepted
        opened = wizard.ledger
        if opened is None:
            return None
        if not accepted:
            session.close(opened)
            return None
    else:
        from .start.unlock import UnlockDialog

        dialog = UnlockDialog(path, hint=hint)
        if demo:
            dialog.password.setText(DEMO_PASSWORD)
        if dialog.exec() != UnlockDialog.DialogCode.Accepted:
            return None
        opened = dialog.ledger
    from ..services.office import session
    from .main_window import MainWindow

    note = session.lock_note(opened)
    window = MainWindow(opened)
    window.show()
    if note:
        QMessageBox.information(window, "打开台账", note)
    window.start_daily_backup()  # on the worker: a big ledger's copy must not hold the window
    return window


def run(ledger: Path | None = None, demo: str | bool | None = None) -> int:
    app = _application()
    window = start(ledger, demo)
    if window is None:
        return 1
    return app.exec()


def self_test_window(ledger, folder: Path) -> None:
    """`shengui --self-test`'s last step: the main window on `ledger`, shown, its events run,
    closed again (which closes the ledger). Its settings go to `folder`, not the user's."""
    from PySide6.QtCore import QEventLoop, QSettings

    from .jobs import JobRunner
    from .main_window import MainWindow

    app = _application()
    settings = QSettings(str(Path(folder) / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(ledger, settings=settings)
    window.show()
    # the pages load in the background: wait for them, as a person would, before closing
    deadline = time.monotonic() + 120
    while any(runner.busy() for runner in window.findChildren(JobRunner)):
        if time.monotonic() > deadline:
            window.close()
            raise RuntimeError("主窗口的后台加载两分钟内没有完成")
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
    app.processEvents()
    if not window.isVisible() or window.centralWidget() is None:
        window.close()
        raise RuntimeError("主窗口没有显示出来")
    window.close()  # the automatic backup on close runs on the worker first (ui/close_backup.py)
    deadline = time.monotonic() + 120
    while window.isVisible():
        if time.monotonic() > deadline:
            raise RuntimeError("主窗口关闭前的自动备份两分钟内没有完成")
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
    window.deleteLater()
    app.processEvents()
