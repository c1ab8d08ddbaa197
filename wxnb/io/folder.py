"""What a month folder holds: each file recognised as an input, or said why it is not.

The datacube files are named by their endpoint (``wxnb.io.datacube.discover``); the event log by
``events*``; the menu is ``menu.json``; the hand-made CSV files are those of
``wxnb.io.handmade``; the backend's downloads are ``wxnb.io.backend``'s (by header row). :data:`INPUTS`
names every input beyond the datacube for the appendix's list of files, and
:func:`unrecognised` lists the files of a folder that are none of these,
each with the reason, so an analyst who dropped a backend download or a misnamed file in the
folder is told instead of finding it silently left out.
"""

from __future__ import annotations

import fnmatch
from pathlib import Path

from wxnb.io import ads, channels, companions, miniprogram, portrait, touch, wecom
from wxnb.io import eventlog as events
from wxnb.io.backend import GROWTH_LABEL, recognise
from wxnb.io.datacube import ENDPOINTS, discover
from wxnb.io.handmade import HANDMADE

__all__ = ["INPUTS", "input_label", "unread_notes", "unrecognised"]

_EVENT_LOG = "事件日志（事件推送与自有埋点）"

#: Glob pattern → what the file is, for every input beyond the datacube files.
INPUTS: tuple[tuple[str, str], ...] = (
    *((pattern, _EVENT_LOG) for pattern in events.EVENT_GLOBS),
    (companions.MENU_FILE, "自定义菜单（get_current_selfmenu_info）"),
    *((f.name, f.label) for f in HANDMADE),
    ("user_analysis*", GROWTH_LABEL),
    *ads.INPUTS,
    *wecom.INPUTS,
    *touch.INPUTS,
    *miniprogram.INPUTS,
    *channels.LABELS.items(),
    *portrait.INPUTS,
)

_SPREADSHEET = (".xls", ".xlsx", ".xlsm", ".et")


def input_label(name: str) -> str | None:
    """What the file named ``name`` is, when it is one of :data:`INPUTS`; else None."""
    return next((label for pattern, label in INPUTS if fnmatch.fnmatch(name, pattern)), None)


def _reason(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in _SPREADSHEET:
        return ("Excel 表格，但不是 wxnb 读取的后台下载：目前读取“用户增长”（表头含 时间、新关注人数、"
                "取消关注人数、累积关注人数）与“内容分析 → 数据趋势”的数据明细（表头含 日期、渠道、"
                "阅读次数、阅读人数、分享次数、分享人数、阅读原文次数、阅读原文人数、收藏次数、收藏人数），"
                "HTML、Excel 或 CSV 均可；其他下载请改放数据统计接口的 JSON 文件，或按 "
                "docs/data-contract.md 的字段另存为对应的 CSV")
    if suffix in (".json", ".csv"):
        return ("文件名不是已知的数据统计接口（应以接口名开头，如 getusersummary_2026-10-01_"
                f"2026-10-07.json；共 {len(ENDPOINTS)} 个接口），也不是事件日志或手工数据文件")
    return "不是 wxnb 读取的文件（只读取 JSON、CSV、Parquet 与 JSON Lines）"


def unrecognised(folder: Path) -> list[tuple[str, str]]:
    """``(file name, reason)`` for each file of ``folder`` that wxnb does not read (hidden
    files aside), in name order; [] for a folder that does not exist."""
    folder = Path(folder)
    if not folder.is_dir():
        return []
    known = {p for files in discover(folder).values() for p in files}
    return [(p.name, _reason(p)) for p in sorted(folder.iterdir())
            if p.is_file() and not p.name.startswith(".") and p not in known
            and input_label(p.name) is None and recognise(p) is None]


def unread_notes(folder: Path, shown: int = 3) -> list[str]:
    """One data note per reason a file of ``folder`` is not read, naming its files (the first
    ``shown`` and how many in all): a month fetched with the 2025 endpoints holds ninety files
    of three endpoints the build does not read, not ninety notes."""
    by_reason: dict[str, list[str]] = {}
    for name, why in unrecognised(folder):
        by_reason.setdefault(why, []).append(name)
    out = []
    for why, names in by_reason.items():
        if len(names) == 1:
            out.append(f"未读取 {names[0]}：{why}")
        else:
            more = f" 等 {len(names)} 个文件" if len(names) > shown else ""
            out.append(f"未读取 {'、'.join(names[:shown])}{more}：{why}")
    return out
