"""Screenshots of 新增企业 and of the 月度数据 grid on the demo county (40 enterprises,
2026-11-23, profile 孝义): the dialog refusing a bad credit code, the dialog filled, the new
enterprise's window with a year typed into the grid (one bad cell marked), the same after
保存 with the suggestion changed, a project's form refusing a date, its 节点任务, a bid claim
and the 奖补 tab. Whole-screen grabs of a real window under Xvfb:

    HOME=$(mktemp -d) QT_QPA_PLATFORM=xcb xvfb-run -a -s "-screen 0 1024x768x24" \\
        uv run python docs/screenshots/take_enterprise.py OUT_DIR 1024 768
"""
import sys
from pathlib import Path

from shengui_desktop.domain import credit_code
from shengui_desktop.services import policy
from shengui_desktop.ui.enterprise.window import EnterpriseWindow

sys.path.insert(0, str(Path(__file__).resolve().parent))
from shots import Shots  # noqa: E402  (docs/screenshots/shots.py)

s = Shots('enterprise')
app, work, out, width, height, tag = s.app, s.work, s.out, s.width, s.height, s.tag
wait, shot = s.wait, s.shot
ledger = s.demo_county()
policy.choose_profile(ledger, "xiaoyi")

window = s.open_window(ledger)



wait(lambda: window.figures_ready, 15000)
window.show_page("企业台账")
dialog = window.new_enterprise()
dialog.inputs["name"].setText("秀水精密机械有限公司")
dialog.inputs["credit_code"].setText("91140322MA0XXXXXXO")
dialog.inputs["township_code"].setCurrentIndex(1)
dialog.inputs["industry_code"].setCurrentText("3311")
dialog.inputs["contact_person"].setText("王建国")
dialog.inputs["contact_phone"].setText("0353-6012345")
dialog.inputs["pool"].setCurrentIndex(dialog.inputs["pool"].findData("reserve"))
dialog.save()
shot("new-refused")
dialog.inputs["credit_code"].setText(credit_code.complete("91140322MA0C8K7P5"))
dialog.inputs["pool_reason"].setText("新建投产，预计年营收1,200万元")
dialog.save()
wait(ms=500)
enterprise = next(w for w in window.open_windows if isinstance(w, EnterpriseWindow))
enterprise.move(max(0, (width - enterprise.width()) // 2), 0)
enterprise.tabs.setCurrentWidget(enterprise.figures)
tab = enterprise.figures
tab.year.setCurrentIndex(tab.year.findData(2025))
tab._year_chosen(tab.year.currentIndex())
keys = tab.model.keys
for month in range(1, 13):
    tab.model.set_text(month, "revenue", f"{180 + month * 5}")
    tab.model.set_text(month, "output_value", f"{190 + month * 5}.5")
    tab.model.set_text(month, "electricity_kwh", f"{21000 + month * 300}")
    tab.model.set_text(month, "tax_paid", f"{6 + month * 0.2:.1f}")
    tab.model.set_text(month, "employees", "46")
tab.model.set_text(7, "tax_paid", "七万")
tab.grid.setCurrentIndex(tab.model.index(7, keys.index("tax_paid")))  # Enter went on to 8月
shot("grid-typed")
tab.save()
shot("grid-refused")
tab.model.set_text(7, "tax_paid", "7.4")
tab.save()
shot("grid-saved")
enterprise.tabs.setCurrentWidget(enterprise.projects)
shot("projects-empty")
form = enterprise.projects.add()
form.inputs["name"].setText("年产5万台精密齿轮生产线")
form.inputs["kind"].setCurrentIndex(form.inputs["kind"].findData("tech_upgrade"))
form.inputs["investment"].setText("3,200")
form.inputs["actual_start_date"].setText("2026-03-01")
form.inputs["planned_production_date"].setText("2027/13/01")
form.inputs["expected_to_reach_scale"].setChecked(True)
form.inputs["expected_scale_year"].setValue(2027)
form.inputs["responsible_unit"].setCurrentText("工信局")
form.save()
shot("project-form")
form.inputs["planned_production_date"].setText("2027-03-01")
form.save()
steps = enterprise.projects.milestones()
for name, due in (("主体厂房完工", "2026-08-31"), ("设备安装调试", "2026-12-31"), ("试生产", "2027-02-28")):
    steps.name.setText(name)
    steps.due.setText(due)
    steps.add()
shot("milestones")
steps.reject()
shot("projects")
enterprise.tabs.setCurrentWidget(enterprise.claims)
form = enterprise.claims.add()
form.inputs["kind"].setCurrentIndex(form.inputs["kind"].findData("bid_contract"))
form.inputs["description"].setText("省外风电齿轮箱采购合同")
form.inputs["amount"].setText("1,250.5")
shot("claim-form")
form.save()
shot("claims")
enterprise.tabs.setCurrentWidget(enterprise.rewards)
wait(lambda: enterprise.rewards.text.text() != "正在计算…", 10000)
shot("rewards")
enterprise.close()
window.close()
