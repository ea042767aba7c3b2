"""Which township a row's enterprise belongs to: the ledger's townships, and at a county
the ones a file names that are new (planned, written with the enterprises)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...domain.text import match_key
from ...errors import UserError
from ...spreadsheets.layout import Layout
from ..office.site import this_site
from .vocabulary import NINE_DIGITS

if TYPE_CHECKING:
    from ...storage.ledger import Ledger


class Townships:
    def __init__(self, ledger: Ledger):
        self.role = ledger.meta("role")
        site = this_site(ledger)
        self.own_code = site["area_code"] if site else ""
        self.known = {r["code"]: r["name"] for r in ledger.rows("SELECT code, name FROM townships")}
        # by the match_key of the name: 秀水　镇 or 秀水镇 finds the township stored as 秀水镇
        self.known_names = {match_key(name): code for code, name in self.known.items()}
        self.created: dict[str, str] = {}  # name as written → code, planned by this import

    def decision(self, layout: Layout, name: str, code: str, *, required: bool):
        """(code found, (field, problem) or None, (name, code or None) to create or None),
        without reporting or creating anything."""
        if NINE_DIGITS.fullmatch(match_key(name)):  # a code in the name column (full-width too)
            code, name = match_key(name), ""
        found = None
        if code:
            if not NINE_DIGITS.fullmatch(code):
                return None, ("township_code", f"乡镇代码“{code}”应为9位数字"), None
            found = code if code in self.known or code in self.created.values() else None
            if found is None:
                if self.role == "county" and name:
                    return None, None, (name, code)
                elif self.role == "county":
                    return None, ("township_code",
                                  f"乡镇代码{code}不在本台账的乡镇列表中，请同时填写乡镇名称"), None
        elif name:
            found = self.named(name)
            if found is None:
                if self.role == "county":
                    return None, None, (name, None)
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

    def named(self, name: str) -> str | None:
        """The code of a township written by name, planned ones included; names are
        compared by match_key."""
        name = match_key(name)  # the keys of known_names are too
        if name in self.known_names:
            return self.known_names[name]
        for given, code in self.created.items():
            if match_key(given) == name:
                return code
        for known, code in self.known_names.items():
            # "盂县秀水镇" or "秀水" for "秀水镇"
            if known in name or (known.startswith(name) and len(known) - len(name) <= 2
                                 and len(name) >= 2):
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
        used = set(self.known) | set(self.created.values())
        for n in span:
            code = f"{county}{n:03d}"
            if code not in used:
                return code
        raise UserError(f"无法为乡镇“{name}”分配代码，请在表中填写乡镇代码")
