"""Section 99 附录, the numbers: the metric dictionary, the input files' provenance, the versions.

Everything here only reads. Input files are opened read-only (``"rb"``), hashed and counted from
the same bytes, and never modified; an unreadable file becomes a row that says so (its 说明),
never an exception. The dictionary is ``metric_dictionary.yaml`` beside this module.
"""

from __future__ import annotations

import csv
import hashlib
import importlib.metadata
import io
import json
import platform
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from wxnb import paths
from wxnb.io import csvin
from wxnb.io.datacube import ENDPOINTS, discover
from wxnb.io.backend import recognise
from wxnb.io.eventfiles import event_files
from wxnb.io.digest import file_sha256
from wxnb.io.folder import INPUTS, input_label

__all__ = [
    "DICTIONARY_FIELDS",
    "NOT_INSTALLED",
    "OTHER_FILE",
    "PACKAGES",
    "PROVENANCE_COLUMNS",
    "SECTION_INPUTS",
    "metric_dictionary",
    "provenance",
    "provenance_summary",
    "versions",
]

DICTIONARY_FILE = Path(__file__).with_name("metric_dictionary.yaml")
DICTIONARY_FIELDS = (
    "key", "name", "definition", "numerator", "denominator", "source", "caliber",
)
NOT_INSTALLED = "未安装"
PACKAGES = (
    "wxnb", "pandas", "numpy", "matplotlib", "seaborn", "pandera", "pydantic", "papermill",
    "nbconvert", "nbclient", "nbformat", "ipykernel", "jupyterlab",
)

# --------------------------------------------------------------------------- metric dictionary


def metric_dictionary() -> list[dict[str, Any]]:
    """Return the metric dictionary, one dict per metric the report shows.

    Returns
    -------
    list of dict
        Each entry has the non-empty text fields of ``DICTIONARY_FIELDS`` (``denominator`` is
        "—" when there is none) and ``fields``, the ``"<endpoint>.<field>"`` names it reads.

    Raises
    ------
    ValueError
        If the packaged YAML is not a list of entries with every required field filled in.
    """
    entries = yaml.safe_load(DICTIONARY_FILE.read_text(encoding="utf-8"))
    if not isinstance(entries, list):
        raise ValueError(f"{DICTIONARY_FILE.name}: 应为指标条目的列表")
    out = []
    for i, entry in enumerate(entries):
        missing = [f for f in DICTIONARY_FIELDS
                   if not isinstance(entry, dict) or not str(entry.get(f) or "").strip()]
        if missing:
            raise ValueError(f"{DICTIONARY_FILE.name}: 第 {i + 1} 条缺少 {', '.join(missing)}")
        out.append({**{f: _unfold(str(entry[f])) for f in DICTIONARY_FIELDS},
                    "fields": list(entry.get("fields") or [])})
    return out


# YAML folds a line break into a space, which Chinese text does not want between its characters.
_CJK = "\u3000-\u303f\u4e00-\u9fff\uff00-\uffef\u201c\u201d"
_CJK_GAP = re.compile(f"(?<=[{_CJK}])\\s+(?=[{_CJK}])")


def _unfold(text: str) -> str:
    return _CJK_GAP.sub("", text.strip())


# --------------------------------------------------------------------------- provenance

PROVENANCE_COLUMNS = ("月份", "文件", "接口", "行数", "日期范围", "字节数", "SHA-256", "说明")


@dataclass(frozen=True)
class _Count:
    """What one file holds: rows, the ref_date values seen, and a note (empty when fine)."""

    rows: int | None
    dates: tuple[str, ...]
    note: str


# Section inputs beyond the datacube files (glob pattern → what the file is): the input layer's
# one list (wxnb.io.folder). Anything else in the folder is listed too, as 其他文件（未使用）, so the
# appendix accounts for every file it saw.
SECTION_INPUTS: tuple[tuple[str, str], ...] = INPUTS
OTHER_FILE = "其他文件（未使用）"
_SMALL_FILE = 64 * 1024 * 1024  # read whole below this; stream (hash, count lines) above it


