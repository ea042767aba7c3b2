"""The `shengui` command: thin wrappers that parse options, call one service and print (no Qt).

`app` assembles the parser from the command groups (`office`, `ledger`, `upkeep`, `policy`,
`sync`, `excel`, `report`); `common` holds what they share.
"""

from .app import build_parser, main

__all__ = ["build_parser", "main"]
