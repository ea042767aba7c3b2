"""The frame of the window: the menu bar, Qt's own dialogs in Chinese, a window that fits a
1024×768 screen, the visit form that scrolls, empty tables that say what to do, one money
rule on screen, the demo's choice of office."""

import pytest
from PySide6.QtCore import QLocale, QPoint, QRect, QSettings, QSize
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QFileDialog, QLabel, QMessageBox

from policy_helpers import TODAY as POLICY_TODAY
from policy_helpers import add_enterprise as add_with_figures
from shengui_desktop.services import policy
from shengui_desktop.services.ledger import visits
from shengui_desktop.services.office import site
from shengui_desktop.ui import main_window
from shengui_desktop.ui.main_window import PAGES, MainWindow, fits, fitted_size
from test_ui_support import TODAY, add_enterprise, open_window

SMALL = QRect(0, 0, 1024, 728)   # a 1024×768 screen less a 40-pixel task bar
LARGE = QRect(0, 0, 1600, 960)   # 1600×1000 less its task bar


@pytest.fixture
def screen(monkeypatch):
    """Pretend the window opens on a screen whose free area is the rectangle set."""
    area = {"free": SMALL}
    monkeypatch.setattr(MainWindow, "available_geometry", lambda self: area["free"])
    return area


def _menu(window, title: str):
    return next(a.menu() for a in window.menuBar().actions() if a.text().startswith(title))


# -- the menu bar ---------------------------------------------------------------------------------
def test_menu_lists_every_page_with_ctrl_digit_and_switches(qtbot, county, tmp_path):
    window = open_window(qtbot, county, tmp_path)
    titles = [a.text() for a in window.menuBar().actions()]
    assert titles == ["文件(&F)", "页面(&P)", "操作(&A)", "帮助(&H)"]
    pages = _menu(window, "页面").actions()
    assert [a.text() for a in pages] == PAGES == [window.nav.item(i).text() for i in range(window.nav.count())]
    for row, action in enumerate(pages[:10]):  # Ctrl+1 … Ctrl+9, Ctrl+0
        assert action.shortcut() == QKeySequence(f"Ctrl+{(row + 1) % 10}")
    assert all(action.shortcut().isEmpty() for action in pages[10:])  # only ten digits
    for row in (3, 1, 4, 0):
        pages[row].trigger()
        assert window.nav.currentRow() == row
        assert window.stack.currentWidget() is getattr(window, main_window.PAGE_LIST[row].attr)
    window.close()


def test_a_page_added_later_is_in_the_menu(qtbot, county, tmp_path):
    """Pages register themselves: one added through add_page is in the navigation, the
    stack and the 页面 menu (with the next Ctrl+digit while there is one)."""
    from PySide6.QtWidgets import QWidget

    window = open_window(qtbot, county, tmp_path)
    extra = QWidget()
    row = window.add_page("测试页", extra)
    action = _menu(window, "页面").actions()[-1]
    assert action.text() == "测试页"
    # Ctrl+1 … Ctrl+9, Ctrl+0 go to the first ten pages; an eleventh is in the menu without one
    assert action.shortcut() == (QKeySequence(f"Ctrl+{(row + 1) % 10}") if row < 10 else QKeySequence())
    action.trigger()
    assert window.stack.currentWidget() is extra and window.nav.currentItem().text() == "测试页"
    window.close()


def test_file_and_action_menus(qtbot, county, tmp_path, monkeypatch):
    window = open_window(qtbot, county, tmp_path)
    files = {a.text(): a for a in _menu(window, "文件").actions() if a.text()}
    assert {"导入同步包…", "导出同步包…", "从Excel导入…", "导出当前列表到Excel…", "打印…", "退出"} <= set(files)
    assert files["退出"].shortcut() == QKeySequence("Ctrl+Q")
    opened = []
    monkeypatch.setattr(window.sync_page.transfer, "import_clicked", lambda: opened.append("import"))
    files["导入同步包…"].trigger()
    assert opened == ["import"] and window.stack.currentWidget() is window.sync_page
    monkeypatch.setattr(window.import_page, "choose_file", lambda: opened.append("excel"))
    files["从Excel导入…"].trigger()
    assert opened == ["import", "excel"] and window.stack.currentWidget() is window.import_page
    actions = {a.text(): a for a in _menu(window, "操作").actions()}
    assert actions["记录走访"].shortcut() == QKeySequence("Ctrl+N")
    actions["记录走访"].trigger()
    form = window.open_windows[-1]
    qtbot.addWidget(form)
    assert form.windowTitle().startswith("记录走访")
    form.close()
    actions["搜索企业"].trigger()
    assert window.stack.currentWidget() is window.ledger_page
    window.close()


