"""The words of an import: which fields an enterprise list fills, the words people write
for a status or a pool, the money unit assumed, and the patterns cells are read with."""

from __future__ import annotations

import re

from ...domain import industry
from ...domain.money import IMPLAUSIBLE_YUAN  # noqa: F401  (the import's name for it)
from ...domain.records import POOLS
from ...domain.text import clean
from ...spreadsheets.columns import FIGURE_FIELDS, LABELS

ENTERPRISE_FIELDS = ("name", "credit_code", "township", "township_code", "industry_code",
                     "industry_name", "stat_status", "pool", "source", "department",
                     "liaison_cadre", "legal_person", "contact_person", "contact_phone",
                     "address", "established_date", "entered_stats_date", "exited_stats_date",
                     "tags", "note")
TEXT_FIELDS = ("liaison_cadre", "legal_person", "contact_person", "address", "note")
# of TEXT_FIELDS, the narratives: read as typed, line breaks kept (cells.narrative_text); the
# others are people's names, read as given (cells.name_text)
NARRATIVE_FIELDS = ("address", "note")
# fields kept as the list writes them: a value that differs from the ledger's only in width,
# brackets or spaces (match_key) is no change, and the stored spelling stays
WRITTEN_FIELDS = frozenset(("name", *TEXT_FIELDS))
DATE_FIELDS = ("established_date", "entered_stats_date", "exited_stats_date")
STATUS_WORDS = {"规上": "above_scale", "规模以上": "above_scale", "是": "above_scale",
                "规下": "below_scale", "规模以下": "below_scale", "否": "below_scale",
                "已退规": "exited", "退规": "exited"}
POOL_WORDS = {**{v: k for k, v in POOLS.items()}, "基础库": "base", "入统": "entry",
              "退规风险": "exit_risk", "无": "none", "": "none"}
DEFAULT_MONEY_UNIT = "万元"
NINE_DIGITS = re.compile(r"\d{9}")
CODE_DIGITS = re.compile(r"\d{2,4}")
DIVISION_PREFIX = re.compile(r"^[A-T]?\d{2,4}")
TAG_SEPARATORS = re.compile(r"[、,，;；/\s]+")

# a field's name in a listed change ("联系电话：… → …")
FIELD_LABELS = {**LABELS, "township_code": "乡镇（街道）", "department_id": "责任单位"}
# the column a problem is shown at when the row has the other one of the pair
ALTERNATE_COLUMN = {"township_code": "township", "township": "township_code",
                    "industry_code": "industry_name", "department_id": "department"}
# a planned month: (id, enterprise_id, period, *FIGURE_FIELDS)
FIGURE_INSERT_COLUMNS = ("id", "enterprise_id", "period", *FIGURE_FIELDS)
# a planned year (年度数): (id, enterprise_id, year, *FIGURE_FIELDS, source)
ANNUAL_INSERT_COLUMNS = ("id", "enterprise_id", "year", *FIGURE_FIELDS, "source")

DIVISION_NAMES = {name: code for code, (_section, name) in industry.DIVISIONS.items()}


def division_by_name(text: str) -> str | None:
    """The industry division a cell names ("C33金属制品业" or "金属制品业"), if any."""
    text = clean(text).replace(" ", "")
    text = DIVISION_PREFIX.sub("", text)
    if not text:
        return None
    return DIVISION_NAMES.get(text)