def provenance(data_dir: Path, month: str, *, prev_dir: Path | None = None) -> pd.DataFrame:
    """List every input file of the month (and of the previous month) with its fingerprint.

    Parameters
    ----------
    data_dir
        The month's folder: the datacube files (``wxnb.io.datacube.discover``), the sections' own
        inputs (``SECTION_INPUTS``) and any other file in it; and its event log when the log is
        kept in the agency's partition (``data/_events/account=A/month=M/``).
    month
        The report month ``YYYY-MM`` (the previous month's rows are labelled with the month
        before it).
    prev_dir
        The previous month's folder; listed when given and existing.

    Returns
    -------
    pandas.DataFrame
        One row per file, columns ``PROVENANCE_COLUMNS``: 接口 is the endpoint or input it is,
        行数 the rows in ``list`` (the ``details`` rows for getarticletotal, data rows for CSV,
        lines for JSON Lines, the row count in a Parquet footer, menu items for menu.json) or
        missing when the file could not be read, 日期范围 the min–max ``ref_date`` ("—" if none),
        SHA-256 the full hex digest, 说明 why a file could not be read ("" when it could). A
        missing folder has no rows. Large files are hashed and counted in a stream.
    """
    rows: list[dict[str, Any]] = []
    folders = [(month, Path(data_dir))]
    if prev_dir is not None:
        folders.append((paths.prev_month(month), Path(prev_dir)))
    for label, folder in folders:
        if not folder.is_dir():
            continue
        seen: set[Path] = set()
        for endpoint, files in discover(folder).items():
            rows.extend(_file_row(label, endpoint, path) for path in files)
            seen.update(files)
        for path in sorted(folder.iterdir()):
            if path.is_file() and path not in seen and not path.name.startswith("."):
                rows.append(_other_row(label, path))
        for path in event_files(folder):  # an event log kept in the agency's partitions
            if path.parent != folder:
                row = _other_row(label, path, kind=_input_label("events.parquet"))
                row["文件"] = path.relative_to(folder.parent.parent).as_posix()
                rows.append(row)
    frame = pd.DataFrame(rows, columns=list(PROVENANCE_COLUMNS))
    frame["行数"] = frame["行数"].astype("Int64")
    frame["字节数"] = frame["字节数"].astype("int64")
    return frame


def _input_label(name: str) -> str:
    return input_label(name) or OTHER_FILE


def _unreadable(month: str, path: Path, kind: str, exc: OSError) -> dict[str, Any]:
    return {"月份": month, "文件": path.name, "接口": kind, "行数": None, "日期范围": "—",
            "字节数": 0, "SHA-256": "", "说明": f"无法读取：{exc.strerror or exc}"}


