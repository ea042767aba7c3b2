"""小升规企业培育台账 — offline ledger for township and county offices."""

__version__ = "0.1.0"