def test_print_menu_goes_to_the_print_page_then_prints_its_preview(qtbot, demo_county, tmp_path, monkeypatch):
    """文件 → 打印… (Ctrl+P): from another page it opens 报表打印; there, with a report
    previewed, it opens the print dialog (the viewer's own Ctrl+P would be ambiguous)."""
    from test_ui_print import generate

    window = open_window(qtbot, demo_county, tmp_path)
    action = {a.text(): a for a in _menu(window, "文件").actions()}["打印…"]
    assert action.shortcut() == QKeySequence(QKeySequence.StandardKey.Print)
    printed = []
    monkeypatch.setattr(window.print_page.viewer, "print_clicked", lambda: printed.append(True))
    action.trigger()
    assert window.stack.currentWidget() is window.print_page and printed == []
    generate(qtbot, window.print_page, "issues")
    action.trigger()
    assert printed == [True]
    window.close()


def test_about_names_version_schema_fingerprint_and_file(qtbot, county, tmp_path):
    window = open_window(qtbot, county, tmp_path)
    about = {a.text(): a for a in _menu(window, "帮助").actions()}["关于"]
    about.trigger()
    box = window.about_box
    info = site.about(county)
    assert info.schema_version == info.schema_latest > 0
    view = box.view
    assert view.values["程序版本"].text() == info.version == site.program_version()
    assert view.values["数据库版本"].text() == str(info.schema_version)
    assert view.values["台账文件"].text() == str(county.path)
    assert view.fingerprint.text().replace(" ", "") == county.this_site()["fingerprint"].replace(" ", "")
    assert "盂县" in view.values["单位"].text()
    box.close()
    window.close()


# -- Qt's own dialogs in Chinese ------------------------------------------------------------------
@pytest.fixture
def chinese(qapp):
    from shengui_desktop.ui.app import install_chinese

    before = QLocale()
    installed = install_chinese(qapp)
    yield installed
    for translator in installed:
        qapp.removeTranslator(translator)
    QLocale.setDefault(before)


def test_qt_standard_buttons_and_file_dialog_speak_chinese(qtbot, chinese):
    assert chinese, "qtbase_zh_CN.qm not found in PySide6"
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Open | QDialogButtonBox.StandardButton.Cancel)
    qtbot.addWidget(buttons)
    assert buttons.button(QDialogButtonBox.StandardButton.Cancel).text() == "取消"
    assert buttons.button(QDialogButtonBox.StandardButton.Open).text() == "打开"
    box = QMessageBox()
    qtbot.addWidget(box)
    box.setStandardButtons(QMessageBox.StandardButton.Ok | QMessageBox.StandardButton.Cancel)
    assert {b.text() for b in box.buttons()} == {"确定", "取消"}
    dialog = QFileDialog(None, "导入同步包")
    qtbot.addWidget(dialog)
    dialog.setOption(QFileDialog.Option.DontUseNativeDialog, True)
    labels = [label.text() for label in dialog.findChildren(QLabel)]
    assert "查找范围(&L)：" in labels and "文件类型(&T)：" in labels
    assert not any("Look in" in t or "Files of" in t for t in labels)
    assert QLocale().monthName(1) == "一月"  # the calendar popup of a date field


# -- the window fits the screen -------------------------------------------------------------------
def test_first_window_takes_most_of_the_screen_within_it():
    assert fitted_size(QSize(1600, 960)) == QSize(1440, 864)
    assert fitted_size(QSize(1024, 728)) == QSize(921, 655).expandedTo(main_window.MINIMUM_SIZE)
    assert fitted_size(QSize(800, 560)) == QSize(800, 560)  # never beyond a tiny screen
    assert fits(QRect(0, 0, 1024, 728), SMALL) and not fits(QRect(0, 0, 1280, 800), SMALL)


