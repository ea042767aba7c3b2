"""`shengui list enterprises` in plain text shows what --json has of the policy: the suggested
pool and the flags, in Chinese (#15 leftovers)."""

from __future__ import annotations

import json

from shengui_desktop.cli import main
from shengui_desktop.domain.evaluation import FLAG_NAMES
from shengui_desktop.domain.records import POOLS

PASS = "list-pass-123"


def test_plain_list_shows_the_suggestion_and_the_flags(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("SHENGUI_PASSPHRASE", PASS)
    db = str(tmp_path / "c.sgdb")
    assert main(["init", "--db", db, "--role", "county", "--name", "盂县", "--area-code", "140322",
                 "--profile", "yuxian"]) == 0
    assert main(["demo", "--db", db, "--enterprises", "60", "--townships", "3", "--as-of", "2026-11-23"]) == 0
    capsys.readouterr()
    assert main(["list", "enterprises", "--db", db, "--json", "--date", "2026-11-23"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert main(["list", "enterprises", "--db", db, "--date", "2026-11-23"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[-1] == f"共{len(rows)}户" and len(lines) == len(rows) + 1
    flagged = suggested = 0
    for row, line in zip(rows, lines):
        cells = line.split("  ")
        assert cells[:4] == [row["credit_code"], row["name"], row["township_name"], POOLS[row["pool"]]]
        assert cells[4] == "建议：" + (POOLS[row["suggested_pool"]] if row["suggested_pool"] else "—")
        names = [FLAG_NAMES[code] for code in row["flags"]]
        assert cells[5] == "提示：" + ("、".join(names) or "—")
        flagged += bool(names)
        suggested += row["suggested_pool"] is not None
    assert flagged and suggested  # the demo has both, so the columns were really compared
    text = "\n".join(lines)
    assert not any(code in text for code in (*FLAG_NAMES, "cultivation", "reserve"))
