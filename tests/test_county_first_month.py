"""#15's scenario: a county's first month, end to end, mostly through the CLI.

盂县 (profile yuxian) sets up, hands its certificate to 秀水镇 and 南娄镇; 秀水镇's ledger is
also copied to a second laptop (one key per office code, docs/sync-format.md: a second
laptop is the same site). Then, as a county meets it in its first weeks:

1. both townships' first packages are enrolled in one command;
2. the county imports the statistics bureau's annual list, naming townships as people write
   them: no twin township, the revenue kept as the list's year, 2,100万 flagged;
3. the county moves an enterprise from 秀水镇 to 南娄镇 (and corrects its address);
4. 秀水镇, its second laptop and 南娄镇 send packages made before they learned, written to
   one stick in the same minute;
5. the county imports the three at once: nothing refused, the move reported, the address
   both offices changed listed as a conflict, in Chinese;
6. the county answers: the old township shows the move, the new one holds the enterprise
   with its history, the offices converge, every township has its target, and the moved
   enterprise's 一户一册 prints at its new township.
"""

from __future__ import annotations

import json
import re
import shutil
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path

import pytest
from excel_build import credit, write_xlsx
from reports_helpers import pdf_pages

from shengui_desktop import cli
from shengui_desktop.services.sync import list_conflicts as sync_list_conflicts
from shengui_desktop.services.ledger.enterprises import update_enterprise
from shengui_desktop.services.ledger.figures import record_month
from shengui_desktop.storage.files import open_ledger
from shengui_desktop.storage.keyslots import keys_path_for
from shengui_desktop.storage.ledger import monthly_figure_id
from shengui_desktop.sync import exporter

from conftest import PASSWORD

COUNTY = ("140322", "盂县")
XIUSHUI, NANLOU = ("140322100", "秀水镇"), ("140322103", "南娄镇")
TARGETS_YEAR = 2024  # the year 盂县's profile allocates
LIST_YEAR = date.today().year - 1  # an annual list is last year's ("2025年规下工业企业名单" in 2026)
_last_month = date.today().replace(day=1).toordinal() - 1
MONTH = date.fromordinal(_last_month).strftime("%Y-%m")  # the month the townships report
NEXT_MONTH = date.today().strftime("%Y-%m")

# the townships' own enterprises (秀水镇's first one is the one the county moves)
MOVED = ("盂县晋航（山西）耐材有限公司", credit(1))
BIG = ("盂县秀水铸造有限公司", credit(2))        # 2,100万 in the annual list
LAPTOP2 = ("盂县秀水机械厂", credit(3))          # visited from the second laptop
NANLOU_OWN = ("盂县南娄耐火材料有限公司", credit(11))
NEW_IN_LIST = ("盂县南娄新型建材有限公司", credit(12))  # only in the county's annual list

SUMMARY = "第一段：生产正常，订单饱满。\n第二段：用电（千瓦时）增长！"


@pytest.fixture
def env(monkeypatch):
    monkeypatch.setenv("SHENGUI_PASSPHRASE", PASSWORD)


def run(capsys, *args) -> str:
    code = cli.main([str(a) for a in args])
    out, err = capsys.readouterr()
    assert code == 0, f"shengui {' '.join(map(str, args))}: {err}{out}"
    return out


def run_json(capsys, *args):
    return json.loads(run(capsys, *args, "--json"))


def opened(path: Path):
    return open_ledger(path, passphrase=PASSWORD, user="admin")


def same_minute(monkeypatch) -> None:
    """Every export from now on happens in one minute (the minute of this call)."""
    fixed = datetime.now().replace(second=12, microsecond=0)

    class Fixed(datetime):
        @classmethod
        def now(cls, tz=None):
            return fixed.astimezone(tz) if tz else fixed

    monkeypatch.setattr(exporter, "datetime", Fixed)


def synced(ledger, table: str, where: str, params: tuple) -> list[tuple]:
    cols = ", ".join(("id", *ledger.spec(table).columns))
    return ledger.conn.execute(f"SELECT {cols} FROM {table} WHERE {where} ORDER BY id", params).fetchall()


def state_of(ledger, ent: str) -> dict:
    """The enterprise's record and its history, synced columns (as tests/test_sync_moves.py)."""
    return {"enterprise": synced(ledger, "enterprises", "id = ?", (ent,)),
            **{t: synced(ledger, t, "enterprise_id = ?", (ent,))
               for t in ("monthly_figures", "annual_figures", "visits", "issues", "pool_events")}}


