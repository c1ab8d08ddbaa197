"""The analyst's commentary (点评) of a month: one short text per section, written by hand.

The file is ``parameters/months/<account>/<YYYY-MM>.commentary.yaml`` (the ``commentary_file``
parameter moves it), beside the month's parameter layer and never among the month's data, so
editing it re-renders the report without re-running a section. It maps a section to its text::

    01_kpi: |
      十月净增低于目标，主要因为国庆假期推送减少；十一月恢复每周三次推送。
    "04": 核心粉丝占比稳定，下月重点做沉默粉丝唤醒。

A section is named by its key (``01_kpi``) or its number (``"01"``, quoted in YAML). The report
shows each text under its section, marked 人工 (by a person, not computed), escaped like every
text from data. A missing file means no commentary.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import yaml

from wxnb.exceptions import DataValidationError, Problem

__all__ = ["MAX_CHARS", "load_commentary"]

MAX_CHARS = 2000  # a comment, not a report: about a page


def _line(exc: yaml.YAMLError) -> str | None:
    mark = getattr(exc, "problem_mark", None)
    return f"第 {mark.line + 1} 行" if mark is not None else None


def load_commentary(path: Path, sections: Iterable[str]) -> dict[str, str]:
    """The commentary of ``path`` as {section key: text}; {} when the file does not exist.

    ``sections`` are the report's section keys (``01_kpi`` …). Blank texts are left out.

    Raises
    ------
    DataValidationError
        The file is not UTF-8 YAML, not a mapping, names a section the report does not have,
        or gives a section something other than text, or a text over :data:`MAX_CHARS`.
    """
    path = Path(path)
    if not path.is_file():
        return {}
    keys = list(sections)
    by_name = {k: k for k in keys} | {k.split("_", 1)[0]: k for k in keys}
    name = path.name
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8-sig"))
    except UnicodeDecodeError:
        raise DataValidationError([Problem(name, None, None, "UTF-8 编码的 YAML 文件",
                                           "无法按 UTF-8 解码")]) from None
    except yaml.YAMLError as exc:
        raise DataValidationError([Problem(name, None, _line(exc), "合法的 YAML（章节: 点评文字）",
                                           str(getattr(exc, "problem", None) or exc))]) from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise DataValidationError([Problem(name, None, None, "章节到点评文字的映射",
                                           type(data).__name__)])
    out: dict[str, str] = {}
    problems: list[Problem] = []
    for key, text in data.items():
        section = by_name.get(str(key))
        if section is None:
            problems.append(Problem(name, str(key), None, "报告中的章节：" + "、".join(keys),
                                    "没有这个章节"))
            continue
        if text is None:
            continue
        if not isinstance(text, str):
            problems.append(Problem(name, str(key), None, "一段文字", type(text).__name__))
            continue
        if len(text) > MAX_CHARS:
            problems.append(Problem(name, str(key), None, f"不超过 {MAX_CHARS} 字的点评",
                                    f"{len(text):,} 字"))
            continue
        if text.strip():
            out[section] = text.strip()
    if problems:
        raise DataValidationError(problems)
    return out
