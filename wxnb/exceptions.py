"""Exceptions raised by wxnb.

WxnbError
├── ParameterError        parameters failed validation (unknown key, wrong type, bad value)
├── DataValidationError   an input file broke the data contract (lists every problem)
└── BuildError            a section failed or the report could not be written
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["BuildError", "DataValidationError", "Problem", "ParameterError", "WxnbError"]


class WxnbError(Exception):
    """Base class: every error wxnb shows to the user without a traceback."""


class ParameterError(WxnbError):
    """A parameter set is invalid."""


@dataclass(frozen=True)
class Problem:
    """One problem in one input file: where it is and what was expected against what was found.

    ``row`` is a location a person can find: ``list[5]`` (0-based, as in the JSON),
    ``list[3].details[2]`` or ``第 7 行`` (a CSV line, header = line 1).
    """

    file: str
    field: str | None
    row: str | None
    expected: str
    found: str

    def __str__(self) -> str:
        where = self.file
        if self.row:
            where += f" {self.row}"
        if self.field:
            where += f" 字段 {self.field}"
        return f"{where}: 应为 {self.expected}，实际为 {self.found}"


class DataValidationError(WxnbError):
    """One or more input files broke the data contract; ``problems`` lists them all."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = list(problems)
        files = sorted({p.file for p in self.problems})
        head = f"数据校验失败：{len(self.problems)} 个问题，涉及 {len(files)} 个文件"
        lines = [head] + [f"  - {p}" for p in self.problems[:200]]
        if len(self.problems) > 200:
            lines.append(f"  … 另有 {len(self.problems) - 200} 个问题未列出")
        super().__init__("\n".join(lines))


class BuildError(WxnbError):
    """The build could not finish (a section failed, or the report could not be written)."""
