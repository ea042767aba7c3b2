"""Sync use cases the window and the command line call (one function per user action).

Long work takes `progress(stage, done, total)` and a `cancel` flag (a threading.Event or a
callable returning True to stop); a cancelled import rolls back and changes nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from ..storage.ledger import Ledger
from ..sync import certificates, conflicts, duplicates, exporter, importer, package
from ..sync.errors import PackageRejected

Progress = Callable[[str, int, int], None] | None


def export_packages(ledger: Ledger, out_dir: Path, *, full: bool = False, to: str | None = None,
                    progress: Progress = None) -> list[exporter.ExportResult]:
    """One package per peer (a township has one: its county)."""
    return [exporter.export_to(ledger, peer, Path(out_dir), full=full, progress=progress)
            for peer in exporter.find_peer(ledger, to)]


def import_packages(ledger: Ledger, paths: list[Path], *, accept_fingerprint: str | None = None,
                    progress: Progress = None, cancel=None) -> list[importer.ImportResult]:
    return importer.import_files(ledger, [Path(p) for p in paths],
                                 accept_fingerprint=accept_fingerprint, progress=progress,
                                 cancel=cancel)


def inspect_package(ledger: Ledger, path: Path) -> dict:
    """What the enrolment dialog shows before a person accepts a new office: who sent it,
    its fingerprint, and whether it is already known. Never applies anything."""
    raw = package.read(Path(path))
    m = raw.manifest
    known = ledger.one("SELECT * FROM sites WHERE id = ? AND trusted = 1", (m["sender"]["site_id"],))
    cert = m.get("sender_certificate") if isinstance(m.get("sender_certificate"), dict) else {}
    return {"sender": m["sender"], "recipient": m["recipient"], "package_no": m["package_no"],
            "created_at": m["created_at"], "counts": m["counts"], "entries": m["entries"],
            "known_sender": known is not None, "fingerprint": cert.get("fingerprint"),
            "for_this_office": m["recipient"]["site_id"] == ledger.site_id}


def list_conflicts(ledger: Ledger, status: str | None = "open") -> list[dict]:
    return conflicts.list_conflicts(ledger, status)


def resolve_conflict(ledger: Ledger, conflict_id: str, keep: str) -> dict:
    return conflicts.resolve(ledger, conflict_id, keep)


def list_duplicates(ledger: Ledger, status: str | None = "open") -> list[dict]:
    return duplicates.list_tasks(ledger, status)


def find_duplicates(ledger: Ledger) -> int:
    return duplicates.detect(ledger)


def merge_duplicates(ledger: Ledger, task_id: str, survivor_id: str) -> dict:
    return duplicates.merge(ledger, task_id, survivor_id)


def dismiss_duplicates(ledger: Ledger, task_id: str) -> None:
    duplicates.dismiss(ledger, task_id)


def rotate_keys(ledger: Ledger) -> dict:
    return certificates.rotate_keys(ledger)


def sync_status(ledger: Ledger) -> list[dict]:
    """Per peer: packages sent and received, gaps, open conflicts (for the sync screen)."""
    out = []
    for peer in exporter.peers(ledger):
        state = ledger.one("SELECT * FROM peer_state WHERE site_id = ?", (peer["id"],)) or {}
        out.append({"site_id": peer["id"], "name": peer["name"], "area_code": peer["area_code"],
                    "fingerprint": peer["fingerprint"], "sent": state.get("last_sent_no", 0),
                    "received": state.get("last_received_no", 0),
                    "gaps": importer._gaps(ledger, peer["id"])})
    return out


__all__ = ["export_packages", "import_packages", "inspect_package", "list_conflicts",
           "resolve_conflict", "list_duplicates", "find_duplicates", "merge_duplicates",
           "dismiss_duplicates", "rotate_keys", "sync_status", "PackageRejected"]