def annual_of(ledger, credit_codes) -> dict[str, list[tuple]]:
    """The annual figures (synced columns) of these enterprises, by credit code."""
    cols = ", ".join(f"a.{c}" for c in ("id", *ledger.spec("annual_figures").columns))
    out = {}
    for code in credit_codes:
        out[code] = ledger.conn.execute(
            f"SELECT {cols} FROM annual_figures a JOIN enterprises e ON e.id = a.enterprise_id"
            " WHERE e.credit_code = ? ORDER BY a.year", (code,)).fetchall()
    return out


@contextmanager
def opened_all(paths: dict[str, Path]):
    """The county's, 秀水镇's (both laptops') and 南娄镇's ledgers, closed afterwards."""
    ledgers = [opened(paths[key]) for key in ("C", "A", "A2", "B")]
    try:
        yield ledgers
    finally:
        for ledger in ledgers:
            ledger.close()


def enterprise_id(ledger, credit_code: str) -> str:
    return ledger.scalar("SELECT id FROM enterprises WHERE credit_code = ?", (credit_code,))


@pytest.fixture
def offices(tmp_path, env, capsys):
    """盂县 chose the profile at set-up; 秀水镇 and 南娄镇 were set up with its certificate and
    imported their enterprise lists; each exported its first package; 秀水镇's ledger was then
    copied to a second laptop. Returns the ledger paths, the fingerprints and the packages."""
    paths = {"C": tmp_path / "county.sgdb", "A": tmp_path / "xiushui.sgdb",
             "B": tmp_path / "nanlou.sgdb", "A2": tmp_path / "laptop2" / "xiushui.sgdb"}
    made = run_json(capsys, "init", "--db", paths["C"], "--role", "county", "--name", COUNTY[1],
                    "--area-code", COUNTY[0], "--profile", "yuxian")
    assert made["fingerprint"]
    cert = tmp_path / "county.cert.json"
    run(capsys, "cert", "export", "--db", paths["C"], "--out", cert)
    fingerprints, first = {}, {}
    for key, (code, name), own in (("A", XIUSHUI, [MOVED, BIG, LAPTOP2]), ("B", NANLOU, [NANLOU_OWN])):
        made = run_json(capsys, "init", "--db", paths[key], "--role", "township", "--name", name,
                        "--area-code", code, "--county-cert", cert)
        fingerprints[key] = made["fingerprint"]
        listing = write_xlsx(tmp_path / f"{code}-企业名单.xlsx",
                             [["企业名称", "统一社会信用代码"], *([n, c] for n, c in own)])
        imported = run_json(capsys, "excel", "import", "--db", paths[key], listing)
        assert imported["ok"], imported
        [package] = run_json(capsys, "sync", "export", "--db", paths[key], "--out", tmp_path / f"usb-{key}")
        first[key] = Path(package["file"])
    paths["A2"].parent.mkdir()
    shutil.copy(paths["A"], paths["A2"])
    shutil.copy(keys_path_for(paths["A"]), keys_path_for(paths["A2"]))
    return {"paths": paths, "fingerprints": fingerprints, "first": first}


