"""A thin adapter over services.excel (the spreadsheet export), tolerant of its absence."""

from __future__ import annotations

import importlib
import inspect
from pathlib import Path


def _excel():
    try:
        return importlib.import_module("shengui_desktop.services.excel")
    except ImportError:
        return None


def _exporter():
    module = _excel()
    if module is None:
        return None
    for name in ("export_enterprises", "export_table", "export"):
        fn = getattr(module, name, None)
        if callable(fn):
            return fn
    return None


def available() -> bool:
    return _exporter() is not None


def export_enterprises(ledger, path: Path, enterprise_ids: list[str], progress=None,
                       cancelled=None):
    """Write the given enterprises (in this order) to an .xlsx through services.excel."""
    fn = _exporter()
    if fn is None:
        raise RuntimeError("services.excel is not installed")
    params = inspect.signature(fn).parameters
    args: list = [ledger]
    kwargs: dict = {}
    if fn.__name__ in ("export_table", "export"):
        if "what" in params:
            kwargs["what"] = "enterprises"
        else:
            args.append("enterprises")
    for name in ("enterprise_ids", "ids"):
        if name in params:
            kwargs[name] = enterprise_ids
            break
    for name in ("path", "out", "out_path", "target"):
        if name in params:
            kwargs[name] = Path(path)
            break
    else:
        args.append(Path(path))
    if "progress" in params and progress is not None:
        # the core reports (stage, done, total); jobs take (done, total, text)
        kwargs["progress"] = lambda stage, done, total: progress(done, total, stage)
    if cancelled is not None:
        for name in ("cancel", "cancelled"):
            if name in params:
                kwargs[name] = cancelled
                break
    return fn(*args, **kwargs)
