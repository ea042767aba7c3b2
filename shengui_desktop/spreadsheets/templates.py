"""Import templates: the enterprise list and the monthly figures, with dropdowns (township,
industry division, status, pool), example rows the import skips, and an instructions sheet;
and the sheets of what the policy rules read (projects and milestones, reward claims, earlier
above-scale periods: spreadsheets/record_columns.py).

The committed files in resources/templates/ are made by resources/templates/make_templates.py
with 盂县's townships; `shengui excel template --db P` makes one with the ledger's own.
"""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from ..domain.industry import DIVISIONS
from ..domain.policy import BID_REGIONS
from ..domain.policy_records import CLAIM_KINDS, CLAIM_STATUSES, PROJECT_KINDS, PROJECT_STATUSES
from ..domain.records import POOLS, SOURCES, STAT_STATUSES
from ..paths import write_replacing
from .record_columns import RECORD_COLUMNS

# 盂县 (seed 003): the county the sample templates are made for
SAMPLE_TOWNSHIPS = [("140322100", "秀水镇"), ("140322101", "路家村镇"), ("140322102", "南娄镇"),
                    ("140322103", "牛村镇"), ("140322104", "苌池镇"), ("140322105", "上社镇"),
                    ("140322106", "西烟镇"), ("140322200", "仙人乡"), ("140322201", "北下庄乡"),
                    ("140322202", "梁家寨乡"), ("140322203", "西潘乡"), ("140322204", "孙家庄镇")]
SAMPLE_DEPARTMENTS = ["工信局", "开发区", "应急局", "能源局", "住建局", "统计局", "税务局"]
MAX_ROWS = 2000
_REQUIRED = PatternFill("solid", start_color="FCE4D6", end_color="FCE4D6")
_OPTIONAL = PatternFill("solid", start_color="DDEBF7", end_color="DDEBF7")
_EXAMPLE_FONT = Font(italic=True, color="808080")

# (header, required, width, hint)
ENTERPRISE_COLUMNS = [
    ("序号", False, 6, "可填“示例”：该行不会导入"),
    ("企业名称", True, 30, "与营业执照一致"),
    ("统一社会信用代码", True, 22, "18位，字母大写；全角、空格会自动处理"),
    ("乡镇（街道）", True, 12, "从下拉列表选择；县级台账填写新乡镇名称时会自动新建"),
    ("行业代码", False, 26, "GB/T 4754-2017，可选大类，也可填4位小类代码如3311"),
    ("统计状态", False, 10, "规下、规上或已退规，默认规下"),
    ("库别", False, 12, "只对新企业生效；已有企业请用“调整库别”"),
    ("来源", False, 10, ""),
    ("责任单位", False, 10, ""),
    ("包联干部", False, 10, ""),
    ("法定代表人", False, 10, ""),
    ("联系人", False, 10, ""),
    ("联系电话", False, 14, ""),
    ("地址", False, 30, ""),
    ("成立日期", False, 12, "如2024-03-05、2024/3/5或2024年3月5日"),
    ("入统日期", False, 12, ""),
    ("企业资质", False, 20, "多个用顿号分隔，如：专精特新、高新技术企业"),
    ("备注", False, 20, ""),
]
FIGURE_COLUMNS = [
    ("序号", False, 6, "可填“示例”：该行不会导入"),
    ("统一社会信用代码", True, 22, "与企业名单一致；不填时按企业名称查找"),
    ("企业名称", False, 30, ""),
    ("月份", True, 10, "如2024-03或2024年3月；每个月一行"),
    ("主营业务收入（万元）", False, 14, "当月数，不是累计数"),
    ("工业总产值（万元）", False, 14, "当月数"),
    ("税收（万元）", False, 12, "当月数"),
    ("用电量（千瓦时）", False, 14, "当月用电量"),
    ("从业人员（人）", False, 12, "月末人数"),
]


def _options_sheet(wb: Workbook, townships, departments) -> dict[str, str]:
    """A hidden sheet with the dropdown lists; returns column name → range formula."""
    ws = wb.create_sheet("选项")
    lists = {
        "township": [name for _code, name in townships],
        "industry": [f"{code} {name}" for code, (_s, name) in DIVISIONS.items()],
        "status": list(STAT_STATUSES.values()),
        "pool": list(POOLS.values()),
        "source": list(SOURCES.values()),
        "department": list(departments),
    }
    refs = {}
    for c, (key, values) in enumerate(lists.items(), start=1):
        ws.cell(1, c, {"township": "乡镇（街道）", "industry": "行业大类", "status": "统计状态",
                       "pool": "库别", "source": "来源", "department": "责任单位"}[key])
        for r, value in enumerate(values, start=2):
            ws.cell(r, c, value)
        letter = get_column_letter(c)
        refs[key] = f"选项!${letter}$2:${letter}${max(len(values) + 1, 2)}"
    ws.sheet_state = "hidden"
    return refs


