"""Screenshots of the county's jobs that had only a command before (#18's last question): the
政策配置 page with the county's own version and what differs from the document, the 修改本县配置
form, and 奖补申报审核, at 1024×768 and 1600×1000, on a demo county (盂县, 60 enterprises):

    xvfb-run -a -s "-screen 0 1600x1000x24" uv run python docs/screenshots/take_county_jobs.py OUT_DIR
"""

import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

from shengui_desktop.services import policy
from shengui_desktop.services.ledger import reference
from shengui_desktop.services.ledger.demo import generate
from shengui_desktop.services.office.setup import init_office
from shengui_desktop.ui.main_window import MainWindow
from shengui_desktop.ui.policy.editor import ProfileEditor
from shengui_desktop.ui.rewards.claims import ClaimsReview

out = Path(sys.argv[1])
out.mkdir(parents=True, exist_ok=True)
work = Path(tempfile.mkdtemp())
app = QApplication([])
ledger, _ = init_office(work / "c.sgdb", role="county", name="盂县", area_code="140322",
                        admin_user="admin", password="correct-horse-9")
for name in reference.STANDARD_DEPARTMENTS:
    reference.add_department(ledger, name)
generate(ledger, enterprises=60, townships=5, seed=7, as_of=date(2026, 11, 23))
policy.choose_profile(ledger, "yuxian")
policy.copy_profile(ledger)
policy.edit_profile_parameters(ledger, {"pool_rules.1.min": "800", "targets.0.county": "11", "targets.0.townships.0.net_increase": "5",
                                        "calendar.1.months": "9,10"})
firms = ledger.rows("SELECT id FROM enterprises ORDER BY name LIMIT 4")
for i, (firm, kind, amount, text) in enumerate(zip(firms, ("tech_upgrade", "bid_contract", "local_contribution",
                                                           "tech_upgrade"),
                                                   (3_200_000, 12_000_000, 450_000, 1_800_000),
                                                   ("数控车床技改", "太原重工配套件供货合同", "2025年新增税收", "光伏屋顶改造"))):
    claim = policy.add_reward_claim(ledger, firm["id"], {
        "kind": kind, "year": 2026, "amount": amount, "description": text, "recorded_on": f"2026-0{i + 3}-15",
        "bid_region": "other_city_in_province" if kind == "bid_contract" else None})
    if i == 1:
        policy.set_claim_status(ledger, claim, "审核", decided_on="2026-06-01")
window = MainWindow(ledger, settings=QSettings(str(work / "s.ini"), QSettings.Format.IniFormat),
                    today=date(2026, 11, 23))
window.show()
while not window.figures_ready:
    app.processEvents()
    time.sleep(0.05)
for width, height in ((1024, 768), (1600, 1000)):
    window.resize(width, height)
    window.show_page("政策配置")
    app.processEvents()
    window.grab().save(str(out / f"county-jobs-policy-{width}.png"))
    editor = ProfileEditor(ledger, window)
    editor.resize(min(900, width - 60), min(600, height - 80) if width < 1600 else 760)
    editor.show()
    editor.table.setCurrentCell(6, 3)
    app.processEvents()
    editor.grab().save(str(out / f"county-jobs-editor-{width}.png"))
    editor.close()
    review = ClaimsReview(window, 2026, window)
    review.resize(min(1000, width - 40), min(560, height - 120))
    review.show()
    app.processEvents()
    review.grab().save(str(out / f"county-jobs-claims-{width}.png"))
    review.close()
window.close()
