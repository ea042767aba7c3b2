"""The 政策配置 and 乡镇与部门 pages on real ledgers: the county chooses 孝义 and the summary
shows its thresholds and pools; after a package the township shows the same profile read-only;
townships are renamed and a twin merged through the page (confirmations answered here);
a department is added and given a target."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QInputDialog, QMessageBox

from shengui_desktop.services import policy
from shengui_desktop.services.ledger import reference, townships

from sync_helpers import CODES, exchange, world_fixtures
from test_ui_support import add_enterprise, open_window

template, world = world_fixtures("ui-policy")
LEFT = Qt.MouseButton.LeftButton


@pytest.fixture
def answers(monkeypatch):
    """Message boxes and input dialogs answer from here instead of opening."""
    state = {"question": QMessageBox.StandardButton.Yes, "asked": [], "text": ("", True),
             "item": None, "int": (0, True), "warnings": []}

    def question(_parent, title, text, *a, **k):
        state["asked"].append((title, text))
        return state["question"]

    def get_item(_parent, _title, _label, items, *a, **k):
        return (state["item"] if state["item"] is not None else items[0]), True

    monkeypatch.setattr(QMessageBox, "question", staticmethod(question))
    monkeypatch.setattr(QMessageBox, "warning",
                        staticmethod(lambda _p, title, text, *a: state["warnings"].append((title, text))))
    monkeypatch.setattr(QMessageBox, "information",
                        staticmethod(lambda _p, title, text, *a: state["warnings"].append((title, text))))
    monkeypatch.setattr(QInputDialog, "getText", staticmethod(lambda *a, **k: state["text"]))
    monkeypatch.setattr(QInputDialog, "getItem", staticmethod(get_item))
    monkeypatch.setattr(QInputDialog, "getInt", staticmethod(lambda *a, **k: state["int"]))
    return state


def select_profile(page, code: str) -> None:
    for i in range(page.profiles.count()):
        if page.profiles.item(i).data(Qt.ItemDataRole.UserRole) == code:
            page.profiles.setCurrentRow(i)
            return
    raise AssertionError(code)


def select_row(table, model, key: str, value) -> None:
    row = next(i for i, r in enumerate(model.rows_data) if r[key] == value)
    table.selectRow(row)


def section(page, title: str) -> list[str]:
    return dict(page.sections)[title]


def test_county_chooses_xiaoyi_and_the_township_reads_it_after_sync(qtbot, world, answers, tmp_path):
    county, town = world["C"], world["A"]
    window = open_window(qtbot, county, tmp_path / "c")
    window.show_page("政策配置")
    page = window.policy_page
    assert page.choose is not None and "尚未选择" in page.state.text()

    select_profile(page, "xiaoyi")
    assert page.summary_title.text().startswith("预览")
    qtbot.mouseClick(page.choose, LEFT)
    title, text = answers["asked"][-1]
    assert "孝义市" in text and "本台账将开始使用" in text
    assert policy.active_profile(county).code == "xiaoyi"
    assert "使用中：孝义市" in page.state.text()
    assert not page.choose.isEnabled()  # the one in force cannot be chosen again
    shown = page.summary.toPlainText()
    assert "规上标准：年主营业务收入2,000万元及以上" in shown
    assert section(page, "培育库")[0] == "使用的库：基础信息库、储备库、培育库、入统库"
    assert "库容：储备库为本年度目标的5倍，培育库2倍，入统库1倍（按预计营收排序）" in shown
    assert page.sections == policy.describe_profile(policy.active_profile(county))

    # changing it again names what changes
    select_profile(page, "shuncheng")
    answers["question"] = QMessageBox.StandardButton.No
    qtbot.mouseClick(page.choose, LEFT)
    assert "孝义市（版本2022.44.1）→ 顺城区（版本2023.1）" in answers["asked"][-1][1]
    assert "使用的库：基础信息库、储备库、培育库、入统库 → 培育库" in answers["asked"][-1][1]
    assert policy.active_profile(county).code == "xiaoyi"  # 否: nothing changed

    exchange(county, town, tmp_path / "usb")
    t_window = open_window(qtbot, town, tmp_path / "t")
    t_window.show_page("政策配置")
    t_page = t_window.policy_page
    assert t_page.choose is None and t_page.profiles is None
    assert "由县级选用" in t_page.state.text() and "孝义市" in t_page.state.text()
    assert policy.active_profile(town).code == "xiaoyi"
    assert t_page.sections == policy.describe_profile(policy.active_profile(county))
    assert "规上标准：年主营业务收入2,000万元及以上" in t_page.summary.toPlainText()
    assert t_page.summary_title.text() == "使用中的配置：孝义市"


def test_profile_show_prints_the_page_text(tmp_path, monkeypatch, capsys):
    from shengui_desktop.cli import main

    from conftest import PASSWORD

    monkeypatch.setenv("SHENGUI_PASSPHRASE", PASSWORD)
    db = tmp_path / "c.sgdb"
    assert main(["init", "--db", str(db), "--role", "county", "--name", "孝义市", "--area-code", "141181",
                 "--profile", "xiaoyi"]) == 0
    capsys.readouterr()
    assert main(["profile", "show", "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert out.strip() == policy.describe_text(policy.shipped_profiles()["xiaoyi"])
    for title, lines in policy.describe_profile(policy.shipped_profiles()["xiaoyi"]):
        assert f"【{title}】" in out and all(line in out for line in lines)


def test_county_renames_and_merges_townships_and_adds_a_department(qtbot, county, answers, tmp_path):
    # a twin made up by an import: same name, another code, with an enterprise and a target
    reference.add_township(county, "140322999", "秀水 镇")
    add_enterprise(county, "秀水机械有限公司", 1, township="140322999")
    add_enterprise(county, "秀水化工有限公司", 2, township="140322999")
    add_enterprise(county, "秀水纺织有限公司", 3)
    reference.set_target(county, {"year": 2025, "scope": "township", "township_code": "140322999",
                                  "net_increase": 2})
    window = open_window(qtbot, county, tmp_path)
    window.show_page("乡镇与部门")
    page = window.townships_page
    rows = {r["code"]: r for r in page.township_model.rows_data}
    assert rows["140322999"]["enterprises"] == 2 and rows["140322999"]["same_name"] == ["140322100"]
    assert rows["140322100"]["enterprises"] == 1 and rows["140322100"]["office"] is None

    # rename 路家村镇
    select_row(page.township_table, page.township_model, "code", "140322101")
    answers["text"] = ("路家村镇（新）", True)
    qtbot.mouseClick(page.rename, LEFT)
    assert reference.township_by_name(county, "路家村镇（新）")["code"] == "140322101"
    assert any(r["name"] == "路家村镇（新）" for r in page.township_model.rows_data)

    # merge the twin into 秀水镇: the confirmation names both and the counts that move
    select_row(page.township_table, page.township_model, "code", "140322999")
    answers["item"] = "秀水镇（140322100）"
    qtbot.mouseClick(page.merge, LEFT)
    title, text = answers["asked"][-1]
    assert "“秀水 镇”（140322999）合并到“秀水镇”（140322100）" in text
    assert "2户企业" in text and "1条目标" in text
    lines = {t["code"]: t for t in townships.township_lines(county)}
    assert "140322999" not in lines and lines["140322100"]["enterprises"] == 3
    assert lines["140322100"]["targets"] == 1
    assert [r["code"] for r in page.township_model.rows_data] == ["140322100", "140322101"]

    # 否 to a merge changes nothing
    reference.add_township(county, "140322998", "南娄镇")
    page.refresh()
    select_row(page.township_table, page.township_model, "code", "140322998")
    answers["question"] = QMessageBox.StandardButton.No
    qtbot.mouseClick(page.merge, LEFT)
    assert "140322998" in {t["code"] for t in townships.township_lines(county)}
    answers["question"] = QMessageBox.StandardButton.Yes

    # a department, then its target of the page's year
    answers["text"] = ("科技局", True)
    qtbot.mouseClick(page.add_dept, LEFT)
    assert reference.department_by_name(county, "科技局") is not None
    page.year.setValue(2026)
    select_row(page.department_table, page.department_model, "name", "科技局")
    answers["int"] = (3, True)
    qtbot.mouseClick(page.set_target, LEFT)
    row = next(r for r in page.department_model.rows_data if r["name"] == "科技局")
    assert row["target"] == 3
    dept = reference.department_by_name(county, "科技局")
    assert county.one("SELECT net_increase FROM targets WHERE year = 2026 AND department_id = ?",
                      (dept["id"],))["net_increase"] == 3

    # bad input: a clear message, nothing written
    answers["text"] = ("  ", True)
    qtbot.mouseClick(page.add_dept, LEFT)
    assert "部门名称不能为空" in answers["warnings"][-1][1]


def test_a_profile_year_cannot_be_edited_by_hand(qtbot, county, answers, tmp_path):
    policy.choose_profile(county, "yuxian")
    window = open_window(qtbot, county, tmp_path)
    page = window.townships_page
    page.year.setValue(2024)
    assert not page.set_target.isEnabled() and "政策配置分解" in page.target_source.text()
    row = next(r for r in page.department_model.rows_data if r["name"] == "开发区")
    assert row["target"] == 3
    page.year.setValue(2025)
    assert page.set_target.isEnabled()


def test_a_township_sees_its_own_township_and_the_departments_read_only(qtbot, world, tmp_path):
    town = world["A"]
    window = open_window(qtbot, town, tmp_path)
    window.show_page("乡镇与部门")
    page = window.townships_page
    assert [r["code"] for r in page.township_model.rows_data] == [CODES["A"]]
    assert page.rename is None and page.merge is None and page.add_dept is None and page.set_target is None
    assert "工信局" in {r["name"] for r in page.department_model.rows_data}