def _header(ws, columns, title: str) -> None:
    ws.cell(1, 1, title).font = Font(bold=True, size=14)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(columns))
    ws.cell(2, 1, "填报单位：            填报日期：            （标*的列必填，金额单位见表头）")
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=len(columns))
    for c, (header, required, width, hint) in enumerate(columns, start=1):
        cell = ws.cell(3, c, f"*{header}" if required else header)
        cell.font = Font(bold=True)
        cell.fill = _REQUIRED if required else _OPTIONAL
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        if hint:
            cell.comment = Comment(hint, "小升规台账")
        ws.column_dimensions[get_column_letter(c)].width = width
    ws.freeze_panes = "A4"


def _validation(ws, formula: str, column: int, title: str, *, allow_other: bool = False) -> None:
    dv = DataValidation(type="list", formula1=f"={formula}", allow_blank=True,
                        showErrorMessage=not allow_other)
    dv.promptTitle, dv.prompt = title, "请从下拉列表中选择"
    dv.errorTitle, dv.error = title, "请从下拉列表中选择"
    if allow_other:
        dv.errorStyle = "warning"
        dv.showErrorMessage = True
        dv.error = "不在列表中：县级台账导入时会新建该乡镇，请核对名称"
    letter = get_column_letter(column)
    dv.add(f"{letter}4:{letter}{MAX_ROWS + 3}")
    ws.add_data_validation(dv)


def _examples(ws, rows: list[list]) -> None:
    for r, row in enumerate(rows, start=4):
        for c, value in enumerate(row, start=1):
            if value is not None:
                ws.cell(r, c, value).font = _EXAMPLE_FONT


def _instructions(wb: Workbook, lines: list[str]) -> None:
    ws = wb.create_sheet("填写说明")
    ws.column_dimensions["A"].width = 100
    ws.cell(1, 1, "填写说明").font = Font(bold=True, size=14)
    for r, line in enumerate(lines, start=3):
        cell = ws.cell(r, 1, line)
        cell.alignment = Alignment(wrap_text=True, vertical="top")


_COMMON_RULES = [
    "1. 每张表第3行是表头，请不要修改或删除表头；从第4行起每行一条记录。标*的列必须填写。",
    "2. 灰色斜体的“示例”行不会导入，可以保留，也可以删除。",
    "3. 导入时检查每一行：只要有一处错误，整张表都不导入，并列出每个错误所在的行号、列和原因"
    "（可生成问题报告，错误单元格标红并加批注）。改正后重新导入即可。",
    "4. 统一社会信用代码为18位，程序会自动去掉空格、把全角字符和小写字母转为半角大写，并校验第17、18位。",
    "5. 日期可写2024-03-05、2024/3/5、2024年3月5日，或使用Excel日期格式。",
    "6. 数字可带千分位逗号，也可为文本格式的数字。“合计”“小计”行和表格末尾的“注：”说明会自动跳过。",
    "7. 也可以导入统计局、税务局等单位发来的原表：程序会自行找到表头行，并识别常见的列名"
    "（如“单位详细名称”“社会信用代码”“所属乡镇”“营收”）和单位行（如“单位：万元”）。",
]


