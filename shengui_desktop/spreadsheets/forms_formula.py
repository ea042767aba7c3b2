"""The formulas a filled form's PDF computes (一表通, #22): what a department's form writes in
its total and ratio cells — SUM, AVERAGE, COUNT, COUNTA, MAX, MIN, ROUND, cell references, numbers
and + - * / with brackets — evaluated the way Excel does for these. Anything else (another
function, another sheet, a comparison) is `Uncomputable`, and the PDF shows a marker instead
of a number it cannot vouch for.

No library: `formulas` brings numpy, scipy and friends (tens of MB into the installer) and
`pycel` is GPL-3 and needs networkx; these seven functions are a small evaluator over
openpyxl's own formula tokenizer.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Callable

from openpyxl.formula.tokenizer import Token, Tokenizer
from openpyxl.utils.cell import column_index_from_string, coordinate_from_string, range_boundaries
from openpyxl.utils.exceptions import CellCoordinatesException

FUNCTIONS = ("SUM", "AVERAGE", "COUNT", "COUNTA", "MAX", "MIN", "ROUND")
MAX_RANGE_CELLS = 200_000


class Uncomputable(Exception):
    """A formula outside what this evaluator knows."""


class FormulaError(Exception):
    """An error Excel itself would show (#DIV/0!, #VALUE!): the text is Excel's."""


class _Range:
    def __init__(self, values: list[Any]):
        self.values = values


CellValue = Callable[[int, int], Any]  # (row, column) -> the cell's value (a formula's computed)


def evaluate(formula: str, cell: CellValue) -> float | int:
    """The number `formula` (with its leading '=') gives; raises Uncomputable or FormulaError."""
    try:
        tokens = [t for t in Tokenizer(formula).items if t.type != Token.WSPACE]
    except Exception as e:  # openpyxl's tokenizer refuses a malformed formula
        raise Uncomputable(str(e)) from e
    parser = _Parser(tokens, cell)
    value = parser.expression()
    if parser.at < len(tokens):
        raise Uncomputable("unexpected token")
    return _number(value)


class _Parser:
    def __init__(self, tokens: list[Token], cell: CellValue):
        self.tokens, self.cell, self.at = tokens, cell, 0

    def peek(self) -> Token | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def take(self) -> Token:
        token = self.peek()
        if token is None:
            raise Uncomputable("formula ends early")
        self.at += 1
        return token

    # expression := term (('+'|'-') term)* ; term := unary (('*'|'/') unary)*
    def expression(self) -> Any:
        value = self.term()
        while (t := self.peek()) is not None and t.type == Token.OP_IN and t.value in "+-":
            self.at += 1
            right = _number(self.term())
            value = _number(value) + right if t.value == "+" else _number(value) - right
        return value

    def term(self) -> Any:
        value = self.unary()
        while (t := self.peek()) is not None and t.type == Token.OP_IN and t.value in ("*", "/"):
            self.at += 1
            right = _number(self.unary())
            if t.value == "*":
                value = _number(value) * right
            else:
                if right == 0:
                    raise FormulaError("#DIV/0!")
                value = _number(value) / right
        return value

    def unary(self) -> Any:
        t = self.peek()
        if t is not None and t.type == Token.OP_PRE and t.value in "+-":
            self.at += 1
            value = _number(self.unary())
            return -value if t.value == "-" else value
        return self.primary()

    def primary(self) -> Any:
        t = self.take()
        if t.type == Token.PAREN and t.subtype == Token.OPEN:
            value = self.expression()
            close = self.take()
            if close.type != Token.PAREN or close.subtype != Token.CLOSE:
                raise Uncomputable("bracket")
            return value
        if t.type == Token.FUNC and t.subtype == Token.OPEN:
            return self.function(t.value[:-1].upper())
        if t.type == Token.OPERAND:
            if t.subtype == Token.NUMBER:
                return float(t.value) if any(c in t.value for c in ".eE") else int(t.value)
            if t.subtype == Token.RANGE:
                return self.reference(t.value)
            if t.subtype == Token.TEXT:
                return t.value[1:-1].replace('""', '"')
        raise Uncomputable(f"token {t.value!r}")

    def reference(self, text: str) -> Any:
        if "!" in text or "[" in text:
            raise Uncomputable("another sheet or book")
        text = text.replace("$", "")
        if ":" in text:
            try:
                lo_col, lo_row, hi_col, hi_row = range_boundaries(text)
            except (ValueError, CellCoordinatesException) as e:
                raise Uncomputable("a range") from e
            if None in (lo_col, lo_row, hi_col, hi_row):
                raise Uncomputable("whole rows or columns")
            if (hi_row - lo_row + 1) * (hi_col - lo_col + 1) > MAX_RANGE_CELLS:
                raise Uncomputable("range too large")
            return _Range([self.cell(r, c) for r in range(lo_row, hi_row + 1)
                           for c in range(lo_col, hi_col + 1)])
        try:
            letters, row = coordinate_from_string(text)
        except (ValueError, CellCoordinatesException) as e:
            raise Uncomputable("a name") from e
        return self.cell(row, column_index_from_string(letters))

    def function(self, name: str) -> Any:
        args: list[Any] = []
        if (t := self.peek()) is not None and t.type == Token.FUNC and t.subtype == Token.CLOSE:
            self.at += 1
        else:
            while True:
                args.append(self.expression())
                t = self.take()
                if t.type == Token.SEP and t.subtype == Token.ARG:
                    continue
                if t.type == Token.FUNC and t.subtype == Token.CLOSE:
                    break
                raise Uncomputable("argument list")
        if name not in FUNCTIONS:
            raise Uncomputable(f"function {name}")
        if name == "ROUND":
            if len(args) != 2:
                raise FormulaError("#VALUE!")
            digits = int(_number(args[1]))
            rounded = Decimal(str(_number(args[0]))).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
            return float(rounded) if digits > 0 else int(rounded)
        if name == "COUNTA":
            return sum(1 for v in _flat(args) if v not in (None, ""))
        numbers = _numbers(args)
        if name == "COUNT":
            return len(numbers)
        if name == "SUM":
            return sum(numbers)
        if name == "AVERAGE":
            if not numbers:
                raise FormulaError("#DIV/0!")
            return sum(numbers) / len(numbers)
        if not numbers:
            return 0
        return max(numbers) if name == "MAX" else min(numbers)


def _flat(args: list[Any]) -> list[Any]:
    out: list[Any] = []
    for a in args:
        out.extend(a.values if isinstance(a, _Range) else [a])
    return out


def _numbers(args: list[Any]) -> list[float | int]:
    """Excel's rule: in a range only numbers count; a value written as an argument counts
    when it is a number (or text that reads as one)."""
    out: list[float | int] = []
    for a in args:
        if isinstance(a, _Range):
            out.extend(v for v in a.values if isinstance(v, (int, float)) and not isinstance(v, bool))
        elif a is not None and a != "":
            out.append(_number(a))
    return out


def _number(value: Any) -> float | int:
    if isinstance(value, _Range):
        if len(value.values) == 1:
            return _number(value.values[0])
        raise Uncomputable("a range where a number belongs")
    if value is None or value == "":
        return 0
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, str):
        try:
            return float(value.replace(",", ""))
        except ValueError as e:
            raise FormulaError("#VALUE!") from e
    raise FormulaError("#VALUE!")
