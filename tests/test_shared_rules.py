"""Rules with one home each: when an issue is overdue, which site is this office, how a
visit's 走访人员 divides into names."""

from datetime import date

import pytest

from shengui_desktop.domain import credit_code as cc
from shengui_desktop.domain.records import is_overdue, split_visitors, typed_visitor
from shengui_desktop.services.ledger import visits
from shengui_desktop.services.ledger.enterprises import create_enterprise
from shengui_desktop.services.office.site import this_site

DAY = date(2026, 11, 23)


def _enterprise(ledger, name: str, org8: str) -> str:
    code = cc.complete(f"91140322{org8}{cc.org_check_character(org8)}")
    enterprise_id, _ = create_enterprise(ledger, {"name": name, "credit_code": code,
                                                  "township_code": "140322100", "industry_code": "3311"})
    return enterprise_id


@pytest.mark.parametrize("status, deadline, overdue", [
    ("open", "2026-11-22", True), ("in_progress", "2026-01-01", True),
    ("open", "2026-11-23", False),            # due today is not late yet
    ("in_progress", "2026-12-31", False),
    ("resolved", "2026-11-01", False), ("closed", "2026-11-01", False),
    ("open", None, False),                    # no deadline: never overdue
])
def test_is_overdue(status, deadline, overdue):
    issue = {"status": status, "deadline": deadline}
    assert is_overdue(issue, DAY) is overdue
    assert is_overdue(issue, DAY.isoformat()) is overdue


def test_overdue_sql_counts_what_is_overdue_says(county):
    enterprise_id = _enterprise(county, "盂县问题测试有限公司", "MA0K0001")
    cases = [("open", "2026-11-22"), ("in_progress", "2026-11-01"), ("open", "2026-11-23"),
             ("open", None), ("resolved", "2026-11-01"), ("closed", "2026-10-01")]
    for status, deadline in cases:
        record = {"description": f"{status} {deadline}", "status": status, "deadline": deadline}
        if status in ("resolved", "closed"):
            record["resolution"] = "已协调解决"
        visits.add_issue(county, enterprise_id, record)
    expected = sum(is_overdue({"status": s, "deadline": d}, DAY) for s, d in cases)
    assert expected == 2
    assert visits.issue_counts(county, DAY.isoformat())["overdue"] == expected
    listed = visits.list_issues(county, overdue_on=DAY.isoformat())
    assert len(listed) == expected and all(is_overdue(i, DAY) for i in listed)
    assert visits.overdue_sql("i") == "i.status IN ('open', 'in_progress') AND i.deadline < ?"


@pytest.mark.parametrize("text, names", [
    ("张三、李四,王五，赵六", ["张三", "李四", "王五", "赵六"]),
    (" 张三 、、李四、 ", ["张三", "李四"]),
    ("张三", ["张三"]), ("", []), (None, []),
])
def test_split_visitors(text, names):
    assert split_visitors(text) == names


@pytest.mark.parametrize("text, parts", [
    ("张三、李", ("张三、", "李")), ("张三，李四,王", ("张三，李四,", "王")),
    ("张", ("", "张")), ("张三、", ("张三、", "")), ("", ("", "")),
])
def test_typed_visitor(text, parts):
    assert typed_visitor(text) == parts


def test_a_visit_remembers_each_visitor_once(county):
    enterprise_id = _enterprise(county, "盂县走访测试有限公司", "MA0K0002")
    visits.add_visit(county, enterprise_id, {"visit_date": "2026-11-20", "visitors": "张三、李四，张三",
                                             "summary": "生产正常"})
    assert sorted(visits.recent_visitors(county)) == ["张三", "李四"]


def test_this_site_is_this_office(county, township):
    for ledger, role, name, code in ((county, "county", "盂县", "140322"),
                                     (township, "township", "秀水镇", "140322100")):
        site = this_site(ledger)
        assert (site["role"], site["name"], site["area_code"], site["is_self"]) == (role, name, code, 1)
        assert site["id"] == ledger.site_id == ledger.this_site()["id"]
        assert len(site["fingerprint"].split()) == 8
