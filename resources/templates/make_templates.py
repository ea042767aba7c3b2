"""Regenerate the import templates committed beside this script.

    uv run python resources/templates/make_templates.py

They are made for 盂县's townships; `shengui excel template --db LEDGER --out FILE` makes one
with a ledger's own townships and departments.
"""

from pathlib import Path

from shengui_desktop.spreadsheets.templates import write_template

HERE = Path(__file__).resolve().parent
FILES = {"enterprises": "企业名单导入模板.xlsx", "figures": "月度数据导入模板.xlsx"}


def main() -> None:
    for kind, name in FILES.items():
        print(write_template(kind, HERE / name))


if __name__ == "__main__":
    main()
