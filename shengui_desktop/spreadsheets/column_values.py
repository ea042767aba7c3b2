"""A sheet's cells a column at a time: a column's cells, and work done once per distinct value.

A list repeats its townships, units, statuses and dates down each column; a check that runs
once per distinct value instead of once per cell is where a 10,000-row import saves most.
"""

from __future__ import annotations

from itertools import islice
from operator import itemgetter

from ..domain.text import CLEANED as _CLEANED
from ..domain.text import clean
from . import cells

# columns of one kind of value (and blanks), whose values can be told apart by equality
_ONE_KIND = (frozenset((str, type(None))), frozenset((float, type(None))),
             frozenset((int, type(None))))


def by_value(values, fn) -> list:
    """[fn(v) for v in values], calling fn once per distinct cell value."""
    kinds = set(map(type, values))
    if any(kind.issuperset(kinds) for kind in _ONE_KIND):
        memo = {v: fn(v) for v in set(values)}
        return list(map(memo.__getitem__, values))
    # 1, 1.0 and True are equal keys but not the same cell: tell them apart by type
    keys = list(zip(map(type, values), values))
    memo = {k: fn(k[1]) for k in set(keys)}
    return list(map(memo.__getitem__, keys))


def cut_columns(grid_rows: list[list], rows, indexes: list[int]) -> list[tuple]:
    """The cells of `rows` (grid indices) in the columns `indexes` (None past a row's end),
    a tuple per column."""
    if not indexes or not rows:
        return [()] * len(indexes)
    width = max(indexes) + 1
    first = rows[0]
    block = grid_rows[first:first + len(rows)]
    if (rows == range(first, first + len(rows)) or list(rows) == list(range(first, first + len(rows)))) \
            and len(block) == len(rows) and min(map(len, block)) >= width:
        # consecutive rows, each wide enough (the usual sheet): transposed a column at a
        # time by zip, up to the last column wanted, instead of a tuple cut from each row
        columns = list(islice(zip(*block), width))
        return [columns[i] for i in indexes]
    pad = [None] * width
    get = itemgetter(*indexes)
    picked = [get(row if len(row) >= width else [*row, *pad[len(row):]])
              for row in map(grid_rows.__getitem__, rows)]
    return [tuple(picked)] if len(indexes) == 1 else list(zip(*picked))


def texts(values) -> list[str]:
    """[cells.text(v) for v in values]: the cells seen before (most, and every cell is seen
    first by data_rows) looked up in C, whole numbers (a 序号 column) written at once."""
    found = list(map(_CLEANED.get, values))
    if None in found:
        text = cells.text
        found = [t if t is not None else str(v) if type(v) is int else
                 str(int(v)) if type(v) is float and v.is_integer() else text(v)
                 for t, v in zip(found, values)]
    return found


def cleaned(values: list[str]) -> list[str]:
    """[clean(t) for t in values]: clean text is its own key in clean's memory."""
    found = list(map(_CLEANED.get, values))
    if None in found:
        found = [c if c is not None else clean(t) for c, t in zip(found, values)]
    return found
