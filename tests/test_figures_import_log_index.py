"""#20: a spreadsheet whose new records are most of the change log (a county's first 月度数据
sheet) builds the log's owner index once at the end of its write (Ledger.log_indexes_deferred)
instead of taking each new entry at a random place: the same log, owners included; a cancel
on the way leaves the index and the ledger as they were; a sheet into a longer log keeps it."""

from __future__ import annotations

import shutil
import threading

import pytest
from excel_build import credit, write_xlsx

from shengui_desktop.progress import ImportCancelled
from shengui_desktop.services.excel import import_file
from shengui_desktop.services.excel import planner
from shengui_desktop.storage.files import open_ledger

from helpers import content_hash, owner_index, owner_index_steps

PASSWORD = "log-index-pass-1"
COMPANIES = 60


def _name(n: int) -> str:
    return f"盂县第{n}机械制造有限公司"


def _months(companies: int, year: int = 2024) -> list[list]:
    rows = [["单位：万元"], ["统一社会信用代码", "企业名称", "月份", "主营业务收入", "从业人员"]]
    rows += [[credit(c), _name(c), f"{year}-{m:02d}", 100 + c + m, 20 + c % 7]
             for c in range(1, companies + 1) for m in range(1, 13)]
    return rows


@pytest.fixture
def county(tmp_path):
    """A county ledger holding COMPANIES enterprises (imported from a list), closed after."""
    from shengui_desktop.services.ledger import reference
    from shengui_desktop.services.office.setup import init_office

    ledger, _ = init_office(tmp_path / "ledgers" / "county.sgdb", role="county", name="盂县",
                            area_code="140322", admin_user="admin", password=PASSWORD)
    reference.add_township(ledger, "140322100", "秀水镇")
    listing = [["企业名称", "统一社会信用代码", "乡镇"]]
    listing += [[_name(n), credit(n), "秀水镇"] for n in range(1, COMPANIES + 1)]
    assert import_file(ledger, write_xlsx(tmp_path / "list.xlsx", listing)).applied
    ledger.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    yield ledger
    ledger.close()


def log_rows(ledger) -> list:
    """The log without its clock stamps (two imports a moment apart differ in those only)."""
    return ledger.conn.execute("SELECT seq, tbl, row_id, op, data, base, site_id, site_seq, person,"
                               " owner FROM change_log ORDER BY seq").fetchall()


def test_a_first_figures_sheet_builds_the_owner_index_at_its_end_same_log(county, tmp_path,
                                                                           monkeypatch):
    sheet = write_xlsx(tmp_path / "months.xlsx", _months(COMPANIES))
    other = tmp_path / "other"
    shutil.copytree(tmp_path / "ledgers", other)
    index = owner_index(county)
    assert index and county.scalar("SELECT count(*) FROM change_log") < COMPANIES * 12
    steps = owner_index_steps(county)
    monkeypatch.setattr(planner, "LOG_INDEX_DEFERRED_FROM", 1)
    result = import_file(county, sheet)
    assert result.applied and result.figures_created == COMPANIES * 12
    assert steps == ["DROP INDEX change_log_owner", "CREATE INDEX change_log_owner"]
    assert owner_index(county) == index and county.verify() == []
    monkeypatch.setattr(planner, "LOG_INDEX_DEFERRED_FROM", 10**9)
    with open_ledger(other / "county.sgdb", passphrase=PASSWORD) as kept:
        kept_steps = owner_index_steps(kept)
        assert import_file(kept, sheet).applied
        assert kept_steps == []
        assert log_rows(kept) == log_rows(county) and content_hash(kept) == content_hash(county)
    # every month's entry is held by its row, under its enterprise, and in no index (schema
    # 20: a township's package finds it through the row, sync/exporter.py _owned_by)
    assert county.scalar(
        "SELECT count(*) FROM monthly_figures m JOIN change_log o ON o.seq = m.log_seq"
        " WHERE o.data IS NULL AND o.owner = m.enterprise_id") == COMPANIES * 12
    assert county.scalar("SELECT count(*) FROM change_log INDEXED BY change_log_owner"
                         " WHERE owner >= '' AND data IS NOT NULL AND tbl = 'monthly_figures'") == 0


def test_a_cancel_while_writing_leaves_the_owner_index_and_the_ledger(county, tmp_path,
                                                                      monkeypatch):
    sheet = write_xlsx(tmp_path / "months.xlsx", _months(COMPANIES))
    before, index = content_hash(county), owner_index(county)
    entries = county.scalar("SELECT count(*) FROM change_log")
    stop = threading.Event()

    def progress(stage: str, done: int, total: int) -> None:
        if stage == "写入台账" and done > 0:  # the months are written: cancel now
            stop.set()
    monkeypatch.setattr(planner, "LOG_INDEX_DEFERRED_FROM", 1)
    steps = owner_index_steps(county)
    with pytest.raises(ImportCancelled):
        import_file(county, sheet, progress=progress, cancel=stop)
    assert steps == ["DROP INDEX change_log_owner"]  # then the rollback
    assert owner_index(county) == index and content_hash(county) == before
    assert county.scalar("SELECT count(*) FROM change_log") == entries and county.verify() == []


def test_a_sheet_into_a_longer_log_keeps_the_owner_index(county, tmp_path, monkeypatch):
    """Building the index sorts the whole log: not for a sheet of fewer new records than the
    log holds (next year's months of a few enterprises)."""
    monkeypatch.setattr(planner, "LOG_INDEX_DEFERRED_FROM", 1)
    assert import_file(county, write_xlsx(tmp_path / "a.xlsx", _months(COMPANIES))).applied
    steps = owner_index_steps(county)
    result = import_file(county, write_xlsx(tmp_path / "b.xlsx", _months(5, year=2025)))
    assert result.applied and result.figures_created == 60
    assert steps == [] and owner_index(county) and county.verify() == []
