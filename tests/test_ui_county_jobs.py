"""The county adapts its policy profile in the window (issue #18's last question): copy the
profile in force to the county's own version, edit its documented parameters in a form with
`profile set`'s checks, see what differs from the document with the document's words; bad
input says why in Chinese and writes nothing; the edited profile reaches a township through a
package and shows there read-only."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from shengui_desktop.errors import UserError
from shengui_desktop.services import policy
from shengui_desktop.ui.policy.editor import ProfileEditor

from sync_helpers import exchange, world_fixtures
from test_ui_support import open_window

template, world = world_fixtures("ui-county-jobs")
LEFT = Qt.MouseButton.LeftButton


def _rows(ledger) -> list[tuple]:
    return [tuple(r) for r in ledger.conn.execute(
        "SELECT id, code, version, content, active FROM policy_profiles ORDER BY id")]


def _county_with_own_copy(qtbot, world, answers, tmp_path):
    county = world["C"]
    policy.choose_profile(county, "xiaoyi")
    window = open_window(qtbot, county, tmp_path / "c")
    window.show_page("政策配置")
    page = window.policy_page
    assert page.copy_button.isEnabled() and not page.edit_button.isEnabled()
    qtbot.mouseClick(page.copy_button, LEFT)
    assert "复制为本县修订版" in answers["asked"][-1][1]
    active = policy.active_profile(county)
    assert active.code == "xiaoyi.local1" and active.data["based_on"] == "xiaoyi@2022.44.1"
    assert not page.copy_button.isEnabled() and page.edit_button.isEnabled()
    assert "各项参数与原文件（孝义市）相同" in page.summary.toPlainText()
    return county, window, page


def _edit(qtbot, page, values: dict[str, str], answers) -> ProfileEditor:
    """Open the editor from the page, type the values, press 保存 (the dialog's exec runs in
    a nested loop; the typing happens once it is shown)."""
    seen: dict = {}

    def drive():
        dialog = next(w for w in QApplication.topLevelWidgets() if isinstance(w, ProfileEditor) and w.isVisible())
        seen["dialog"] = dialog
        for path, text in values.items():
            dialog.set_value(path, text)
        qtbot.mouseClick(dialog.save_button, LEFT)
        if dialog.isVisible():  # refused: the message was shown, close without saving
            seen["refused"] = True
            dialog.reject()

    QTimer.singleShot(0, drive)
    qtbot.mouseClick(page.edit_button, LEFT)
    return seen


@pytest.fixture
def answers(monkeypatch):
    """Confirmations answer 是 and are kept here instead of opening."""
    state: dict = {"asked": []}

    def question(_parent, title, text, *a, **k):
        state["asked"].append((title, text))
        return QMessageBox.StandardButton.Yes

    monkeypatch.setattr(QMessageBox, "question", staticmethod(question))
    return state


@pytest.fixture
def errors(monkeypatch):
    shown = []
    monkeypatch.setattr("shengui_desktop.ui.common.show_error",
                        lambda _p, e, title="": shown.append((title, str(e))))
    return shown


def test_county_copies_edits_and_sees_what_differs_from_the_document(qtbot, world, answers, errors, tmp_path):
    county, window, page = _county_with_own_copy(qtbot, world, answers, tmp_path)
    seen = _edit(qtbot, page, {"threshold": "2500", "flags.not_visited.days": "60",
                               "pool_sizing.reserve_multiple": "4", "rewards.1.amount": "8",
                               "calendar.0.months": "3，6、9,12"}, answers)
    assert "refused" not in seen and not errors
    profile = policy.active_profile(county)
    assert profile.version == "2" and profile.threshold == 25_000_000
    assert profile.data["flags"]["not_visited"]["days"] == 60
    assert profile.data["pool_sizing"]["reserve_multiple"] == 4
    assert profile.data["rewards"][1]["amount"] == 80_000
    assert profile.data["calendar"][0]["months"] == [3, 6, 9, 12]
    # the page lists exactly what differs, with the document's value and words
    changed = {c["path"]: c for c in page.changes}
    assert set(changed) == {"threshold", "flags.not_visited.days", "pool_sizing.reserve_multiple",
                            "rewards.1.amount", "calendar.0.months"}
    assert (changed["rewards.1.amount"]["original"], changed["rewards.1.amount"]["current"]) == ("5", "8")
    shown = page.summary.toPlainText()
    assert "本县修订：与原文件（孝义市）不同的5项" in shown
    assert "第二年继续在规奖补：金额：原文件5万元 → 本县8万元" in shown
    assert "孝义市财政再奖补5万元" in shown  # the document's words beside the change
    assert "规上标准：年主营业务收入2,500万元及以上" in shown  # the plain-Chinese summary follows
    assert "使用中：孝义市（本地修订1）（版本2）" in page.state.text()


def test_bad_values_are_named_in_chinese_and_nothing_is_written(qtbot, world, answers, errors, tmp_path):
    county, window, page = _county_with_own_copy(qtbot, world, answers, tmp_path)
    before = _rows(county)
    for values, words in (
            ({"threshold": "两千", "flags.not_visited.days": "60"}, "“年主营业务收入”应为以万元计的金额"),
            ({"flags.not_visited.days": "0"}, "“久未走访：超过”不能小于1"),
            ({"calendar.0.months": "3,13"}, "应为1至12的月份"),
            ({"pool_sizing.reserve_multiple": ""}, "“库容：储备库为目标的”不能为空"),
            ({"rewards.0.amount": "-3"}, "“省级首次“小升规”奖励：金额”应为以万元计的金额"),
            ({}, "没有修改任何参数")):
        seen = _edit(qtbot, page, values, answers)
        assert seen.get("refused"), values
        assert words in errors[-1][1], (values, errors[-1])
        assert errors[-1][0] == "无法保存配置"
        assert _rows(county) == before  # nothing half-written
    # a shipped profile in force cannot be edited: the service says to copy first
    policy.choose_profile(county, "xiaoyi")
    with pytest.raises(UserError, match="请先复制再修改"):
        policy.edit_profile_parameters(county, {"threshold": "3000"})


def test_the_edited_profile_reaches_a_township_and_shows_read_only(qtbot, world, answers, errors, tmp_path):
    county, window, page = _county_with_own_copy(qtbot, world, answers, tmp_path)
    _edit(qtbot, page, {"flags.not_visited.days": "45", "rewards.2.amount": "12"}, answers)
    assert not errors
    town = world["A"]
    exchange(county, town, tmp_path / "usb")
    arrived = policy.active_profile(town)
    assert (arrived.code, arrived.version) == ("xiaoyi.local1", "2")
    assert arrived.data == policy.active_profile(county).data
    t_window = open_window(qtbot, town, tmp_path / "t")
    t_window.show_page("政策配置")
    t_page = t_window.policy_page
    assert t_page.copy_button is None and t_page.edit_button is None and t_page.choose is None
    assert "乡镇只能查看" in t_page.state.text()
    shown = t_page.summary.toPlainText()
    assert "本县修订：与原文件（孝义市）不同的2项" in shown
    assert "久未走访：超过：原文件31天 → 本县45天" in shown
    assert [c["path"] for c in t_page.changes] == ["flags.not_visited.days", "rewards.2.amount"]


def test_every_shipped_profile_round_trips_through_the_form():
    """Each parameter's shown text parses back to its value (money in 万元, months), so an
    untouched form changes nothing for any shipped document."""
    for profile in policy.shipped_profiles().values():
        params = policy.profile_parameters(profile)
        assert params and len({p.path for p in params}) == len(params)
        assert len({p.label for p in params}) == len(params), profile.code
        for p in params:
            assert p.quote, p.path
            if p.value is None and not p.optional:
                raise AssertionError(p.path)
            assert policy.parse_parameter(p, p.text) == p.value, p.path


# -- 奖补申报审核: the county decides every enterprise's claims from one list ------------------------
def _claim_at_township(town) -> str:
    enterprise = town.one("SELECT id, name FROM enterprises ORDER BY name")
    return policy.add_reward_claim(town, enterprise["id"], {
        "kind": "tech_upgrade", "year": 2026, "amount": 5_000_000, "description": "数控车床技改",
        "recorded_on": "2026-03-02", "evidence": "发票12张"})


def _open_review(qtbot, window):
    from shengui_desktop.ui.rewards.claims import ClaimsReview

    window.show_page("奖补测算")
    page = window.rewards_page
    qtbot.mouseClick(page.claims_button, LEFT)
    review = page.claims_dialog
    assert isinstance(review, ClaimsReview) and review.isVisible()
    return review


def test_county_decides_a_township_claim_from_the_review_list(qtbot, world, tmp_path):
    county, town = world["C"], world["A"]
    claim_id = _claim_at_township(town)
    exchange(town, county, tmp_path / "up")
    window = open_window(qtbot, county, tmp_path / "c")
    review = _open_review(qtbot, window)
    assert review.year.currentData() == window.today.year == 2026
    row = review.model.rows_data[0]
    assert (row["id"], row["township_name"], row["status_label"]) == (claim_id, "秀水镇", "申报")
    assert "共1项：申报1项" in review.tally.text() and review.decide_button.isEnabled()

    # bad input: an impossible date is named at its field, nothing is written
    before = county.get("reward_claims", claim_id)
    qtbot.mouseClick(review.decide_button, LEFT)
    dialog = review.decision
    status = dialog.inputs["status"]
    status.setCurrentIndex(status.findData("rejected"))
    dialog.inputs["decided_on"].setText("2026-13-40")
    dialog.inputs["decision_note"].setPlainText("发票与合同金额不符")
    qtbot.mouseClick(dialog.save_button, LEFT)
    assert dialog.isVisible() and "未保存" in dialog.message.text()
    assert dialog.errors["decided_on"].isVisible() and "决定日期" in dialog.errors["decided_on"].text()
    assert county.get("reward_claims", claim_id) == before

    dialog.inputs["decided_on"].setText("2026-04-10")
    qtbot.mouseClick(dialog.save_button, LEFT)
    assert not dialog.isVisible()
    done = county.get("reward_claims", claim_id)
    assert (done["status"], done["decided_on"], done["decision_note"]) == ("rejected", "2026-04-10", "发票与合同金额不符")
    assert review.model.rows_data[0]["status_label"] == "不予" and "不予1项" in review.tally.text()
    # the filter by status: none left to decide
    review.status.setCurrentIndex(review.status.findData("claimed"))
    assert review.model.rows_data == [] and "没有符合条件的奖补申报" in review.tally.text()
    assert not review.decide_button.isEnabled()

    # the decision travels back; the township sees it and cannot decide
    exchange(county, town, tmp_path / "down")
    t_window = open_window(qtbot, town, tmp_path / "t")
    t_review = _open_review(qtbot, t_window)
    assert t_review.model.rows_data[0]["status_label"] == "不予"
    assert t_review.model.rows_data[0]["decision_note"] == "发票与合同金额不符"
    assert not t_review.decide_button.isEnabled() and t_review.decide() is None