@pytest.mark.parametrize("free", [SMALL, LARGE])
def test_window_and_every_page_fit_the_screen(qtbot, demo_county, tmp_path, screen, free):
    screen["free"] = free
    window = open_window(qtbot, demo_county, tmp_path)
    frame = window.frameGeometry()
    assert fits(frame, free), (frame, free)
    assert window.width() <= free.width() and window.height() <= free.height()
    assert window.minimumSizeHint().width() <= free.width()
    assert window.minimumSizeHint().height() <= free.height()
    for row, page in enumerate(main_window.PAGE_LIST):
        window.nav.setCurrentRow(row)
        widget = getattr(window, page.attr)
        need = widget.minimumSizeHint()
        assert need.width() <= window.stack.width() and need.height() <= window.stack.height(), page.name
    window.close()


def test_a_window_saved_on_a_big_screen_is_not_restored_off_a_small_one(qtbot, county, tmp_path, screen):
    screen["free"] = LARGE
    window = open_window(qtbot, county, tmp_path)
    window.resize(1500, 900)
    window.move(QPoint(40, 30))
    window.close()
    assert QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat).value("main/geometry")
    from shengui_desktop.storage.files import reopen

    screen["free"] = SMALL
    again = open_window(qtbot, reopen(county), tmp_path)
    assert fits(again.frameGeometry(), SMALL)
    assert again.size() == fitted_size(SMALL.size(), again.minimumSize())
    again.close()


def test_visit_form_save_stays_on_a_small_screen(qtbot, county, tmp_path):
    """However many issues are added, the fields scroll and 保存 stays in the form, which
    stays within the screen."""
    add_enterprise(county, "秀水机械有限公司", 1)
    window = open_window(qtbot, county, tmp_path)
    form = window.new_visit()
    qtbot.addWidget(form)
    free = form.screen().availableGeometry()
    for _ in range(15):
        form.add_issue_row(focus=True)
    qtbot.waitUntil(lambda: form.scroll.verticalScrollBar().maximum() > 0)
    assert form.height() <= free.height() and form.minimumSizeHint().height() <= SMALL.height()
    assert form.scroll.widget().isAncestorOf(form.issue_rows[-1])
    assert not form.scroll.widget().isAncestorOf(form.save_button)
    top_left = form.save_button.mapTo(form, QPoint(0, 0))
    assert form.rect().contains(QRect(top_left, form.save_button.size()))
    assert form.save_button.isVisible()
    form.close()
    window.close()


# -- empty tables say what to do ------------------------------------------------------------------
def test_empty_visits_table_says_press_ctrl_n(qtbot, county, tmp_path):
    eid = add_enterprise(county, "秀水机械有限公司", 1)
    window = open_window(qtbot, county, tmp_path)
    window.show_page("走访记录")
    page = window.visits_page
    qtbot.waitUntil(lambda: page.loaded)
    hint = page.table.empty_hint
    assert hint.isVisible() and hint.text() == "暂无走访记录，按 Ctrl+N 记录"
    visits.add_visit(county, eid, {"visit_date": TODAY.isoformat(), "kind": "onsite", "visitors": "张三",
                                   "summary": "生产正常"}, [])
    window.bus.tell({"visits"}, {eid})
    qtbot.waitUntil(lambda: page.loaded and page.model.rowCount() == 1)
    assert not hint.isVisible()
    window.close()


def test_empty_ledger_and_issues_say_what_to_do(qtbot, county, tmp_path):
    window = open_window(qtbot, county, tmp_path)
    window.show_page("企业台账")
    hint = window.ledger_page.empty_hint
    assert hint.isVisible() and hint.text() == "暂无企业，可在“Excel导入”中导入名单"
    window.show_page("问题台账")
    issues = window.issues_page
    qtbot.waitUntil(lambda: issues.loaded)
    assert issues.table.empty_hint.isVisible() and issues.table.empty_hint.text().startswith("暂无未办结的问题")
    window.close()  # closes the ledger too
    from shengui_desktop.storage.files import reopen

    ledger = reopen(county)
    add_enterprise(ledger, "秀水机械有限公司", 1)
    again = open_window(qtbot, ledger, tmp_path)
    again.show_page("企业台账")
    again.ledger_page.search.setText("没有这家企业")
    assert again.ledger_page.empty_hint.isVisible()
    assert again.ledger_page.empty_hint.text().startswith("没有符合条件的企业")
    again.ledger_page.clear_filters()
    assert not again.ledger_page.empty_hint.isVisible()
    again.close()


