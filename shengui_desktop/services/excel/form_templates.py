"""Form templates that travel from the county (一表通, #22 item 4).

The county registers a template (`send_template`: the .xlsx checked as a file and as a
template, ≤ 2 MB) with its name, the department that asks for it (下发部门), the due date, the
period it asks for and the townships it goes to (all, or chosen ones). It is a county-wide
synced record (`form_templates`): every township's package carries it, and a township lists
those addressed to it. The county may withdraw it (撤回) or move its due date; both travel.

At a township the cadre fills it (`fill_received`: the existing fill path, .xlsx or PDF), which
records 已填报, and marks it 已报送 with the day (`mark_sent`). That answer is the township's own
synced record (`form_returns`, one per template and township), which its package carries back
to the county, where `overview` shows per template who has sent what.

A received template is checked again before it is stored: `check_incoming` is registered with
sync/rules.py, and a package whose template fails is refused whole, naming the record.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
import tempfile
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from ...domain.text import clean_name, name_problem
from ...errors import UserError
from ...progress import Cancel, Progress
from ...spreadsheets.forms_file import MAX_TEMPLATE_BYTES, file_problems, read_template_bytes, size_text
from ...storage.audit import EDIT
from ...sync.rules import register_content_check
from ..office.permissions import require
from .forms import FILTERS, check_expr, fill_form, print_form

if TYPE_CHECKING:
    from ...storage.ledger import Ledger

DEPARTMENTS = ("统计局", "工信局", "发改局", "税务局", "财政局", "县政府办")  # offered; any name may be typed
STATUS_NAMES = {"due": "待填报", "filled": "已填报", "sent": "已报送", "withdrawn": "已撤回"}
_PERIOD = re.compile(r"^(\d{4})(?:-(0[1-9]|1[0-2]))?$")
_CODE = re.compile(r"^\d{9}$")


# -- checking a template -------------------------------------------------------------------------
def template_problems(data: bytes, file_name: str) -> list[str]:
    """Every problem of `data` as a form template (Chinese, each naming its cell), the same
    checks the 一表通 page makes before filling, short of those that need a ledger (which
    township or department a filter names is checked when it is filled)."""
    problems = file_problems(data)
    if problems:
        return problems
    try:
        parsed = read_template_bytes(data, file_name)
    except UserError as e:
        return [str(e)]
    problems = list(parsed.problems)
    for e in parsed.exprs:
        _spec, bad = check_expr(e)
        if bad:
            problems.append(bad)
    for region in parsed.regions.values():
        for key, _value in region.filters:
            if key not in FILTERS:
                problems.append(f"模板 {region.where}：未知筛选“{key}”，可用：{'、'.join(FILTERS)}")
    if not parsed.exprs and not parsed.regions and not problems:
        problems.append("模板里没有任何{{字段}}，不是一表通报表模板")
    return problems


def _decoded(text: str) -> bytes | None:
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, ValueError, UnicodeEncodeError):
        return None


def check_incoming(data: dict) -> list[str]:
    """A form template's change as a package brings it (sync/rules.py CONTENT_CHECKS): the file
    and its stated hash and size, the dates and the recipients. Runs on the worker thread that
    prepares a package; touches no ledger."""
    problems: list[str] = []
    if "content" in data:
        text = data["content"]
        raw = _decoded(text) if isinstance(text, str) and len(text) <= MAX_TEMPLATE_BYTES * 4 // 3 + 8 else None
        if raw is None:
            problems.append("模板内容无效（不是编码后的.xlsx文件，或超过大小上限）")
        else:
            if "content_sha256" in data and hashlib.sha256(raw).hexdigest() != data["content_sha256"]:
                problems.append("模板内容与其校验值不符（文件被改动或不完整）")
            if "size" in data and data["size"] != len(raw):
                problems.append("模板内容的大小与所记不符")
            problems += template_problems(raw, str(data.get("file_name") or "模板.xlsx"))
    for key, what in (("due_date", "截止日期"), ("sent_on", "下发日期"), ("withdrawn_on", "撤回日期")):
        if data.get(key) is not None and not _is_date(data[key]):
            problems.append(f"{what}“{str(data[key])[:20]}”无效")
    if data.get("period") is not None and not _PERIOD.match(str(data["period"])):
        problems.append(f"报表期间“{str(data['period'])[:20]}”无效")
    if data.get("recipients") is not None:
        try:
            codes = json.loads(data["recipients"])
        except (TypeError, ValueError):
            codes = None
        if not isinstance(codes, list) or not all(isinstance(c, str) and _CODE.match(c) for c in codes):
            problems.append("接收乡镇无效")
    return problems


register_content_check("form_templates", check_incoming)


def _is_date(text: object) -> bool:
    if not isinstance(text, str) or len(text) != 10:
        return False
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


def _due(text: str | date) -> str:
    if isinstance(text, date):
        return text.isoformat()
    cleaned = str(text or "").strip().replace("/", "-").replace(".", "-")
    try:
        return date.fromisoformat(cleaned).isoformat()
    except ValueError:
        raise UserError(f"截止日期“{text}”无效，应写作2026-12-10") from None


def _period(text: str | None) -> str | None:
    if not text:
        return None
    text = str(text).strip()
    if not _PERIOD.match(text):
        raise UserError(f"报表期间“{text}”无效，应写作2026-11（某月）或2026（某年）")
    return text


# -- the county ----------------------------------------------------------------------------------
def _county(ledger: Ledger, what: str) -> None:
    if ledger.meta("role") != "county":
        raise UserError(f"只有县级台账可以{what}，乡镇的报表模板从县级同步包中获得")


def _recipients(ledger: Ledger, to: list[str] | None) -> list[tuple[str, str]] | None:
    if not to:
        return None
    found: dict[str, str] = {}
    for item in to:
        for word in re.split(r"[、,，\s]+", item.strip()):
            if not word:
                continue
            row = ledger.one("SELECT code, name FROM townships WHERE code = ? OR name = ?", (word, word))
            if row is None:
                raise UserError(f"台账中没有乡镇“{word}”（可写乡镇名称或9位代码）")
            found[row["code"]] = row["name"]
    return sorted(found.items()) or None


def send_template(ledger: Ledger, path: Path | str, *, department: str, due: str | date,
                  name: str | None = None, period: str | None = None, to: list[str] | None = None,
                  note: str | None = None, today: date | None = None) -> dict:
    """`shengui form send`: register the template at `path` for the townships `to` (names or
    codes; all when empty). Checked whole first; nothing is written on a problem."""
    require(ledger, "form_templates")
    _county(ledger, "下发报表模板")
    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        raise UserError(f"“{path.name}”不是.xlsx文件：报表模板请用Excel或WPS另存为.xlsx格式")
    if not path.is_file():
        raise UserError(f"找不到模板文件“{path}”")
    size = path.stat().st_size
    if size > MAX_TEMPLATE_BYTES:
        raise UserError(f"模板“{path.name}”过大（{size_text(size)}），报表模板不能超过{size_text(MAX_TEMPLATE_BYTES)}")
    data = path.read_bytes()
    title = clean_name(name if name is not None else path.stem)
    department = clean_name(department)
    problems = []
    if not title:
        problems.append("请填写报表名称")
    if not department:
        problems.append("请填写下发部门（如统计局、工信局）")
    problems += [p for p in (name_problem(title, "报表名称", "enterprise"),
                             name_problem(department, "下发部门", "department"),
                             name_problem(path.name, "模板文件名", "enterprise")) if p]
    due_date, asked = _due(due), _period(period)
    recipients = _recipients(ledger, to)
    problems += template_problems(data, path.name)
    if problems:
        raise UserError(f"报表模板“{path.name}”未下发：\n" + "\n".join(problems))
    today = today or date.today()
    if due_date < today.isoformat():
        raise UserError(f"截止日期{due_date}已经过去，请改为今天（{today.isoformat()}）或以后")
    record = {"name": title, "department": department, "due_date": due_date, "period": asked,
              "recipients": json.dumps([c for c, _n in recipients]) if recipients else None,
              "file_name": path.name, "content": base64.b64encode(data).decode("ascii"),
              "content_sha256": hashlib.sha256(data).hexdigest(), "size": len(data),
              "sent_on": today.isoformat(), "withdrawn_on": None, "note": clean_name(note) or None}
    with ledger.transaction():
        row_id = ledger.insert("form_templates", record)
        ledger.audit(EDIT, f"报表模板“{title}”", f"下发：{department}，截止{due_date}，"
                     + ("、".join(n for _c, n in recipients) if recipients else "全部乡镇"))
    return {"id": row_id, "name": title, "department": department, "due_date": due_date, "period": asked,
            "to": [n for _c, n in recipients] if recipients else [], "size": len(data)}


def find_template(ledger: Ledger, which: str) -> dict:
    """A template by its id (or the first 6+ characters of it) or its name."""
    which = (which or "").strip()
    if not which:
        raise UserError("请指定报表模板（编号或名称）")
    rows = ledger.rows("SELECT * FROM form_templates WHERE id = ? OR name = ?", (which, which))
    if not rows and len(which) >= 6 and re.fullmatch(r"[0-9a-f]+", which):
        rows = ledger.rows("SELECT * FROM form_templates WHERE id LIKE ?", (which + "%",))
    if not rows:
        raise UserError(f"没有报表模板“{which}”（用 shengui form list 查看编号）")
    if len(rows) > 1:
        raise UserError(f"有{len(rows)}个报表模板叫“{which}”，请用编号指定："
                        + "、".join(r["id"][:8] for r in rows))
    return rows[0]


def withdraw_template(ledger: Ledger, which: str, *, today: date | None = None) -> dict:
    """撤回: the townships see it as withdrawn (their answers, if any, stay)."""
    require(ledger, "form_templates")
    _county(ledger, "撤回报表模板")
    row = find_template(ledger, which)
    if row["withdrawn_on"]:
        raise UserError(f"报表“{row['name']}”已于{row['withdrawn_on']}撤回")
    day = (today or date.today()).isoformat()
    with ledger.transaction():
        ledger.update("form_templates", row["id"], {"withdrawn_on": day})
        ledger.audit(EDIT, f"报表模板“{row['name']}”", f"撤回：{row['department']}，{day}")
    return {"id": row["id"], "name": row["name"], "withdrawn_on": day}


def change_due(ledger: Ledger, which: str, due: str | date, *, today: date | None = None) -> dict:
    require(ledger, "form_templates")
    _county(ledger, "修改报表的截止日期")
    row = find_template(ledger, which)
    if row["withdrawn_on"]:
        raise UserError(f"报表“{row['name']}”已撤回，不能再改截止日期")
    due_date = _due(due)
    if due_date < (today or date.today()).isoformat():
        raise UserError(f"截止日期{due_date}已经过去")
    with ledger.transaction():
        ledger.update("form_templates", row["id"], {"due_date": due_date})
        ledger.audit(EDIT, f"报表模板“{row['name']}”", f"截止日期：{row['due_date']} → {due_date}")
    return {"id": row["id"], "name": row["name"], "due_date": due_date, "was": row["due_date"]}


# -- what an office sees -----------------------------------------------------------------------------
@dataclass
class FormItem:
    """A template as an office lists it. At a township: its own status; at the county:
    how many of its townships have sent it (`sent` of `addressed`)."""

    id: str
    name: str
    department: str
    due_date: str
    period: str | None
    file_name: str
    sent_on: str
    withdrawn_on: str | None
    status: str  # due | filled | sent | withdrawn (a township's; the county's: sent by all or not)
    overdue: bool
    filled_on: str | None = None
    reported_on: str | None = None
    addressed: list[str] = field(default_factory=list)  # the townships' names ([] at a township)
    sent: int = 0

    @property
    def status_text(self) -> str:
        return STATUS_NAMES[self.status]


def own_code(ledger: Ledger) -> str:
    return (ledger.this_site() or {}).get("area_code") or ""


def addressed_to(row: dict, code: str) -> bool:
    return row["recipients"] is None or code in json.loads(row["recipients"])


def _township_names(ledger: Ledger) -> dict[str, str]:
    return {r["code"]: r["name"] for r in ledger.rows("SELECT code, name FROM townships ORDER BY code")}


def _addressed(row: dict, towns: dict[str, str]) -> list[str]:
    codes = json.loads(row["recipients"]) if row["recipients"] else list(towns)
    return [c for c in codes if c in towns] + [c for c in codes if c not in towns]


_COLUMNS = ("id, name, department, due_date, period, file_name, sent_on, withdrawn_on, recipients, size")


def list_forms(ledger: Ledger, today: date | None = None, *, withdrawn: bool = True) -> list[FormItem]:
    """The templates this office deals with, soonest due first (withdrawn last)."""
    today_text = (today or date.today()).isoformat()
    rows = ledger.rows(f"SELECT {_COLUMNS} FROM form_templates ORDER BY withdrawn_on IS NOT NULL, due_date, name")
    returns = {(r["template_id"], r["township_code"]): r for r in ledger.rows("SELECT * FROM form_returns")}
    out: list[FormItem] = []
    county = ledger.meta("role") == "county"
    code, towns = own_code(ledger), _township_names(ledger) if county else {}
    for row in rows:
        if row["withdrawn_on"] and not withdrawn:
            continue
        base = {k: row[k] for k in ("id", "name", "department", "due_date", "period", "file_name", "sent_on",
                                    "withdrawn_on")}
        if county:
            codes = _addressed(row, towns)
            sent = sum(1 for c in codes if (returns.get((row["id"], c)) or {}).get("sent_on"))
            status = "withdrawn" if row["withdrawn_on"] else "sent" if codes and sent == len(codes) else "due"
            out.append(FormItem(**base, status=status, overdue=status == "due" and row["due_date"] < today_text,
                                addressed=[towns.get(c, c) for c in codes], sent=sent))
            continue
        if not addressed_to(row, code):
            continue
        mine = returns.get((row["id"], code)) or {}
        status = ("withdrawn" if row["withdrawn_on"] else "sent" if mine.get("sent_on")
                  else "filled" if mine.get("filled_on") else "due")
        out.append(FormItem(**base, status=status, overdue=status in ("due", "filled") and row["due_date"] < today_text,
                            filled_on=mine.get("filled_on"), reported_on=mine.get("sent_on")))
    return out


def due_forms(ledger: Ledger, today: date) -> list[FormItem]:
    """The 首页 calendar's 待填报表: this office's templates that are not withdrawn, due this
    month or earlier and still open, and those already done this month (shown grey)."""
    month_end = date(today.year + (today.month == 12), today.month % 12 + 1, 1).isoformat()
    month_start = today.replace(day=1).isoformat()
    return [f for f in list_forms(ledger, today, withdrawn=False)
            if f.due_date < month_end and (f.status in ("due", "filled") or f.due_date >= month_start)]


@dataclass
class OverviewCell:
    status: str  # due | filled | sent
    day: str | None  # the day it was sent (or filled)
    overdue: bool

    @property
    def text(self) -> str:
        if self.status == "sent":
            return f"已报送 {self.day[5:] if self.day else ''}".strip()
        return STATUS_NAMES[self.status] + ("（逾期）" if self.overdue else "")


@dataclass
class Overview:
    """The county's 一表通 overview: template × township."""

    townships: list[tuple[str, str]]  # (code, name), the columns
    forms: list[FormItem]             # the rows
    cells: dict[tuple[str, str], OverviewCell]  # (template id, township code); absent: not addressed


