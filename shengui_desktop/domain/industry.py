"""GB/T 4754-2017: the 41 industrial divisions (sections B, C, D) as data."""

from __future__ import annotations

import re

from .text import clean

SECTIONS = {"B": "采矿业", "C": "制造业", "D": "电力、热力、燃气及水生产和供应业"}

# division code → (section, name)
DIVISIONS: dict[str, tuple[str, str]] = {
    code: (section, name)
    for section, rows in {
        "B": [
            ("06", "煤炭开采和洗选业"), ("07", "石油和天然气开采业"), ("08", "黑色金属矿采选业"),
            ("09", "有色金属矿采选业"), ("10", "非金属矿采选业"), ("11", "开采专业及辅助性活动"),
            ("12", "其他采矿业"),
        ],
        "C": [
            ("13", "农副食品加工业"), ("14", "食品制造业"), ("15", "酒、饮料和精制茶制造业"),
            ("16", "烟草制品业"), ("17", "纺织业"), ("18", "纺织服装、服饰业"),
            ("19", "皮革、毛皮、羽毛及其制品和制鞋业"),
            ("20", "木材加工和木、竹、藤、棕、草制品业"), ("21", "家具制造业"),
            ("22", "造纸和纸制品业"), ("23", "印刷和记录媒介复制业"),
            ("24", "文教、工美、体育和娱乐用品制造业"), ("25", "石油、煤炭及其他燃料加工业"),
            ("26", "化学原料和化学制品制造业"), ("27", "医药制造业"), ("28", "化学纤维制造业"),
            ("29", "橡胶和塑料制品业"), ("30", "非金属矿物制品业"),
            ("31", "黑色金属冶炼和压延加工业"), ("32", "有色金属冶炼和压延加工业"),
            ("33", "金属制品业"), ("34", "通用设备制造业"), ("35", "专用设备制造业"),
            ("36", "汽车制造业"), ("37", "铁路、船舶、航空航天和其他运输设备制造业"),
            ("38", "电气机械和器材制造业"), ("39", "计算机、通信和其他电子设备制造业"),
            ("40", "仪器仪表制造业"), ("41", "其他制造业"), ("42", "废弃资源综合利用业"),
            ("43", "金属制品、机械和设备修理业"),
        ],
        "D": [
            ("44", "电力、热力生产和供应业"), ("45", "燃气生产和供应业"), ("46", "水的生产和供应业"),
        ],
    }.items()
    for code, name in rows
}

_CODE = re.compile(r"^([A-T])?(\d{2}(?:\d{1,2})?)$")


def normalise(raw: object) -> str:
    """'C3311', 'c33', ' 3311 ', '33 金属制品业' → digits only ('3311', '33'); '' if empty.

    Returns the raw cleaned text unchanged when it is not a code, so validation can say why.
    """
    text = clean(raw).upper().replace(" ", "")
    if not text:
        return ""
    head = re.match(r"^[A-T]?\d{2,4}", text)
    code = _CODE.match(head.group(0)) if head else None
    if code:
        return code.group(2)
    return text


def division_of(code: str) -> str | None:
    return code[:2] if code and code[:2].isdigit() else None


def is_industrial(code: str) -> bool:
    return division_of(code) in DIVISIONS


def section_of(code: str) -> str | None:
    d = DIVISIONS.get(division_of(code) or "")
    return d[0] if d else None


def describe(code: str) -> str:
    d = DIVISIONS.get(division_of(code) or "")
    return f"{code} {d[1]}" if d else code


def check(code: str) -> str | None:
    """None when fine; a Chinese message when the code is not a GB/T 4754 code at all."""
    if not code:
        return None
    if not re.fullmatch(r"\d{2}|\d{3}|\d{4}", code):
        return f"行业代码“{code}”格式不正确，应为2–4位数字（可带门类字母，如C3311）"
    return None