def test_a_countys_first_month(offices, tmp_path, monkeypatch, capsys):
    paths, fps = offices["paths"], offices["fingerprints"]
    county = paths["C"]

    # -- 1. enrolment: both first packages in one command, one fingerprint each -----------------
    results = run_json(capsys, "sync", "import", "--db", county, "--accept-new-site", fps["A"],
                       "--accept-new-site", fps["B"], offices["first"]["A"], offices["first"]["B"])
    assert sorted((r["sender"], r["status"], r["enrolled"]) for r in results) == [
        ("南娄镇", "imported", True), ("秀水镇", "imported", True)]
    listed = {t["code"]: t for t in run_json(capsys, "townships", "list", "--db", county)}
    assert {code: (t["name"], t["enrolled"], t["enterprises"]) for code, t in listed.items()} == {
        XIUSHUI[0]: ("秀水镇", True, 3), NANLOU[0]: ("南娄镇", True, 1)}
    text = run(capsys, "townships", "list", "--db", county)
    assert f"{XIUSHUI[0]}  秀水镇  企业3户" in text and f"{NANLOU[0]}  南娄镇  企业1户" in text

    # -- 2. the annual list: townships by name as written, revenue as the list's year ----------
    annual_list = write_xlsx(tmp_path / f"{LIST_YEAR}年规下工业企业名单.xlsx", [
        [f"{LIST_YEAR}年规下工业企业名单"],
        ["企业名称", "统一社会信用代码", "所属乡镇", "营业收入（万元）"],
        ["盂县晋航(山西)耐材有限公司", MOVED[1], "秀水镇", 850],  # half-width brackets
        [BIG[0], BIG[1], " 秀水镇 ", "2,100"],
        [LAPTOP2[0], LAPTOP2[1], "盂县秀水镇", 420.5],
        [NANLOU_OWN[0], NANLOU_OWN[1], "南娄　镇", 1300],  # an ideographic space
        [NEW_IN_LIST[0], NEW_IN_LIST[1], "（南娄镇）", 960],  # full-width brackets
    ])
    dry = run_json(capsys, "excel", "import", "--db", county, "--dry-run", annual_list)
    assert dry["ok"], dry
    done = run_json(capsys, "excel", "import", "--db", county, annual_list)
    assert done["ok"], done
    listed = run_json(capsys, "townships", "list", "--db", county)
    assert sorted((t["code"], t["name"]) for t in listed) == [XIUSHUI, NANLOU]  # no twin
    rows = {r["credit_code"]: r for r in run_json(capsys, "list", "enterprises", "--db", county)}
    assert {c: (r["name"], r["township_code"], r["township_name"]) for c, r in rows.items()} == {
        MOVED[1]: (MOVED[0], *XIUSHUI),  # the list's (山西) matched it and did not rename it
        BIG[1]: (BIG[0], *XIUSHUI), LAPTOP2[1]: (LAPTOP2[0], *XIUSHUI),
        NANLOU_OWN[1]: (NANLOU_OWN[0], *NANLOU), NEW_IN_LIST[1]: (NEW_IN_LIST[0], *NANLOU)}
    assert {c: r["latest_annual_revenue"] for c, r in rows.items()} == {
        MOVED[1]: 8_500_000, BIG[1]: 21_000_000, LAPTOP2[1]: 4_205_000,
        NANLOU_OWN[1]: 13_000_000, NEW_IN_LIST[1]: 9_600_000}
    big = rows[BIG[1]]
    assert "reached_scale_not_entered" in big["flags"]
    assert big["suggested_pool"] == "cultivation" and "2,100万元" in big["suggested_pool_reason"]
    with opened(county) as c:
        assert c.rows("SELECT DISTINCT year FROM annual_figures") == [{"year": LIST_YEAR}]
        assert c.scalar("SELECT count(*) FROM annual_figures") == 5
        assert c.scalar("SELECT count(*) FROM monthly_figures") == 0  # not spread over months

        # -- 3. the county moves 晋航 to 南娄镇 and corrects its address -------------------------
        moved = enterprise_id(c, MOVED[1])
        update_enterprise(c, moved, {"township_code": NANLOU[0]})
        update_enterprise(c, moved, {"address": "南娄镇工业园区8号"})

    # -- 4. packages made before they learned, to one stick in the same minute -----------------
    with opened(paths["A"]) as a:
        other = enterprise_id(a, BIG[1])
        record_month(a, moved, MONTH, {"revenue": 1_500_000})
        update_enterprise(a, moved, {"address": "秀水镇老街5号"})
        record_month(a, other, MONTH, {"revenue": 2_600_000})
    run(capsys, "visit", "add", "--db", paths["A"], "--credit-code", MOVED[1], "--visitors", "张三",
        "--summary", SUMMARY)
    run(capsys, "visit", "add", "--db", paths["B"], "--credit-code", NANLOU_OWN[1],
        "--visitors", "李四", "--summary", "南娄镇走访")
    run(capsys, "visit", "add", "--db", paths["A2"], "--credit-code", LAPTOP2[1],
        "--visitors", "王五", "--summary", "二号电脑走访")
    usb = tmp_path / "usb"
    same_minute(monkeypatch)
    exported = {key: run_json(capsys, "sync", "export", "--db", paths[key], "--out", usb)
                for key in ("A", "B", "A2")}
    files = sorted(usb.glob("*.sgpkg"))
    assert len(files) == 3 and {Path(e["file"]) for [e] in exported.values()} == set(files)
    [first], [second] = exported["A"], exported["A2"]
    assert first["package_no"] == second["package_no"] == 2  # one site: numbered alike
    assert second["file"] == first["file"].replace(".sgpkg", "-2.sgpkg")
    assert any("未覆盖" in n for n in second["notices"])
    assert len(list(usb.glob(f"*{XIUSHUI[0]}*"))) == 2 and len(list(usb.glob(f"*{NANLOU[0]}*"))) == 1

    # -- 5. the county imports all three in one command ---------------------------------------
    results = run_json(capsys, "sync", "import", "--db", county, *files)
    assert [r["status"] for r in results] == ["imported"] * 3
    warnings = [w for r in results for w in r["warnings"]]
    # the move is reported ...
    assert any("南娄镇" in w and "划转" in w and MOVED[0] in w for w in warnings), warnings
    # ... and so is the ledger that runs on two computers (one site, docs/sync-format.md)
    assert any("另一个第2号包" in w and "两台电脑" in w for w in warnings), warnings
    listed = run(capsys, "conflicts", "list", "--db", county)
    assert "地址" in listed and "address" not in listed and "共1处冲突" in listed
    assert "南娄镇工业园区8号" in listed and "秀水镇老街5号" in listed
    with opened(county) as c:
        assert {v["summary"] for v in c.rows("SELECT summary FROM visits")} == {
            SUMMARY, "南娄镇走访", "二号电脑走访"}  # the line break intact, laptop 2's arrived
        assert c.get("monthly_figures", monthly_figure_id(other, MONTH))["revenue"] == 2_600_000

    # -- 6. the county answers; every office imports -----------------------------------------
    answers = tmp_path / "usb-county"
    sent = run_json(capsys, "sync", "export", "--db", county, "--out", answers)
    to = {p["recipient"]: Path(p["file"]) for p in sent}
    assert set(to) == {"秀水镇", "南娄镇"}
    assert XIUSHUI[0] in to["秀水镇"].name and NANLOU[0] in to["南娄镇"].name
    for key, name in (("A", "秀水镇"), ("A2", "秀水镇"), ("B", "南娄镇")):
        [result] = run_json(capsys, "sync", "import", "--db", paths[key], to[name])
        assert result["status"] == "imported", result

    # the old township (both laptops): the enterprise left its list, with the notice
    for key in ("A", "A2"):
        text = run(capsys, "list", "enterprises", "--db", paths[key])
        own, _, away = text.partition("另有1户已由县级划转至其他乡镇")
        assert MOVED[0] not in own and re.search(
            rf"{re.escape(MOVED[0])}（{MOVED[1]}）已划转至南娄镇（\d{{4}}-\d\d-\d\d）", away), text
        own_rows = run_json(capsys, "list", "enterprises", "--db", paths[key])
        assert sorted(r["credit_code"] for r in own_rows) == sorted([BIG[1], LAPTOP2[1]])
    # the new township lists it as its own
    own_rows = {r["credit_code"]: r for r in run_json(capsys, "list", "enterprises", "--db", paths["B"])}
    assert set(own_rows) == {MOVED[1], NANLOU_OWN[1], NEW_IN_LIST[1]}
    assert own_rows[MOVED[1]]["township_name"] == "南娄镇"
    assert own_rows[MOVED[1]]["latest_annual_revenue"] == 8_500_000

    with opened_all(paths) as (c, a, a2, b):
        # with its history: 秀水镇's visit (multi-line summary intact) and month
        [visit] = b.rows("SELECT * FROM visits WHERE enterprise_id = ?", (moved,))
        assert (visit["summary"], visit["visitors"]) == (SUMMARY, "张三")
        assert b.get("monthly_figures", monthly_figure_id(moved, MONTH))["revenue"] == 1_500_000
        # the county, 秀水镇 and 南娄镇 converge on the moved enterprise and the annual figures
        assert state_of(a, moved) == state_of(c, moved) == state_of(b, moved)
        codes = {"A": [MOVED[1], BIG[1], LAPTOP2[1]], "A2": [MOVED[1], BIG[1], LAPTOP2[1]],
                 "B": [MOVED[1], NANLOU_OWN[1], NEW_IN_LIST[1]]}
        for key, ledger in (("A", a), ("A2", a2), ("B", b)):
            assert annual_of(ledger, codes[key]) == annual_of(c, codes[key]), key
        assert len(sum(annual_of(c, codes["A"] + codes["B"]).values(), [])) == 5
        # the second laptop is the same site as the first (one key per office code): the county
        # counts what either wrote as 秀水镇's own and never sends it back, so neither laptop
        # gets the other's entries (the county's import warned, above). It holds what the
        # county and 南娄镇 wrote: the move and the annual figures.
        assert a2.get("enterprises", moved)["township_code"] == NANLOU[0]
        assert state_of(a2, moved)["visits"] == [] and state_of(a2, moved)["monthly_figures"] == []
        assert [v["summary"] for v in a.rows("SELECT summary FROM visits")] == [SUMMARY]
        # the address both offices changed is the county's to decide, open at each township
        [open_at_county] = sync_list_conflicts(c)
        assert open_at_county["row_id"] == moved and open_at_county["field"] == "address"

    # every township has its target, at the county and at each township
    at_county = {t["name"]: t for t in run_json(capsys, "targets", "--db", county,
                                                 "--year", TARGETS_YEAR)["townships"]}
    assert {n: (t["target"], t["registered"], t["key"]) for n, t in at_county.items()
            if t["registered"]} == {"秀水镇": (4, True, XIUSHUI[0]), "南娄镇": (1, True, NANLOU[0])}
    assert len(at_county) == 7  # the others the profile names are listed as 未登记
    for key, (code, name), target in (("A", XIUSHUI, 4), ("A2", XIUSHUI, 4), ("B", NANLOU, 1)):
        lines = {t["name"]: t for t in run_json(capsys, "targets", "--db", paths[key],
                                                "--year", TARGETS_YEAR)["townships"]}
        assert (lines[name]["target"], lines[name]["registered"], lines[name]["key"]) == (target, True, code)

    # 一户一册 of the moved enterprise prints at 南娄镇
    dossier = tmp_path / "一户一册.pdf"
    run(capsys, "report", "dossier", "--db", paths["B"], "--credit-code", MOVED[1], "--out", dossier)
    assert dossier.read_bytes().startswith(b"%PDF")
    if shutil.which("pdftotext"):
        text = "\n".join(pdf_pages(dossier))
        assert MOVED[0] in text and "第一段：生产正常，订单饱满。" in text
        lines = [line for line in text.splitlines() if "第一段" in line or "第二段" in line]
        assert len(lines) == 2 and "第二段" not in lines[0], lines  # the paragraphs kept apart

    # -- afterwards: the county decides the conflict; the townships write on --------------------
    [conflict] = run_json(capsys, "conflicts", "list", "--db", county)
    run(capsys, "conflicts", "resolve", "--db", county, conflict["id"], "--keep", "local")
    with opened(paths["A"]) as a:
        # what 秀水镇 writes about the enterprise now that it knows is kept back (known limitation)
        record_month(a, moved, NEXT_MONTH, {"revenue": 9_900_000})
        record_month(a, other, NEXT_MONTH, {"revenue": 2_700_000})
    [later] = run_json(capsys, "sync", "export", "--db", paths["A"], "--out", tmp_path / "usb-2")
    assert later["counts"] == {"monthly_figures": 1}
    assert any("南娄镇" in n and "划转" in n for n in later["notices"]), later
    [result] = run_json(capsys, "sync", "import", "--db", county, later["file"])
    assert result["status"] == "imported"
    sent = run_json(capsys, "sync", "export", "--db", county, "--out", tmp_path / "usb-county-2")
    to = {p["recipient"]: Path(p["file"]) for p in sent}
    for key, name in (("A", "秀水镇"), ("A2", "秀水镇"), ("B", "南娄镇")):
        [result] = run_json(capsys, "sync", "import", "--db", paths[key], to[name])
        assert result["status"] == "imported", result
    with opened_all(paths) as (c, a, a2, b):
        assert c.get("monthly_figures", monthly_figure_id(moved, NEXT_MONTH)) is None
        assert c.get("monthly_figures", monthly_figure_id(other, NEXT_MONTH))["revenue"] == 2_700_000
        record = synced(c, "enterprises", "id = ?", (moved,))
        assert all(synced(x, "enterprises", "id = ?", (moved,)) == record for x in (a, a2, b))
        assert c.get("enterprises", moved)["address"] == "南娄镇工业园区8号"
        # 秀水镇 alone holds the month it kept back; apart from it, all three agree
        at_a = state_of(a, moved)
        kept = [r for r in at_a["monthly_figures"] if r[0] == monthly_figure_id(moved, NEXT_MONTH)]
        assert len(kept) == 1 and kept[0][3] == 9_900_000
        at_a["monthly_figures"].remove(kept[0])
        assert at_a == state_of(c, moved) == state_of(b, moved)
        assert all(sync_list_conflicts(x) == [] for x in (c, a, a2, b))