def overview(ledger: Ledger, today: date | None = None, *, withdrawn: bool = False) -> Overview:
    """Per template (not withdrawn unless asked) and township it went to: 待填报 (逾期),
    已填报 or 已报送 with the day, as the townships' packages reported it."""
    today = today or date.today()
    towns = _township_names(ledger)
    forms = [f for f in list_forms(ledger, today, withdrawn=withdrawn)]
    returns = {(r["template_id"], r["township_code"]): r for r in ledger.rows("SELECT * FROM form_returns")}
    rows = {r["id"]: r for r in ledger.rows(f"SELECT {_COLUMNS} FROM form_templates")}
    cells: dict[tuple[str, str], OverviewCell] = {}
    used: set[str] = set()
    for f in forms:
        for c in _addressed(rows[f.id], towns):
            back = returns.get((f.id, c)) or {}
            status = "sent" if back.get("sent_on") else "filled" if back.get("filled_on") else "due"
            cells[(f.id, c)] = OverviewCell(status, back.get("sent_on") or back.get("filled_on"),
                                            status != "sent" and f.due_date < today.isoformat())
            used.add(c)
    return Overview([(c, n) for c, n in towns.items() if c in used], forms, cells)


# -- the township ------------------------------------------------------------------------------------
def return_id(template_id: str, township_code: str) -> str:
    """One answer per template and township, the same id in every copy of its ledger."""
    return hashlib.sha256(f"form-return:{template_id}:{township_code}".encode()).hexdigest()[:32]


