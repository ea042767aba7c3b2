"""What the first-run wizard's extra pages (restore.py: 从备份恢复, starter.py: 从县里的初始包开始)
use of the wizard that holds them (wizard.py ``SetupWizard``), named here so that they need
not import the wizard, which imports them."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

from PySide6.QtWidgets import QWizard

from ..jobs import JobRunner


class WizardHost(Protocol):
    ADMIN: int  # the 管理员 page's id
    WizardButton: type[QWizard.WizardButton]
    path: Path  # where the new ledger is saved
    ledger: Any  # the ledger made or restored (storage's Ledger), None until then
    recovery_code: str | None
    runner: JobRunner  # the wizard's background jobs
    admin: Any  # the 管理员 page: user and password fields
    starter_page: Any  # starter.StarterPage: the starter file chosen and its preview

    def setButtonText(self, which: QWizard.WizardButton, text: str) -> None: ...
