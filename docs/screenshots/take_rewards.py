"""Screenshots of the 奖补测算 and 重点项目 pages on the demo county (40 enterprises,
2026-11-23, profile 孝义) with a few enterprises added so that rewards fall due in 2026, one
renamed re-entry the county paid anyway (追回) and three key projects, one late. Whole-screen
grabs of a real window under Xvfb:

    HOME=$(mktemp -d) QT_QPA_PLATFORM=xcb xvfb-run -a -s "-screen 0 1024x768x24" \\
        uv run python docs/screenshots/take_rewards.py OUT_DIR 1024 768
"""
import random
import sys
from pathlib import Path

from shengui_desktop.services import policy
from shengui_desktop.services.ledger.demo import random_credit_code
from shengui_desktop.services.ledger.enterprises import create_enterprise
from shengui_desktop.services.policy.records import set_claim_status

sys.path.insert(0, str(Path(__file__).resolve().parent))
from shots import Shots  # noqa: E402  (docs/screenshots/shots.py)

s = Shots(None)
app, work, out, width, height, tag = s.app, s.work, s.out, s.width, s.height, s.tag
wait, shot = s.wait, s.shot
ledger = s.demo_county()


RNG = random.Random(5)


def enterprise(name, _body, township, **fields):
    eid, _ = create_enterprise(ledger, {"name": name, "credit_code": random_credit_code(RNG, "140322"),
                                        "township_code": township, "industry_code": "3411", **fields})
    return eid


above = {"stat_status": "above_scale"}
enterprise("秀水新材料科技有限公司", "MA0C8K7P5", "140322100", entered_stats_date="2026-03-01", **above)
enterprise("路家精密机械有限公司", "MA0D2L8Q6", "140322101", entered_stats_date="2025-04-01", **above)
enterprise("秀水铸造有限公司", "MA0E3M9R7", "140322100", entered_stats_date="2024-05-01", **above)
renamed = enterprise("路家新能源装备有限公司", "MA0F4N0T8", "140322101", entered_stats_date="2026-02-01", **above)
enterprise("秀水包装制品有限公司", "MA0G5P1U9", "140322100", stat_status="exited",
           entered_stats_date="2025-02-01", exited_stats_date="2026-06-30")
policy.choose_profile(ledger, "xiaoyi")
code = ledger.get("enterprises", renamed)["credit_code"]
policy.record_scale_period(ledger, code, "路家风电设备有限公司", "2019-01-01", "2023-12-31")
_, claim = policy.add_claim_by_credit_code(ledger, code, {"kind": "award", "rule": "province_first_entry",
                                                          "year": 2026, "amount": 300_000,
                                                          "description": "省级首次入规奖励"})
set_claim_status(ledger, claim, "paid", decided_on="2026-06-01")

window = s.open_window(ledger)



wait(lambda: window.figures_ready, 15000)
window.show_page("奖补测算")
page = window.rewards_page
wait(lambda: page.loaded and page.overview is not None, 15000)
page.lines_table.selectRow(0)
shot("rewards")
page.tabs.setCurrentIndex(1)
shot("rewards-townships")
page.tabs.setCurrentIndex(2)
shot("rewards-years")
page.tabs.setCurrentIndex(3)
shot("rewards-clawbacks")
page.tabs.setCurrentIndex(0)
page.loaded = False
page.year.setValue(2005)
wait(lambda: page.loaded, 15000)
shot("rewards-empty")

window.show_page("重点项目")
projects = window.projects_page
wait(lambda: projects.loaded, 15000)
shot("projects-empty")
ids = [r["id"] for r in ledger.rows("SELECT id FROM enterprises WHERE pool = 'cultivation' ORDER BY name LIMIT 3")]
policy.add_project(ledger, ids[0], {
    "name": "年产5万吨新型建材项目", "kind": "key", "investment": 120_000_000, "planned_start_date": "2025-10-01",
    "actual_start_date": "2025-10-15", "planned_production_date": "2026-09-30", "expected_output": 300_000_000,
    "responsible_unit": "县工信局",
    "milestones": [{"name": "土建完工", "due_date": "2026-03-31", "done_date": "2026-03-20"},
                   {"name": "设备安装调试", "due_date": "2026-06-30"}, {"name": "试生产", "due_date": "2027-03-31"}]})
policy.add_project(ledger, ids[1], {"name": "智能制造生产线技术改造", "kind": "key", "status": "signed",
                                    "planned_start_date": "2027-03-01", "planned_production_date": "2027-12-31",
                                    "investment": 35_000_000, "responsible_unit": "县发改局",
                                    "milestones": [{"name": "设备采购", "due_date": "2027-06-30"}]})
policy.add_project(ledger, ids[2], {"name": "光伏组件扩产项目", "kind": "key", "actual_start_date": "2025-05-01",
                                    "production_start_date": "2026-04-18", "planned_production_date": "2026-05-01",
                                    "investment": 48_000_000, "expected_output": 90_000_000,
                                    "responsible_unit": "县工信局",
                                    "milestones": [{"name": "并网验收", "due_date": "2026-04-30",
                                                    "done_date": "2026-04-25"}]})
projects.loaded = False
window.bus.tell({"projects"})
wait(lambda: projects.loaded, 15000)
projects.table.selectRow(0)
shot("projects")
projects.loaded = False
projects.status.setCurrentIndex(projects.status.findData("abandoned"))
wait(lambda: projects.loaded, 15000)
shot("projects-none-match")
window.close()