def _received(ledger: Ledger, which: str) -> tuple[dict, str]:
    if ledger.meta("role") == "county":
        raise UserError("报表的填报和报送由乡镇标记，县级台账在一表通页查看各乡镇的报送情况")
    row = find_template(ledger, which)
    code = own_code(ledger)
    if not addressed_to(row, code):
        raise UserError(f"报表“{row['name']}”不是下发给本乡镇的")
    if row["withdrawn_on"]:
        raise UserError(f"报表“{row['name']}”已于{row['withdrawn_on']}被县级撤回，无需填报")
    return row, code


def _write_return(ledger: Ledger, row: dict, code: str, changes: dict) -> None:
    rid = return_id(row["id"], code)
    if ledger.get("form_returns", rid) is None:
        ledger.insert("form_returns", {"id": rid, "template_id": row["id"], "township_code": code,
                                       "filled_on": None, "sent_on": None, **changes})
    else:
        ledger.update("form_returns", rid, changes)


def record_filled(ledger: Ledger, which: str, *, today: date | None = None) -> dict:
    """已填报: the day this township first filled the template (kept when filled again)."""
    require(ledger, "form_returns")
    row, code = _received(ledger, which)
    day = (today or date.today()).isoformat()
    with ledger.transaction():
        current = ledger.get("form_returns", return_id(row["id"], code))
        if current is None or not current.get("filled_on"):
            _write_return(ledger, row, code, {"filled_on": day})
    return {"id": row["id"], "name": row["name"], "filled_on": day}


