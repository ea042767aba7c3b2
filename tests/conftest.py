"""Shared fixtures: temporary encrypted ledgers, offscreen Qt, a cheap KDF for speed.

The KDF cost is lowered through the environment (parameters are recorded in each slot, so
these ledgers open like any other); one test checks the real default separately.
"""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("SHENGUI_KDF_MEMORY_KIB", "8192")
os.environ.setdefault("SHENGUI_KDF_TIME_COST", "1")

import pytest

from shengui_desktop.services.office.setup import init_office

PASSWORD = "correct-horse-9"


@pytest.fixture(autouse=True)
def _unlock_never_sleeps(monkeypatch):
    """Wrong passwords make the next unlock wait (services/office/session.py); tests do not
    sleep: the wait is skipped here (tests/test_unlock_delay.py checks it with its own sleeper)."""
    from shengui_desktop.services.office import session

    monkeypatch.setattr(session, "sleep", lambda seconds: None)


@pytest.fixture
def ledger_path(tmp_path):
    return tmp_path / "ledger.sgdb"


@pytest.fixture
def county(tmp_path):
    """An empty county ledger (盂县, 140322) with two townships and the standard departments."""
    from shengui_desktop.services.ledger import reference

    ledger, recovery = init_office(tmp_path / "county.sgdb", role="county", name="盂县",
                                   area_code="140322", admin_user="admin", password=PASSWORD)
    ledger.recovery_code = recovery
    reference.add_township(ledger, "140322100", "秀水镇")
    reference.add_township(ledger, "140322101", "路家村镇")
    for name in reference.STANDARD_DEPARTMENTS:
        reference.add_department(ledger, name)
    yield ledger
    ledger.close()


@pytest.fixture
def township(tmp_path):
    """An empty township ledger (秀水镇, 140322100)."""
    ledger, recovery = init_office(tmp_path / "township.sgdb", role="township", name="秀水镇",
                                   area_code="140322100", admin_user="admin", password=PASSWORD)
    ledger.recovery_code = recovery
    yield ledger
    ledger.close()


@pytest.fixture
def demo_county(county):
    """The county ledger filled with a small deterministic demo (40 enterprises)."""
    from datetime import date

    from shengui_desktop.services.ledger.demo import generate

    generate(county, enterprises=40, townships=2, seed=7, as_of=date(2026, 11, 23))
    return county