def test_home_lists_the_pools_of_the_profile(qtbot, county, tmp_path):
    """Under 盂县's document (基础信息库 and 培育库) the home page lists those pools and 未入库;
    another pool appears only when someone is in it."""
    from shengui_desktop.services.ledger import pools

    policy.choose_profile(county, "yuxian")
    eid = add_enterprise(county, "秀水机械有限公司", 1)
    window = open_window(qtbot, county, tmp_path)
    home = window.home

    def listed():
        layout = home.boxes["pools"].layout()
        return [layout.itemAt(i).widget().text().split("　")[0] for i in range(layout.count())]

    qtbot.waitUntil(lambda: "pools" in home.stats)
    assert listed() == ["全部企业", "规下", "未入库", "基础信息库", "培育库"]
    pools.move_pool(county, eid, "entry", "试用入统库")
    window.bus.tell({"enterprises", "pool_events"}, {eid})
    qtbot.waitUntil(lambda: "入统库" in listed())
    window.close()


# -- one money rule on screen ---------------------------------------------------------------------
def test_header_and_pool_tab_show_the_same_revenue(qtbot, county, tmp_path):
    """16,829,876 yuan last year: 1,682.98万 in the window's header, in the 库别 tab's reason
    and in the ledger table (the issue saw 1,682.99 and 1,682.98)."""
    policy.choose_profile(county, "yuxian")
    eid = add_with_figures(county, "秀水机械有限公司", years={POLICY_TODAY.year - 1: 16_829_876},
                           ytd=(10, 14_000_000))
    window = open_window(qtbot, county, tmp_path, today=POLICY_TODAY)
    enterprise = window.open_enterprise(eid)
    qtbot.addWidget(enterprise)
    assert "主营业务收入1,682.98万元" in enterprise.subheader.text()
    assert "1,682.98万元" in enterprise.pool.suggested.text()
    assert "1,682.99" not in enterprise.subheader.text() + enterprise.pool.suggested.text()
    model = window.ledger_page.model
    column = main_window.KEYS.index("prior_revenue")
    assert model.data(model.index(0, column)) == "1,682.98"
    enterprise.close()
    window.close()


# -- the demo asks which office -------------------------------------------------------------------
def test_demo_asks_which_office(qtbot, monkeypatch):
    from shengui_desktop.ui import app as appmod

    def choose(text):
        def answer():
            box = QApplication.activeModalWidget()
            assert isinstance(box, QMessageBox) and box.text() == "打开哪个单位的演示台账？"
            next(b for b in box.buttons() if b.text().startswith(text)).click()
        return answer

    from PySide6.QtCore import QTimer

    for text, office in (("乡镇", "township"), ("县级", "county")):
        QTimer.singleShot(0, choose(text))
        assert appmod.ask_demo_office() == office
    QTimer.singleShot(0, lambda: QApplication.activeModalWidget().reject())
    assert appmod.ask_demo_office() is None


def test_make_demo_writes_the_office_chosen_with_the_county_beside_it(qtbot, tmp_path, monkeypatch):
    from shengui_desktop.services.office import session
    from shengui_desktop.ui import app as appmod

    monkeypatch.setattr(appmod, "demo_ledger_path", lambda office="county": tmp_path / f"demo-{office}.sgdb")
    path = appmod.make_demo("township")
    assert path == tmp_path / "demo-township.sgdb" and (tmp_path / "demo-county.sgdb").exists()
    town = session.unlock(path, password="demo1234", user="admin")
    assert town.this_site()["role"] == "township"
    town.close()
    assert appmod.make_demo("county") == tmp_path / "demo-county.sgdb"


def test_cli_demo_option_names_the_office():
    from shengui_desktop.cli.app import build_parser

    parser = build_parser()
    assert parser.parse_args(["--demo"]).demo == "ask"
    assert parser.parse_args(["--demo", "township"]).demo == "township"
    assert parser.parse_args(["--demo", "县级"]).demo == "county"
    assert parser.parse_args(["gui", "--demo", "county"]).demo == "county"
    assert parser.parse_args([]).demo is None
    with pytest.raises(SystemExit):
        parser.parse_args(["--demo", "city"])