def mark_sent(ledger: Ledger, which: str, *, on: str | date | None = None, today: date | None = None) -> dict:
    """`shengui form mark-sent`: 已报送 on `on` (today by default); travels to the county."""
    require(ledger, "form_returns")
    row, code = _received(ledger, which)
    today = today or date.today()
    day = _due(on) if on else today.isoformat()
    if day > today.isoformat():
        raise UserError(f"报送日期{day}还没到，请写今天或以前的日期")
    if day < row["sent_on"]:
        raise UserError(f"报送日期{day}早于县级下发的日期{row['sent_on']}")
    with ledger.transaction():
        current = ledger.get("form_returns", return_id(row["id"], code)) or {}
        _write_return(ledger, row, code, {"sent_on": day, "filled_on": current.get("filled_on") or day})
        ledger.audit(EDIT, f"报表“{row['name']}”", f"已报送：{row['department']}，{day}")
    return {"id": row["id"], "name": row["name"], "sent_on": day, "late": day > row["due_date"]}


def template_bytes(ledger: Ledger, which: str) -> tuple[dict, bytes]:
    row = find_template(ledger, which)
    data = _decoded(row["content"])
    if data is None or hashlib.sha256(data).hexdigest() != row["content_sha256"]:
        raise UserError(f"报表模板“{row['name']}”的内容已损坏，请县级重新下发")
    return row, data