# the record templates (projects, claims, earlier above-scale periods): sheet title, sheet
# name, example rows (by header) and the notes of each
_RECORD_SHEETS = {
    "projects": [("projects", "项目", "企业项目（新建、技改、重点项目）导入模板"),
                 ("milestones", "节点任务", "项目节点任务导入模板")],
    "claims": [("claims", "奖补申报", "奖补申报导入模板")],
    "scale_periods": [("scale_periods", "此前在规时段", "此前在规时段导入模板（县级）")],
}
_RECORD_EXAMPLES = {
    "projects": [{"序号": "示例", "统一社会信用代码": "91110000600037341L", "企业名称": "某某机械制造有限公司",
                  "项目名称": "年产5万吨新材料项目", "项目类别": "重点项目", "总投资（万元）": 12000,
                  "计划开工日期": "2026-03-01", "实际开工日期": "2026-03-15", "计划投产日期": "2026-12-01",
                  "预计达产年产值（万元）": 30000, "预计达产升规": "是", "预计升规年度": 2027,
                  "责任单位": "工信局"}],
    "milestones": [{"序号": "示例", "统一社会信用代码": "91110000600037341L", "企业名称": "某某机械制造有限公司",
                    "项目名称": "年产5万吨新材料项目", "节点任务": "主体厂房完工",
                    "计划完成日期": "2026-06-30", "实际完成日期": "2026-06-28"}],
    "claims": [{"序号": "示例", "统一社会信用代码": "91110000600037341L", "企业名称": "某某机械制造有限公司",
                "申报类别": "技术改造投资", "年度": 2026, "项目或合同名称": "智能化生产线改造",
                "金额（万元）": 150, "申报日期": "2026-05-10", "证明材料": "设备发票、合同复印件", "状态": "申报"},
               {"序号": "示例", "统一社会信用代码": "91110000600037341L", "企业名称": "某某机械制造有限公司",
                "申报类别": "省外或本省其他地市中标合同", "年度": 2026, "项目或合同名称": "某省某工程设备采购",
                "金额（万元）": 500, "中标项目所在地": "省外", "是否公开招标": "是", "状态": "申报"}],
    "scale_periods": [{"序号": "示例", "统一社会信用代码": "91110000600037341L", "当时企业名称": "某某机械厂",
                       "入规日期": "2018-01-01", "退规日期": "2021-12-31", "备注": "更名前"}],
}
_RECORD_NOTES = {
    "projects": [
        "8. 项目表每个项目一行：按统一社会信用代码（或企业名称）找到企业，同一企业按项目名称更新已有的项目，"
        "空白单元格不会清除已有内容。金额单位为万元（见表头）。",
        "9. 项目类别：新建项目、技改项目或重点项目（湖南重点项目库）。新建项目预计达产升规（或预计达产年产值"
        "达到规上标准）且未在本年以前投产的，按政策配置列入培育库建议；本年度实际投产的项目按孝义的规定列入培育库建议。",
        "10. 节点任务表每个节点一行，项目名称须与项目表或台账中的项目一致；填写实际完成日期即为已完成。",
    ],
    "claims": [
        "8. 每项申报一行：按企业、年度、申报类别、奖补项目和项目或合同名称更新已有的申报。金额单位为万元。",
        "9. 申报类别：技术改造投资（填实际投资额）、省外或本省其他地市中标合同（填合同金额和所在地）、"
        "新增地方经济贡献（填财政部门核定的金额），或奖补项目申报（在“奖补项目”列写政策配置中的奖补项目名称）。",
        "10. 状态：乡镇填报为“申报”；“审核”“兑现”“不予”由县级决定，只能在县级台账导入。",
    ],
    "scale_periods": [
        "8. 登记企业本次入规以前的在规时段及当时的企业名称（孝义：已入规退库只变更名称再次入规的不予奖励；"
        "顺城：每户企业只享受一次奖励）。只能在县级台账导入。",
        "9. 同一信用代码按入规日期更新已有的时段。",
    ],
}
_CHOICE_LISTS = {
    "project_kind": lambda: list(PROJECT_KINDS.values()),
    "project_status": lambda: list(PROJECT_STATUSES.values()),
    "claim_kind": lambda: list(CLAIM_KINDS.values()),
    "claim_status": lambda: list(CLAIM_STATUSES.values()),
    "bid_region": lambda: list(BID_REGIONS.values()),
    "yes_no": lambda: ["是", "否"],
}


def _record_sheets(wb: Workbook, kind: str, departments: list[str]) -> None:
    options = wb.create_sheet("选项")
    refs: dict[str, str] = {}
    lists = {**{k: make() for k, make in _CHOICE_LISTS.items()}, "department": list(departments)}
    for c, (key, values) in enumerate(lists.items(), start=1):
        options.cell(1, c, key)
        for r, value in enumerate(values, start=2):
            options.cell(r, c, value)
        letter = get_column_letter(c)
        refs[key] = f"选项!${letter}$2:${letter}${max(len(values) + 1, 2)}"
    options.sheet_state = "hidden"
    for n, (sheet_kind, name, title) in enumerate(_RECORD_SHEETS[kind]):
        ws = wb.active if n == 0 else wb.create_sheet(name, n)
        ws.title = name
        columns = RECORD_COLUMNS[sheet_kind]
        _header(ws, [(c.header, c.required, c.width, c.hint) for c in columns], title)
        for i, col in enumerate(columns, start=1):
            if col.choices:
                _validation(ws, refs[col.choices], i, col.header, allow_other=col.choices == "department")
        _examples(ws, [[example.get(c.header) for c in columns] for example in _RECORD_EXAMPLES[sheet_kind]])
    _instructions(wb, _COMMON_RULES[:6] + _RECORD_NOTES[kind])


