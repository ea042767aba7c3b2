"""This office in its own ledger: its site row, how much of its work is still unsent, and
what the 关于 box says about the program and the ledger.

Setting an office up lives in :mod:`.setup`; its names are importable from here as before.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import metadata
from typing import TYPE_CHECKING

from ...storage import migrations, origins


if TYPE_CHECKING:
    from ...storage.ledger import Ledger


def this_site(ledger: Ledger) -> dict:
    """This office: role, name, area code, keys' fingerprint (the row of `sites`)."""
    return ledger.this_site()


# the highest number written under an origin: a lookup of version_vector's primary key
LATEST_SQL = "SELECT max_seq FROM version_vector WHERE site_id = ?"


def unsynced_change_count(ledger: Ledger) -> int:
    """Changes made at this site that no package has carried yet.

    First approximation until sync records what was exported: per origin this ledger wrote
    under (the site id, a copy's own, the ones it descends from: origins.own_origins), the
    numbers beyond the highest a peer has acknowledged (0 when nothing was ever sent). One
    counter numbers the ledger's changes in turn (origins.first_seq), so this is a
    subtraction per origin, never a pass over the change log: counting a copy's entries
    there took 6.7 s at a province on the window's thread (#20). A number a rolled-back
    savepoint used counts too.
    """
    vectors = []
    for (vector,) in ledger.conn.execute("SELECT acked_vector FROM peer_state"):
        try:
            vectors.append(dict(json.loads(vector or "{}")))
        except (ValueError, TypeError):
            continue
    count = 0
    for origin in origins.own_origins(ledger):
        acked = 0
        for vector in vectors:
            try:
                acked = max(acked, int(vector.get(origin, 0)))
            except (ValueError, TypeError):
                continue
        latest = ledger.scalar(LATEST_SQL, (origin,)) or 0
        count += max(0, latest - max(acked, origins.first_seq(ledger, origin) - 1))
    return count


DISTRIBUTION = "shengui-desktop"
OFFICE_KINDS = {"township": "乡镇台账", "county": "县级台账"}


def program_version() -> str:
    """The installed package's version (its metadata); a build without metadata says so."""
    try:
        return metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        return "未知（安装包缺少版本信息）"


@dataclass(frozen=True)
class About:
    """The program and this office's ledger, for the 关于 box and the 设置 page."""

    version: str
    schema_version: int  # of this ledger
    schema_latest: int  # the newest this program knows
    office: str
    office_kind: str  # township / county
    area_code: str
    fingerprint: str  # this office's keys (read aloud when a peer enrols it)
    ledger_path: str
    user: str | None  # signed in; None: opened with the recovery code

    def lines(self) -> list[tuple[str, str]]:
        """(label, value) in the order shown."""
        schema = str(self.schema_version)
        if self.schema_version != self.schema_latest:
            schema += f"（本程序为{self.schema_latest}）"
        return [
            ("程序版本", self.version),
            ("数据库版本", schema),
            ("单位", f"{self.office}（{OFFICE_KINDS.get(self.office_kind, self.office_kind)}）"),
            ("区划代码", self.area_code),
            ("本单位密钥指纹", self.fingerprint or "（未生成）"),
            ("台账文件", self.ledger_path),
            ("当前用户", self.user or "（用恢复码打开）"),
        ]

    def as_dict(self) -> dict:
        return {"version": self.version, "schema_version": self.schema_version,
                "schema_latest": self.schema_latest, "office": self.office,
                "office_kind": self.office_kind, "area_code": self.area_code,
                "fingerprint": self.fingerprint, "ledger_path": self.ledger_path, "user": self.user}


def about(ledger: Ledger) -> About:
    """Version, schema version, this office's key fingerprint and the ledger's path."""
    me = this_site(ledger) or {}
    return About(
        version=program_version(),
        schema_version=migrations.current_version(ledger.conn),
        schema_latest=migrations.latest_version(),
        office=me.get("name") or "", office_kind=me.get("role") or "",
        area_code=me.get("area_code") or "", fingerprint=me.get("fingerprint") or "",
        ledger_path=str(ledger.path) if ledger.path is not None else "（内存）",
        user=ledger.user)