def _file_row(month: str, endpoint: str, path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:  # read-only; hash and count the very same bytes
            raw = fh.read()
    except OSError as exc:
        return _unreadable(month, path, ENDPOINTS[endpoint].label, exc)
    count = _count_csv(raw) if path.suffix.lower() == ".csv" else _count_json(raw, endpoint)
    return {
        "月份": month,
        "文件": path.name,
        "接口": ENDPOINTS[endpoint].label,
        "行数": count.rows,
        "日期范围": _date_range(count.dates),
        "字节数": len(raw),
        "SHA-256": hashlib.sha256(raw).hexdigest(),
        "说明": count.note,
    }


def _other_row(month: str, path: Path, kind: str = "") -> dict[str, Any]:
    kind = kind or _input_label(path.name)
    try:
        size = path.stat().st_size
        if size <= _SMALL_FILE:
            with path.open("rb") as fh:
                raw = fh.read()
            download = recognise(path)  # a backend download, by its header row
            if download is not None:
                kind, days = download
                count = _Count(len(days), tuple(days), "")
            else:
                count = _count_other(path, raw)
            digest = hashlib.sha256(raw).hexdigest()
        else:
            digest, count = file_sha256(path), _count_large(path)
    except OSError as exc:
        return _unreadable(month, path, kind, exc)
    return {"月份": month, "文件": path.name, "接口": kind, "行数": count.rows,
            "日期范围": _date_range(count.dates), "字节数": size, "SHA-256": digest,
            "说明": count.note}


def _count_other(path: Path, raw: bytes) -> _Count:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return _count_csv(raw)
    if suffix == ".parquet":
        return _count_parquet(path)
    if suffix == ".jsonl":
        return _Count(sum(1 for line in raw.splitlines() if line.strip()), (), "")
    if path.name == "menu.json":
        return _count_menu(raw)
    return _Count(0, (), "")


def _count_large(path: Path) -> _Count:
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        return _count_parquet(path)
    if suffix not in (".csv", ".jsonl"):
        return _Count(0, (), "")
    lines = 0
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            lines += chunk.count(b"\n")
    # a CSV's header is not a row (quoted line breaks inside a field are not expected here)
    return _Count(max(lines - (suffix == ".csv"), 0), (), "")


def _count_parquet(path: Path) -> _Count:
    import pyarrow.parquet as pq

    try:
        return _Count(pq.read_metadata(path).num_rows, (), "")
    except Exception as exc:  # noqa: BLE001 - pyarrow raises several types for a bad footer
        return _Count(None, (), f"无法读取：不是有效的 Parquet 文件（{str(exc)[:80]}）")


def _json_text(raw: bytes) -> Any:
    """Decode and parse a JSON input exactly as the loaders do (BOM, NaN, huge integers)."""
    return csvin.parse_json(csvin.decode(raw, legacy=False).text)


def _count_menu(raw: bytes) -> _Count:
    try:
        body = _json_text(raw)
        buttons = body["selfmenu_info"]["button"]
        items = sum(len((b.get("sub_button") or {}).get("list") or []) or 1 for b in buttons)
    except (ValueError, RecursionError, KeyError, TypeError, AttributeError):
        return _Count(None, (), "无法读取：不是 get_current_selfmenu_info 的 JSON 结构")
    return _Count(items, (), "")


def _count_json(raw: bytes, endpoint: str) -> _Count:
    try:
        body = _json_text(raw)
    except UnicodeDecodeError:
        return _Count(None, (), "无法读取：不是 UTF-8 编码")
    except json.JSONDecodeError as exc:
        return _Count(None, (), f"无法读取：JSON 解析失败（第 {exc.lineno} 行第 {exc.colno} 列）")
    except RecursionError:
        return _Count(None, (), "无法读取：JSON 嵌套过深")
    except ValueError as exc:
        return _Count(None, (), f"无法读取：{str(exc)[:80]}")
    envelopes = body if isinstance(body, list) else [body]
    rows, items_seen, dates = 0, 0, []
    for env in envelopes:
        if not isinstance(env, dict):
            return _Count(None, (), '无法读取：不是 {"list": [...]} 结构')
        if env.get("errcode", 0) != 0:
            return _Count(None, (), f"无法读取：错误响应 errcode={env.get('errcode')} "
                                    f"errmsg={env.get('errmsg', '')}")
        items = env.get("list")
        if not isinstance(items, list):
            return _Count(None, (), "无法读取：缺少 list 数组")
        items_seen += len(items)
        for item in items:
            if isinstance(item, dict):
                dates.append(item.get("ref_date"))
            if endpoint == "getarticletotal":
                details = item.get("details") if isinstance(item, dict) else None
                rows += len(details) if isinstance(details, list) else 0
            else:
                rows += 1
    note = "" if items_seen else "list 为空（该时段接口没有返回数据）"
    return _Count(rows, tuple(d for d in dates if _is_date(d)), note)


def _count_csv(raw: bytes) -> _Count:
    """Data rows (rows with a non-blank cell under the header's columns) and their
    ``ref_date`` values: one pass of the csv module's reader, no dict per row (a month's
    template callbacks are 280k rows at 50M events)."""
    try:
        text = csvin.decode(raw).text  # UTF-8 (BOM or not), UTF-16 with BOM, GB18030
        reader = csv.reader(io.StringIO(text, newline=""))
        header = next(reader, None)
        if not header:
            return _Count(None, (), "无法读取：空文件，没有字段名行")
        width = len(header)
        # as a dict reader would: a name given twice keeps its last column
        at = max((i for i, h in enumerate(header) if h == "ref_date"), default=None)
        rows, dates = 0, []
        for r in reader:
            if r and "".join(r[:width]).strip():
                rows += 1
                if at is not None and at < len(r):
                    d = r[at].strip()
                    if _is_date(d):
                        dates.append(d)
    except UnicodeDecodeError:
        return _Count(None, (), "无法读取：既不是 UTF-8 也不是 GB18030 编码")
    except csv.Error as exc:
        return _Count(None, (), f"无法读取：CSV 格式错误（{exc}）")
    return _Count(rows, tuple(dates), "" if rows else "没有数据行")


_DATE_RX = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _is_date(value: Any) -> bool:
    return isinstance(value, str) and bool(_DATE_RX.match(value))


def _date_range(dates: tuple[str, ...]) -> str:
    if not dates:
        return "—"
    lo, hi = min(dates), max(dates)
    return lo if lo == hi else f"{lo} 至 {hi}"


def provenance_summary(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """One row per month and input of a ``provenance`` frame, in its order.

    Each row has 月份, 接口, 文件数, 行数 (the sum; None when a file's rows are unknown),
    日期范围 (over all its files), 字节数 (the sum) and SHA-256: the one file's digest ("" when
    it could not be read), None when the input has several files.
    """
    groups = []
    for (mon, kind), g in frame.groupby(["月份", "接口"], sort=False):
        dates = [d for r in g["日期范围"] if r != "—" for d in r.split(" 至 ")]
        rows_known = g["行数"].notna().all()
        groups.append({
            "月份": mon, "接口": kind, "文件数": len(g),
            "行数": int(g["行数"].sum()) if rows_known else None,
            "日期范围": _date_range(tuple(dates)), "字节数": int(g["字节数"].sum()),
            "SHA-256": g["SHA-256"].iloc[0] if len(g) == 1 else None,
        })
    return groups


# --------------------------------------------------------------------------- versions


def versions() -> list[tuple[str, str]]:
    """Return (component, version) for Python and every package in ``PACKAGES``.

    A package that is not installed has the version 未安装. The operating system and the
    machine are not named: the report goes to people outside the team.
    """
    out = [("Python", f"{platform.python_version()}（{platform.python_implementation()}）")]
    for name in PACKAGES:
        try:
            out.append((name, importlib.metadata.version(name)))
        except importlib.metadata.PackageNotFoundError:
            out.append((name, NOT_INSTALLED))
    return out