def save_template(ledger: Ledger, which: str, out: Path | str) -> Path:
    """The template's .xlsx written to `out` (to open it in Excel, or to fill it)."""
    row, data = template_bytes(ledger, which)
    out = Path(out)
    if out.suffix.lower() != ".xlsx":
        raise UserError(f"输出文件“{out.name}”应以.xlsx结尾")
    from ...paths import write_replacing

    write_replacing(out, lambda p: Path(p).write_bytes(data))
    return out


def fill_received(ledger: Ledger, which: str, out: Path | str, *, period: str | None = None,
                  today: date | None = None, progress: Progress | None = None, cancel: Cancel = None) -> dict:
    """Fill a received template into `out` (.xlsx, or .pdf to print) by the existing fill path,
    then record 已填报. The period: the one the county asked for (a year's asks for its
    December), else `period`, else the latest month with figures."""
    row, code = _received(ledger, which)
    _row, data = template_bytes(ledger, row["id"])
    asked = row["period"]
    if asked and len(asked) == 4:
        asked = f"{asked}-12"
    with tempfile.TemporaryDirectory(prefix="shengui-form-") as folder:
        template = Path(folder) / _safe_name(row["name"])
        template.write_bytes(data)
        make = print_form if Path(out).suffix.lower() == ".pdf" else fill_form
        info = make(ledger, template, out, period=asked or period, today=today, progress=progress, cancel=cancel)
    record_filled(ledger, row["id"], today=today)
    return {**info, "id": row["id"], "name": row["name"]}


def _safe_name(name: str) -> str:
    stem = re.sub(r'[\\/:*?"<>|\x00-\x1f]+', "_", name).strip(" .") or "报表模板"
    return stem[:60] + ".xlsx"


__all__ = ["DEPARTMENTS", "FormItem", "Overview", "STATUS_NAMES", "change_due", "check_incoming", "due_forms",
           "fill_received", "find_template", "list_forms", "mark_sent", "overview", "record_filled",
           "return_id", "save_template", "send_template", "template_problems", "withdraw_template"]
