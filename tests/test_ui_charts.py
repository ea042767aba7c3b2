"""The charts' parts answer the mouse only for the data they show: new bars replace the
old parts at once (no click lands on a bar that is gone), and a click on a bar drawn from
the new data sends its key even when no paint has happened since the data changed."""

from PySide6.QtCore import QPointF, Qt

from shengui_desktop.ui.charts import Bar, BarChart, FunnelChart, Stage


def shown(qtbot, chart, width: int):
    qtbot.addWidget(chart)
    chart.resize(width, 200)
    chart.show()
    qtbot.waitExposed(chart)
    return chart


def test_new_bars_drop_the_old_parts_and_a_click_reaches_the_new_bar(qtbot):
    chart = shown(qtbot, BarChart("目标完成"), 420)
    chart.set_bars([Bar("秀水镇", 2, 1, 0.5, key="A"), Bar("路家村镇", 1, 1, 1.0, key="B")])
    second_row = chart.click_point("B")
    chart.set_bars([Bar("工信局", 4, 0, 0.0, key="D")])
    assert chart.parts == []  # the old bars are gone at once
    assert chart.part_at(second_row) is None  # laid out again for the one new bar
    with qtbot.waitSignal(chart.clicked) as got:
        qtbot.mouseClick(chart, Qt.MouseButton.LeftButton, pos=chart.click_point("D").toPoint())
    assert got.args == ["D"]


def test_new_stages_drop_the_old_parts(qtbot):
    chart = shown(qtbot, FunnelChart("库别"), 300)
    chart.set_stages([Stage("储备库", 5, key="reserve")])
    assert chart.part_at(chart.click_point("reserve")) is not None
    chart.set_stages([])
    assert chart.part_at(QPointF(150, 10)) is None
