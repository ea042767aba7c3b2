"""Why a package was refused (Chinese, shown as it is)."""

from __future__ import annotations

from ..errors import UserError
from ..progress import ImportCancelled


class PackageRejected(UserError):
    """A package that must not touch the ledger. `reason` is a stable code for tests and the
    GUI; `details` lists offending records (Chinese) when there are any."""

    exit_code = 5

    def __init__(self, reason: str, message: str, details: list[str] | None = None):
        self.reason = reason
        self.details = details or []
        text = message
        if self.details:
            shown = self.details[:20]
            more = f"\n  ……另有{len(self.details) - len(shown)}条" if len(self.details) > len(shown) else ""
            text += "\n  " + "\n  ".join(shown) + more
        super().__init__(text)


def import_cancelled() -> ImportCancelled:
    """What a cancelled sync import raises (its message ends with a full stop, like the
    sync's other messages)."""
    return ImportCancelled("已取消导入，台账未作任何修改。")


__all__ = ["ImportCancelled", "PackageRejected", "import_cancelled"]