def write_template(kind: str, out: Path, *, townships: list[tuple[str, str]] | None = None,
                   departments: list[str] | None = None) -> Path:
    townships = townships or SAMPLE_TOWNSHIPS
    departments = departments or SAMPLE_DEPARTMENTS
    wb = Workbook()
    ws = wb.active
    if kind in _RECORD_SHEETS:
        _record_sheets(wb, kind, departments)
    elif kind == "enterprises":
        ws.title = "企业名单"
        _header(ws, ENTERPRISE_COLUMNS, "小升规企业名单（导入模板）")
        refs = _options_sheet(wb, townships, departments)
        for column, key, title, other in ((4, "township", "乡镇（街道）", True),
                                          (5, "industry", "行业代码", True),
                                          (6, "status", "统计状态", False),
                                          (7, "pool", "库别", False),
                                          (8, "source", "来源", False),
                                          (9, "department", "责任单位", False)):
            _validation(ws, refs[key], column, title, allow_other=other)
        first = townships[0][1]
        _examples(ws, [
            ["示例", "某某机械制造有限公司", "91110000600037341L", first, "33 金属制品业", "规下",
             "培育库", "提升", departments[0], "张三", "李四", "王五", "13800000000",
             f"{first}某某村", "2019-03-05", None, "专精特新", "示例行不会导入"],
            ["示例", "某某新材料有限公司", "91310110666007217T", first, "3089", "规上", None,
             None, None, None, None, "赵六", "0353-1234567", None, "2021/7/1", "2024年1月5日",
             None, None],
        ])
        _instructions(wb, _COMMON_RULES + [
            "8. 乡镇（街道）从下拉列表选择。县级台账导入时，不在列表中的乡镇会按名称新建并在导入结果中列出；"
            "乡镇台账只能导入本乡镇的企业。",
            "9. 行业代码填GB/T 4754-2017代码（2–4位数字，可带门类字母如C3311），或从下拉列表选择大类。"
            "不属于采矿业、制造业、电力热力燃气及水生产和供应业（B、C、D门类）的企业会提示。",
            "10. 台账中已有的企业（统一社会信用代码相同）会被更新：导入前会列出每户将要修改的字段；"
            "空白单元格不会清除台账中已有的内容。库别只对新企业生效。",
        ])
    elif kind == "figures":
        ws.title = "月度数据"
        _header(ws, FIGURE_COLUMNS, "企业月度数据（导入模板）")
        _examples(ws, [
            ["示例", "91110000600037341L", "某某机械制造有限公司", "2024-03", 165.05, 170.2, 8.5,
             125000, 56],
            ["示例", "91110000600037341L", "某某机械制造有限公司", "2024-04", 180, 182.6, 9.1,
             131000, 57],
        ])
        for column in range(5, 10):
            dv = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0",
                                allow_blank=True, showErrorMessage=True)
            dv.errorTitle, dv.error = "数值", "请填写不小于0的数字"
            letter = get_column_letter(column)
            dv.add(f"{letter}4:{letter}{MAX_ROWS + 3}")
            ws.add_data_validation(dv)
        _instructions(wb, _COMMON_RULES + [
            "8. 每家企业每个月一行，填当月数（不是1–N月累计数）。金额单位为万元（见表头），"
            "也可改表头为“营业收入（元）”等，程序按表头单位换算。",
            "9. 企业按统一社会信用代码查找；不填代码时按企业名称查找（须与台账中名称一致且不重名）。"
            "企业须已在台账中，或在同一文件的企业名单表中。",
            "10. 台账中已有的月份会被更新（导入前列出修改内容），空白单元格不会清除已有数据。",
            "11. 也可以导入“横表”：每家企业一行，各月一列（如“1月 2月 …”，上方合并单元格写指标名称"
            "“主营业务收入（万元）”，标题写明年份）。",
        ])
    else:
        raise ValueError(kind)
    out = Path(out)
    write_replacing(out, wb.save)
    return out
