"""Names in an incoming package get the checks the services make where names are typed
(domain.text.name_problem): a package carrying a hidden character or an over-long name is
refused whole, naming the record and the field, and the ledger is exactly as before."""

from __future__ import annotations

import re

import pytest

from shengui_desktop.services import sync as sync_service
from shengui_desktop.sync.errors import PackageRejected

from helpers import content_hash
from sync_helpers import world_fixtures

template, world = world_fixtures("leftover-names")


def state(ledger) -> tuple:
    return (content_hash(ledger), ledger.scalar("SELECT count(*) FROM change_log"),
            ledger.scalar("SELECT count(*) FROM imported_packages"))


def refused(ledger, path) -> str:
    before = state(ledger)
    with pytest.raises(PackageRejected) as info:
        sync_service.import_packages(ledger, [path])
    assert info.value.reason == "invalid"
    assert state(ledger) == before
    return str(info.value) + "\n".join(info.value.details)


@pytest.mark.parametrize(("column", "value", "field"), [
    ("name", "秀水\u202e司公限有\u202c", "企业名称"),            # right-to-left override
    ("name", "秀水\u200b建材有限公司", "企业名称"),                # zero-width space
    ("name", "秀水\x1b[31m建材", "企业名称"),                      # a terminal escape
    ("name", "秀" * 101, "企业名称"),                              # over NAME_LIMITS["enterprise"]
    ("legal_person", "张\u200d三", "法定代表人"),
    ("liaison_cadre", "李" * 41, "包联干部"),
])
def test_a_township_package_with_a_bad_enterprise_name_is_refused(world, tmp_path, column, value, field):
    a, c = world["A"], world["C"]
    ent = a.scalar("SELECT id FROM enterprises ORDER BY credit_code LIMIT 1")
    a.update("enterprises", ent, {column: value, "address": "秀水镇新街1号"})  # the write API checks no names
    path = sync_service.export_packages(a, tmp_path / "usb")[0].path
    message = refused(c, path)
    assert "企业" in message and field in message
    assert ent[:8] in message or "秀水" in message  # names the record


def test_a_visit_with_hidden_characters_in_its_visitors_is_refused(world, tmp_path):
    a, c = world["A"], world["C"]
    ent = a.scalar("SELECT id FROM enterprises ORDER BY credit_code LIMIT 1")
    a.insert("visits", {"enterprise_id": ent, "visit_date": "2026-11-02", "visitors": "李四\u2066王五",
                        "summary": "走访"})
    message = refused(c, sync_service.export_packages(a, tmp_path / "usb")[0].path)
    assert "走访" in message and "走访人员" in message and "U+2066" in message


def test_a_county_package_with_a_bad_township_or_department_name_is_refused(world, tmp_path):
    a, c = world["A"], world["C"]
    code = a.scalar("SELECT area_code FROM sites WHERE is_self = 1")
    township = c.scalar("SELECT id FROM townships WHERE code = ?", (code,))
    c.update("townships", township, {"name": "秀水镇\u200f"})
    message = refused(a, sync_service.export_packages(c, tmp_path / "usb", to=a.site_id)[0].path)
    assert "乡镇名称" in message and "U+200F" in message
    c.update("townships", township, {"name": "秀水镇"})
    c.insert("departments", {"name": "工信" * 21})
    message = refused(a, sync_service.export_packages(c, tmp_path / "usb2", to=a.site_id)[0].path)
    assert "部门名称过长" in message


def test_the_same_package_with_clean_names_imports(world, tmp_path):
    a, c = world["A"], world["C"]
    ent = a.scalar("SELECT id FROM enterprises ORDER BY credit_code LIMIT 1")
    a.update("enterprises", ent, {"name": "秀水（山西）建材有限公司", "legal_person": "欧阳 娜娜"})
    result = sync_service.import_packages(c, [sync_service.export_packages(a, tmp_path / "usb")[0].path])[0]
    assert result.status == "imported"
    assert c.get("enterprises", ent)["name"] == "秀水（山西）建材有限公司"


def test_the_message_shows_the_hidden_character_escaped():
    from shengui_desktop.sync.validate import name_problems
    items = [{"tbl": "enterprises", "row_id": "abcdef0123", "op": "u",
              "data": {"name": "A\u202eB"}, "base": None}]
    (problem,) = name_problems(items)
    assert "\u202e" not in problem and re.search(r"\\u202e", problem)
