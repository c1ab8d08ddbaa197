"""``wxnb init``: what a new account starts from.

It writes the account's parameter layer (``parameters/accounts/<account>.yaml``: its name, the
monthly targets and the industry benchmarks with the field for their source, all unset) and the
month's commentary file (``wxnb.io.commentary``; comments only, naming the sections), makes
the month's data folder (``data/<account>/<YYYY-MM>/``, by default last month in Beijing time)
and a ``templates/`` folder beside the months with a header-only CSV of every hand-made input
(``wxnb.io.handmade``) and a README. It never overwrites a file: one that exists is kept and
reported as kept, so running it again (or after the analyst filled something in) loses nothing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from wxnb.io.handmade import HANDMADE, readme
from wxnb.params import ReportParams, check_identity
from wxnb.paths import CST, prev_month

__all__ = ["Written", "account_layer", "init_account", "last_month"]

TEMPLATES = "templates"

@dataclass(frozen=True)
class Written:
    """One path ``init`` dealt with: ``created`` or ``kept`` (it existed; left as it was)."""

    path: Path
    status: str


def last_month(now: datetime | None = None) -> str:
    """The month before the current one in Asia/Shanghai (``YYYY-MM``): the month to review."""
    now = (now or datetime.now(CST)).astimezone(CST)
    return prev_month(f"{now.year:04d}-{now.month:02d}")


def _label(kpi: str) -> str:
    """What a target or benchmark measures, as section 01's KPI table names and defines it
    (``wxnb.kit.metrics.KPI_SPECS``): the YAML comment beside it."""
    from wxnb.kit.metrics import KPI_SPECS

    spec = next((s for s in KPI_SPECS if s.key == kpi), None)
    if spec is None:
        return kpi
    return f"{spec.name}：{spec.definition}" + ("（小数，0.03 = 3%）" if spec.kind == "rate" else "")


def _yaml_text(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)  # a JSON string is a YAML string


def account_layer(account: str, name: str = "", today: str = "") -> str:
    """The account's parameter layer as YAML text: every target and benchmark field of
    :class:`~wxnb.params.ReportParams` (unset), each with what it measures."""
    fields = ReportParams.model_fields
    lines = [
        f"# 账号 {account} 的参数（wxnb init 生成{f'于 {today}' if today else ''}）。",
        "# 层级：parameters/defaults.yaml → 本文件 → parameters/months/<账号>/<YYYY-MM>.yaml"
        " → wxnb build --set 键=值",
        "# 比率写小数（0.03 = 3%）。留空（null）的目标在报告中显示为“未设目标”，"
        "行业均值显示为“未配置”。",
        "",
        f"account_name: {_yaml_text(name)}   # 报告封面上的账号名称，留空时用 {account}",
        "",
        "# 月度目标",
    ]
    for key in (k for k in fields if k.startswith("target_")):
        lines.append(f"{key}: null   # {_label(key[len('target_'):])}")
    lines += [
        "",
        "# 行业均值：只填有出处的数字，并在 benchmark_source 写明出处与时间（报告中与数字并列显示），",
        "# 例如 “微小宝公众号行业数据（2019年8月）”。不要编造：留空的均值不参与比较。",
        'benchmark_source: ""',
    ]
    for key in (k for k in fields if k.startswith("benchmark_") and k != "benchmark_source"):
        lines.append(f"{key}: null   # {_label(key[len('benchmark_'):])}")
    return "\n".join(lines) + "\n"


def commentary_template(month: str) -> str:
    """The month's commentary file with nothing in it yet: comments naming every section."""
    from wxnb.sections import registry

    lines = [f"# {month} 的分析师点评（人工撰写，报告中标注“人工”，显示在对应章节的开头）。",
             "# 每个章节一段文字；去掉行首的 # 再写。章节可写键名（如 01_kpi）或编号（如 \"01\"）。",
             "# 修改本文件后 wxnb build 只重新生成报告，不重跑章节。", "#"]
    lines += [f"# {spec.key}: （{spec.title}）" for spec in registry()]
    lines += ["#", "# 示例：", "# 01_kpi: |", "#   国庆假期推送减少，净增低于目标；十一月恢复每周三次推送。"]
    return "\n".join(lines) + "\n"


def _write_new(path: Path, text: str, *, encoding: str = "utf-8") -> Written:
    """Create ``path`` with ``text`` unless it exists (never overwritten)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with path.open("x", encoding=encoding, newline="") as fh:
            fh.write(text)
    except FileExistsError:
        return Written(path, "kept")
    return Written(path, "created")


def init_account(account: str, month: str | None, *, parameters: Path, data: Path,
                 name: str = "", now: datetime | None = None) -> list[Written]:
    """Write what a new account starts from (see the module); return each path and whether it
    was created or kept.

    Raises
    ------
    ParameterError
        ``account`` or ``month`` cannot name a folder (the rules of ``wxnb build``).
    """
    month = month or last_month(now)
    check_identity(account, month)
    today = (now or datetime.now(CST)).astimezone(CST).strftime("%Y-%m-%d")
    done = [_write_new(parameters / "accounts" / f"{account}.yaml",
                       account_layer(account, name, today)),
            _write_new(parameters / "months" / account / f"{month}.commentary.yaml",
                       commentary_template(month))]
    folder = data / account / month
    existed = folder.is_dir()
    folder.mkdir(parents=True, exist_ok=True)
    done.append(Written(folder, "kept" if existed else "created"))
    templates = data / account / TEMPLATES
    for f in HANDMADE:  # UTF-8 with a BOM: Excel then opens the Chinese header correctly
        done.append(_write_new(templates / f.name, ",".join(f.columns) + "\r\n",
                               encoding="utf-8-sig"))
    done.append(_write_new(templates / "README.md", readme(account)))
    return done
