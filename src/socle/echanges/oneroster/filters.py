"""The OneRoster 1.2 `filter` grammar: `field<op>'value'` comparisons joined by `AND` / `OR`
(AND binds tighter). Operators: = != > >= < <= and ~ (contains). Values are single-quoted; a
quote inside a value is doubled. Comparison is on the field's text (ISO dates compare as text);
for list fields, = and ~ hold when one element matches."""

from __future__ import annotations

import re
from dataclasses import dataclass

OPERATORS = ("!=", ">=", "<=", "=", ">", "<", "~")
_COMPARISON = re.compile(r"\s*([A-Za-z][A-Za-z0-9_.]*)\s*(!=|>=|<=|=|>|<|~)\s*'((?:[^']|'')*)'\s*")
_LOGICAL = re.compile(r"\s*(AND|OR)\s+|\s*$")


class FilterError(ValueError):
    pass


@dataclass(frozen=True)
class Comparison:
    field: str
    op: str
    value: str

    def test(self, obj: dict) -> bool:
        actual = obj.get(self.field)
        values = actual if isinstance(actual, list) else [actual]
        texts = [_text(v) for v in values] or [""]
        if self.op == "=":
            return any(t == self.value for t in texts)
        if self.op == "!=":
            return all(t != self.value for t in texts)
        if self.op == "~":
            return any(self.value.lower() in t.lower() for t in texts)
        text = texts[0]
        return {
            ">": text > self.value,
            ">=": text >= self.value,
            "<": text < self.value,
            "<=": text <= self.value,
        }[self.op]


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return str(value.get("sourcedId", ""))
    return str(value)


@dataclass(frozen=True)
class Filter:
    # Disjunction of conjunctions.
    groups: tuple[tuple[Comparison, ...], ...]

    @property
    def fields(self) -> set[str]:
        return {c.field for group in self.groups for c in group}

    def test(self, obj: dict) -> bool:
        return any(all(c.test(obj) for c in group) for group in self.groups)


def parse(text: str) -> Filter:
    position = 0
    groups: list[list[Comparison]] = [[]]
    while True:
        match = _COMPARISON.match(text, position)
        if not match:
            raise FilterError(
                f"cannot read a comparison field<op>'value' at position {position + 1}: {text[position:]!r}"
            )
        field, op, value = match.groups()
        groups[-1].append(Comparison(field, op, value.replace("''", "'")))
        position = match.end()
        logical = _LOGICAL.match(text, position)
        if not logical:
            raise FilterError(f"expected AND or OR at position {position + 1}: {text[position:]!r}")
        if logical.group(1) is None:
            break
        if logical.group(1) == "OR":
            groups.append([])
        position = logical.end()
    return Filter(tuple(tuple(group) for group in groups))
