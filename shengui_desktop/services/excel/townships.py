"""Which township a row's enterprise belongs to: a township of the ledger's list, found by
its code (a 乡镇代码 or 区划代码 column) or by its name as people write it (spaces, widths
and bracket forms aside; "盂县秀水镇" and "秀水" for 秀水镇).

The list is the county's: the townships it enrolled (their rows are written at enrolment,
storage/enrolled.py) and the ones it added. A name the list does not know is a problem of
the import, with the known names nearest to it, never a township made up on the quiet: a
made-up twin of a township that enrols later splits its enterprises and gets the real
township's packages refused. Only when the person confirms it (`create`: `excel import
--create-townships`) is it planned as new, written with the enterprises, under the code the
file gives or else one allocated (and listed for checking)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...domain.text import match_key, name_problem
from ...errors import UserError
from ...spreadsheets.layout import Layout
from ..ledger.townships import nearest_names
from ..office.site import this_site
from .vocabulary import NINE_DIGITS

if TYPE_CHECKING:
    from ...storage.ledger import Ledger

CREATE_HINT = "如确为新乡镇，请确认新建（命令行加 --create-townships）"


class Townships:
    def __init__(self, ledger: Ledger, *, create: bool = False):
        self.role = ledger.meta("role")
        self.create_allowed = create
        site = this_site(ledger)
        self.own_code = site["area_code"] if site else ""
        self.known = {r["code"]: r["name"] for r in ledger.rows("SELECT code, name FROM townships")}
        # codes of enrolled offices: where two townships share a name (a twin made up before
        # the real one enrolled), the name means the enrolled one
        self.enrolled = {r[0] for r in ledger.conn.execute(
            "SELECT area_code FROM sites WHERE is_self = 0 AND trusted = 1 AND role = 'township'")}
        self.known_names: dict[str, str] = {}  # match_key of the name → code
        for code, name in sorted(self.known.items(), key=lambda cn: (cn[0] in self.enrolled, cn[0])):
            self.known_names[match_key(name)] = code
        self.created: dict[str, str] = {}  # name → code, planned by this import
        self.unknown: dict[str, dict] = {}  # match_key → {name, code, nearest, rows}
        self._nearest: dict[str, list[str]] = {}

    def decision(self, layout: Layout, name: str, code: str, *, required: bool):
        """(code found, (field, problem) or None, (name, code or None) to create or None),
        without reporting or creating anything."""
        if NINE_DIGITS.fullmatch(match_key(name)):  # a code in the name column (full-width too)
            code, name = match_key(name), ""
        found = None
        if code:
            if len(code) == 12 and code.isdigit():
                code = code[:9]  # a full 统计用区划代码: its township is the first 9 digits
            if not NINE_DIGITS.fullmatch(code):
                return None, ("township_code", f"乡镇代码“{code}”应为9位数字"), None
            found = code if code in self.known or code in self.created.values() else None
            if found is None:
                if self.role == "county" and name:
                    named = self.named(name)
                    if named is not None:
                        return None, ("township_code",
                                      f"乡镇代码{code}不在本台账的乡镇列表中，而本台账的“{self.name_of(named)}”"
                                      f"代码为{named}；请核对代码（乡镇列表可用 shengui townships 查看和修正）"), None
                    if self.create_allowed:
                        problem = name_problem(name, "乡镇名称", "township")
                        if problem:
                            return None, ("township", problem), None
                        return None, None, (name, code)
                    return None, ("township", self._unknown_message(name, code)), None
                elif self.role == "county":
                    return None, ("township_code",
                                  f"乡镇代码{code}不在本台账的乡镇列表中，请同时填写乡镇名称"), None
        elif name:
            found = self.named(name)
            if found is None:
                if self.role == "county":
                    if self.create_allowed:
                        problem = name_problem(name, "乡镇名称", "township")
                        if problem:
                            return None, ("township", problem), None
                        return None, None, (name, None)
                    return None, ("township", self._unknown_message(name, None)), None
                return None, ("township", f"本乡镇台账只能导入本乡镇（{self.known.get(self.own_code, self.own_code)}）"
                                          f"的企业，此行属于“{name}”"), None
        else:
            if not required:
                return None, None, None
            if self.role == "township":
                return self.own_code, None, None
            office = self.named(layout.office or "") if layout.office else None
            if office:
                return office, None, None
            return None, ("township", "乡镇（街道）不能为空" if "township" in layout.by_field()
                          else "表中没有“乡镇（街道）”列，无法确定企业所属乡镇"), None
        if self.role == "township" and found != self.own_code:
            return None, ("township", f"本乡镇台账只能导入本乡镇（{self.known.get(self.own_code, self.own_code)}）"
                                      f"的企业，此行属于“{name or self.known.get(found, found)}”"), None
        return found, None, None

    def nearest(self, name: str) -> list[str]:
        """The names of the list nearest to `name`, nearest first (worked out once per name:
        every row of an unknown township asks)."""
        found = self._nearest.get(name)
        if found is None:
            found = self._nearest[name] = nearest_names(name, [*self.known.values(), *self.created])
        return found

    def _unknown_message(self, name: str, code: str | None) -> str:
        nearest = self.nearest(name)
        given = f"（表中代码{code}）" if code else ""
        if nearest:
            return (f"乡镇“{name}”{given}不在本台账的乡镇列表中，最接近的有：{'、'.join(nearest)}。"
                    f"请改为其中之一或填写乡镇代码；{CREATE_HINT}")
        return (f"乡镇“{name}”{given}不在本台账的乡镇列表中（本台账还没有乡镇：乡镇在登记其同步包时加入）；"
                f"{CREATE_HINT}")

    def note_unknown(self, name: str, code: str) -> None:
        """Count a row whose township name the list does not know, when decision() refused it
        for that (the result lists each such name once, with the nearest known ones)."""
        if (self.role != "county" or self.create_allowed or not name
                or NINE_DIGITS.fullmatch(match_key(name))
                or self.named(name) is not None or (code and code[:9] in self.known)):
            return
        key = match_key(name)
        entry = self.unknown.get(key)
        if entry is None:
            entry = self.unknown[key] = {"name": name, "code": code or None,
                                         "nearest": self.nearest(name), "rows": 0}
        entry["rows"] += 1

    def named(self, name: str) -> str | None:
        """The code of a township written by name, planned ones included."""
        key = match_key(name)
        if not key:
            return None
        if key in self.known_names:
            return self.known_names[key]
        for created, code in self.created.items():
            if match_key(created) == key:
                return code
        for known, code in self.known_names.items():
            # "盂县秀水镇" or "秀水" for "秀水镇"
            if known in key or (known.startswith(key) and len(known) - len(key) <= 2
                                and len(key) >= 2):
                return code
        return None

    def create(self, name: str, code: str | None) -> str:
        """Plan a new township (its code allocated when not given); returns the code."""
        if code is None:
            code = self._allocate_code(name)
        self.created[name] = code
        return code

    def name_of(self, code: str) -> str:
        """The name of a township of the ledger or planned here ("" when unknown)."""
        return self.known.get(code) or next((n for n, c in self.created.items() if c == code), "")

    def _allocate_code(self, name: str) -> str:
        # digits 7–9 of the 统计用区划代码: 001–099 街道, 100–199 镇, 200–399 乡, 400+ others
        if name.endswith(("街道", "办事处")):
            span = range(1, 100)
        elif name.endswith("镇"):
            span = range(100, 200)
        elif name.endswith("乡"):
            span = range(200, 400)
        else:
            span = range(400, 1000)
        county = self.own_code[:6]
        used = set(self.known) | set(self.created.values()) | self.enrolled
        for n in span:
            code = f"{county}{n:03d}"
            if code not in used:
                return code
        raise UserError(f"无法为乡镇“{name}”分配代码，请在表中填写乡镇代码")
