"""Which rows of a sheet are data: the quick screen for plain rows agrees with the rules."""

from __future__ import annotations

from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from shengui_desktop.spreadsheets.layout import data_rows, find_layout
from shengui_desktop.spreadsheets.reader import Grid

HEADER = ["序号", "企业名称", "统一社会信用代码", "乡镇", "联系电话"]
CELLS = [None, "", "  ", "\u3000", 1, 2.0, 3.5, True, date(2024, 1, 5), "甲公司", " 乙公司 ",
         "91140322000000017J", "秀水镇", "合计", "小  计", "本页合计", "总计：", "注：本表", "注",
         "说明：", "填表人：张三", "示例", "（示例）甲公司", "示例公司", "企业名称", "序号", "乡镇",
         "统一社会信用代码", "设计院", "会计", "计", "ＡＢ", "例"]


@st.composite
def grids(draw):
    rnd = draw(st.randoms(use_true_random=False))
    rows = [list(HEADER)]
    for _ in range(draw(st.integers(0, 12))):
        width = rnd.choice([0, 1, 2, 3, 5, 5, 5, 7])
        rows.append([rnd.choice(CELLS) for _ in range(width)])
    return rows


@settings(max_examples=400, deadline=None)
@given(grids())
def test_screen_keeps_and_skips_the_rows_the_rules_do(rows):
    layout = find_layout(Grid("Sheet1", rows))
    assert layout is not None
    keep, skipped = data_rows(layout)
    keep_ruled, skipped_ruled = data_rows(layout, screen=False)
    assert keep == keep_ruled
    assert [(s.row, s.reason) for s in skipped] == [(s.row, s.reason) for s in skipped_ruled]
