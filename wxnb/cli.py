"""The ``wxnb`` command: ``build`` the monthly review, ``sample`` data, ``check`` inputs,
``fetch`` a month from WeChat's 数据统计接口, ``init`` an account.

Exit codes: 0 done; 1 a section failed (the last good report is kept) or a fetch could not
finish (what it fetched is kept; a rerun resumes); 2 bad parameters or data
(no notebook was run); 3 an internal error (a bug; WXNB_DEBUG=1 shows the traceback).
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from wxnb import __version__, paths
from wxnb.exceptions import DataValidationError, Problem, WxnbError

__all__ = ["main"]



def _fail(exc: WxnbError, code: int = 2) -> None:
    click.echo(_safe(f"错误：{exc}"), err=True)
    sys.exit(code)


def _safe(text: str) -> str:
    """Terminal text: the environment's credentials masked, and bidi controls from data texts
    (U+202E …) shown as visible codes so they cannot reorder what the terminal prints."""
    from wxnb.kit.fmt import visible
    from wxnb.secrets import known_secrets, scrub_text

    return visible(scrub_text(text, known_secrets()))


def _overrides(items: tuple[str, ...]) -> dict[str, Any]:
    from wxnb.params import parse_override

    return dict(parse_override(i) for i in items)


@click.group()
@click.version_option(__version__, prog_name="wxnb")
def cli() -> None:
    """微信营销月度复盘：从一个月的数据生成中文 HTML 月报。"""


_published = False  # set once a build has published its report (see main)


def main() -> None:
    """Run the command; no traceback reaches the user unless WXNB_DEBUG=1 asks for one."""
    # SIGTERM stops any command the way Ctrl-C does, from its first moment (a build then
    # cleans up what it started; see build).
    signal.signal(signal.SIGTERM, _stopped)
    signal.signal(signal.SIGINT, _stopped)  # not KeyboardInterrupt: click would say "Aborted!"
    try:
        cli()
    except SystemExit as exc:
        if exc.code in (0, None) and _published:
            # The report is written, published and announced: leave without the interpreter's
            # teardown of pandas, pyarrow, DuckDB and nbconvert (≈0.5–0.9 s of freeing memory
            # the kernel frees at once). The workers end with this process, as on any exit.
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(0)
        raise
    except (KeyboardInterrupt, _Stop) as exc:  # outside a build's own handling: one line
        click.echo("\n已中断", err=True)
        sys.exit(_exit_code(exc))
    except WxnbError as exc:
        _fail(exc)
    except Exception as exc:
        if os.environ.get("WXNB_DEBUG"):
            raise
        click.echo(_safe(f"内部错误：{type(exc).__name__}: {exc}\n"
                         "这是 wxnb 的缺陷而不是数据问题；设置 WXNB_DEBUG=1 重新运行可查看完整回溯。"),
                   err=True)
        sys.exit(3)


@cli.command()
@click.option("--out", "root", type=click.Path(path_type=Path), default=paths.DATA,
              show_default=True, help="数据根目录：写入 <root>/<account>/<month> 与上月")
@click.option("--account", default=paths.SAMPLE_ACCOUNT, show_default=True)
@click.option("--month", default=paths.SAMPLE_MONTH, show_default=True)
@click.option("--seed", default=2026, show_default=True, type=int)
@click.option("--hostile", is_flag=True,
              help="文本混入 HTML/脚本/超长/emoji/RLO 等恶意内容，用于检验报告转义")
@click.option("--events", "n_events", type=click.IntRange(10_000, 100_000_000), default=None,
              metavar="N",
              help="事件日志（events.parquet）的规模：按比例放大或缩小示例账号（粉丝数、每日关注与"
                   "取关、阅读、消息……），使报告月份约有 N 个事件（±10%，上月略少；10,000 至 "
                   "100,000,000）。默认不缩放：约 12 万粉丝、每月约 25 万个事件。日志逐日生成、按 "
                   "100 万行的行组写入（5000 万个事件连同上月在双核机器上约需 9 分钟，峰值内存约 1.8 GB）")
@click.option("--shape", type=click.Choice(["2025", "legacy"]), default=None,
              help="文章数据的接口：2025（发表内容接口，2025-11 起的月份默认）或 legacy（旧版图文分析接口，"
                   "更早的月份默认）")
def sample(root: Path, account: str, month: str, seed: int, hostile: bool,
           n_events: int | None, shape: str | None) -> None:
    """生成示例月份（及其上月）的数据统计接口数据、事件日志和各章节输入。"""
    from wxnb.params import check_identity
    from wxnb.samples.month import generate_sample

    check_identity(account, month)
    files = generate_sample(root, account=account, month=month, seed=seed, hostile=hostile,
                            events=n_events, shape=shape)
    click.echo(f"已写入 {len(files)} 个文件到 {root / account}")
    import pyarrow.parquet as pq

    for path in files:
        if path.name == "events.parquet":
            rows = pq.ParquetFile(path).metadata.num_rows
            click.echo(f"  {path.parent.name} 事件日志：{rows:,} 个事件（{path}）")


@cli.command()
@click.option("--account", required=True, help="账号标识（字母、数字、-、_）")
@click.option("--month", default=None, help="月份 YYYY-MM（默认：北京时间的上个月）")
@click.option("--data", "folder", type=click.Path(path_type=Path, file_okay=False), default=None,
              help="写入的月份目录（默认 data/<account>/<month>）")
@click.option("--api-base", default=None, metavar="URL",
              help="接口地址（默认 https://api.weixin.qq.com，或环境变量 WXNB_API_BASE）")
@click.option("--previous", is_flag=True,
              help="同时获取上个月（环比需要），写入同级的 <上月> 目录；已有的文件不再获取")
def fetch(account: str, month: str | None, folder: Path | None, api_base: str | None,
          previous: bool) -> None:
    """从微信数据统计接口获取一个月的数据，原样存档为该月的输入文件（可中断后续传）。

    凭据只从环境变量读取：公众号 WXNB_APPID 与 WXNB_APPSECRET，或 WXNB_ACCESS_TOKEN；
    设置了小程序凭据（WXNB_MP_APPID 与 WXNB_MP_APPSECRET，或 WXNB_MP_ACCESS_TOKEN）时，
    同时获取小程序数据分析接口（13 小程序经营分析）。只有小程序凭据时只获取小程序。
    """
    from wxnb.build.scaffold import last_month
    from wxnb.io import fetch as api
    from wxnb.io import mpfetch
    from wxnb.params import check_identity

    month = month or last_month()
    check_identity(account, month)
    folder = folder or paths.DATA / account / month
    base = api_base or os.environ.get("WXNB_API_BASE") or api.DEFAULT_API
    mp_env = any(os.environ.get(k) for k in (mpfetch.ENV_APPID, mpfetch.ENV_TOKEN))
    oa_env = any(os.environ.get(k) for k in ("WXNB_APPID", "WXNB_ACCESS_TOKEN"))
    months = [(paths.prev_month(month), folder.parent / paths.prev_month(month))] \
        if previous else []  # the month before first: the build reads it from the sibling
    if oa_env or not mp_env:  # without any credentials the OA's message says what to set
        client = api.Client(base, api.Credentials.from_env())
        for m, f in [*months, (month, folder)]:
            _fetch_one(client, m, f)
    if mp_env:
        mp_client = api.Client(base, mpfetch.credentials_from_env())
        for m, f in [*months, (month, folder)]:
            _fetch_mp(mp_client, m, f)
    _next_step(account, month, folder)


def _with_progress(desc: str, windows: list[Any] | None, folder: Path,
                   run: Callable[[Callable[[Any, str], None]], Any]) -> Any:
    """Run one month's fetch ``run(progress)`` with a progress bar over ``windows`` (none when
    None). Ctrl-C says where the saved files are and that a rerun resumes; a fetch error is the
    command's error. Returns what ``run`` returns."""
    from tqdm import tqdm

    bar = tqdm(total=len(windows or ()), unit="次", desc=desc, file=sys.stderr, dynamic_ncols=True,
               disable=None if windows is not None else True, leave=False)

    def progress(w: Any, state: str) -> None:
        bar.set_postfix_str(f"{w.endpoint} {w.begin:%m-%d} {state}", refresh=False)
        bar.update(1)

    try:
        return run(progress)
    except (KeyboardInterrupt, _Stop) as exc:
        bar.close()
        click.echo(_safe(f"\n已中断：已保存的文件保留在 {_shown_path(folder)}，重新运行同一命令会"
                         "从中断处继续"), err=True)
        sys.exit(_exit_code(exc))
    except WxnbError as exc:
        bar.close()
        _fail(exc, 1)
    finally:
        bar.close()


def _next_step(account: str, month: str, folder: Path) -> None:
    """What to run after a fetch: check, then build, with the folder when it is not the
    default one."""
    where = f"--account {account} --month {month}"
    if folder != paths.DATA / account / month:
        where += f" --data {_shown_path(folder)}"
    click.echo(_safe(f"下一步：wxnb check {where}，通过后 wxnb build {where}"))


def _fetch_one(client: Any, month: str, folder: Path) -> None:
    """Fetch one month into ``folder`` with a progress bar, and say what happened."""

    from wxnb.io import fetch as api

    windows = api.plan(month)
    click.echo(_safe(f"{month}：{len(windows)} 次调用（{len(api.endpoints_for(month))} "
                     f"个接口，按各接口允许的日期跨度切分）→ {_shown_path(folder)}"))
    out = _with_progress(month, windows, folder, lambda progress: api.fetch_month(
        client, month, folder, windows=windows, progress=progress))
    click.echo(_safe(f"已获取 {len(out.written)} 个文件，已有 {len(out.kept)} 个（此前获取），"
                     f"保存在 {_shown_path(folder)}"))
    for endpoint in out.retired:
        click.echo(_safe(f"  接口已下线（errcode 47009）：{endpoint}，该月跳过其余 "
                         "时段；文章数据请改用 2025 发表内容接口或后台下载"), err=True)
    if out.pending:
        click.echo(_safe(f"  {out.pending} 个时段尚未结束或数据未就绪（微信每天 8 点后提供前一天的数据），"
                         "未获取；之后重新运行本命令会补上"), err=True)
    if out.delayed:
        click.echo(_safe(f"  {len(out.delayed)} 个文件微信仍标记为数据未最终确定（is_delay），"
                         "报告的数据说明会注明；稍后重新运行本命令会再次获取它们"), err=True)


def _fetch_mp(client: Any, month: str, folder: Path) -> None:
    """Fetch one month of the mini program analysis endpoints into ``folder`` with a progress
    bar, and say what happened (``wxnb.io.mpfetch``: dates are yyyymmdd there)."""

    from wxnb.io import fetch as api
    from wxnb.io import mpfetch

    windows = mpfetch.plan(month, until=api.available_until())
    click.echo(_safe(f"{month} 小程序：{len(windows)} 次调用 → {_shown_path(folder)}"))
    out = _with_progress(f"{month} 小程序", windows, folder, lambda progress: mpfetch.fetch_month(
        client, month, folder, windows=windows, progress=progress))
    click.echo(_safe(f"小程序：已获取 {len(out.written)} 个文件，已有 {len(out.kept)} 个（此前获取）"))
    for endpoint in out.retired:
        click.echo(_safe(f"  接口已下线：{endpoint}，该月跳过其余时段"), err=True)
    if out.pending:
        click.echo(_safe(f"  {out.pending} 个时段尚未结束（每天 8 点后提供前一天的数据），未获取；"
                         "之后重新运行本命令会补上"), err=True)
    if out.not_ready:
        click.echo(_safe(f"  {len(out.not_ready)} 个时段微信回答“数据还没准备好”或全为 0，未存档"
                         "（不当作真实的 0）；稍后重新运行本命令会再次获取"), err=True)


@cli.command("fetch-ads")
@click.option("--account", required=True, help="账号标识（字母、数字、-、_）")
@click.option("--month", default=None, help="月份 YYYY-MM（默认：北京时间的上个月）")
@click.option("--data", "folder", type=click.Path(path_type=Path, file_okay=False), default=None,
              help="写入的月份目录（默认 data/<account>/<month>）")
@click.option("--api-base", default=None, metavar="URL",
              help="腾讯广告接口地址（默认 https://api.e.qq.com/v1.3，或环境变量 WXNB_ADS_API_BASE）")
@click.option("--ads-account-id", default=None,
              help="广告主帐号 id（默认环境变量 WXNB_ADS_ACCOUNT_ID）")
@click.option("--previous", is_flag=True, help="同时获取上个月（环比需要），写入同级的 <上月> 目录")
def fetch_ads(account: str, month: str | None, folder: Path | None, api_base: str | None,
              ads_account_id: str | None, previous: bool) -> None:
    """从腾讯广告 Marketing API 获取一个月的日报表与小时报表（广告组层级），原样存档（可中断后续传）。

    凭据只从环境变量读取：WXNB_ADS_ACCESS_TOKEN 与 WXNB_ADS_ACCOUNT_ID。
    """
    from wxnb.build.scaffold import last_month
    from wxnb.io import adsfetch
    from wxnb.params import check_identity

    month = month or last_month()
    check_identity(account, month)
    folder = folder or paths.DATA / account / month
    base = api_base or os.environ.get(adsfetch.ENV_BASE) or adsfetch.DEFAULT_ADS_API
    client = adsfetch.AdsClient(base, adsfetch.AdsCredentials.from_env(account_id=ads_account_id))
    months = [(paths.prev_month(month), folder.parent / paths.prev_month(month))] \
        if previous else []
    for m, f in [*months, (month, folder)]:
        reports = adsfetch.plan(m)
        click.echo(_safe(f"{m}：日报表 1 个时段、小时报表 {len(reports) - 1} 天 → {_shown_path(f)}"))
        out = _with_progress(m, None, f, lambda _progress, m=m, f=f, reports=reports:
                             adsfetch.fetch_month(client, m, f, reports=reports))
        click.echo(_safe(f"已获取 {len(out.written)} 页，已有 {len(out.kept)} 页（此前获取），"
                         f"保存在 {_shown_path(f)}"))
        if out.pending:
            click.echo(f"  {out.pending} 个时段尚未结束（每天 8 点后提供前一天的完整数据），未获取；"
                       "之后重新运行本命令会补上", err=True)
        if out.too_old:
            click.echo(f"  {len(out.too_old)} 个时段超出接口可查询范围（小时报表 90 天、日报表 365 天），"
                       "未获取", err=True)
    _next_step(account, month, folder)


@cli.command()
@click.option("--account", required=True, help="账号标识（字母、数字、-、_），用作目录名")
@click.option("--month", default=None,
              help="首个要复盘的月份 YYYY-MM（默认：北京时间的上个月）")
@click.option("--name", default="", help="账号显示名称（报告封面），可稍后在参数文件中填写")
@click.option("--data", "data_root", type=click.Path(path_type=Path), default=None,
              help="数据根目录（默认 data/）")
def init(account: str, month: str | None, name: str, data_root: Path | None) -> None:
    """为新账号生成参数文件、当月数据目录与手工数据模板（已有文件一律保留，不覆盖）。"""
    from wxnb.build.scaffold import init_account, last_month

    month = month or last_month()
    try:
        done = init_account(account, month, parameters=paths.PARAMETERS,
                            data=data_root or paths.DATA, name=name)
    except WxnbError as exc:
        _fail(exc)
    for w in done:
        mark = "已生成" if w.status == "created" else "已存在，保留未改"
        click.echo(_safe(f"  {mark}：{_shown_path(w.path)}"))
    folder = _shown_path((data_root or paths.DATA) / account / month)
    where = f"--account {account} --month {month}" + (f" --data {folder}" if data_root else "")
    click.echo(_safe(
        f"下一步：\n"
        f"  1. 在 {_shown_path(done[0].path)} 填写月度目标；行业均值只填有出处的数字并写明来源。\n"
        f"  2. 把 {month} 的数据统计接口文件（或后台下载的表格）放入 {folder}/；"
        f"需要的手工数据从 templates/ 复制过去填写（见其中的 README.md）。\n"
        f"  3. wxnb check {where}，通过后 wxnb build {where}\n"
        f"  4. 需要时在 {_shown_path(done[1].path)} 写各章节的分析师点评（报告中标注“人工”）。"))


@cli.command()
@click.option("--force", is_flag=True,
              help="也覆盖生成后被编辑过的笔记本（其改动会丢失）")
def notebooks(force: bool) -> None:
    """按各章节的声明（wxnb/sections/*/__init__.py 的 SPEC）重新生成 notebooks/。"""
    from wxnb.build.notebooks import write_all

    written, kept = write_all(force=force)
    for path in written:
        click.echo(_shown_path(path))
    for path in kept:
        click.echo(f"未覆盖 {_shown_path(path)}：它在生成后被编辑过。请把改动移入其声明"
                   "（wxnb/sections/<章节>/__init__.py 的 SPEC.cells），或用 --force 覆盖（改动会丢失）。",
                   err=True)
    if kept:
        sys.exit(1)


def _layer_overrides(data: Path | None, sets: tuple[str, ...]) -> dict[str, Any]:
    """The build's overrides over the YAML layers: ``--set`` values and ``--data``."""
    overrides = _overrides(sets)
    if data is not None:
        overrides["data_dir"] = str(data.resolve())
    return overrides


def _prepare(account: str, month: str, data: Path | None, sets: tuple[str, ...],
             keys: list[str] | None = None, defer_previous: bool = False) -> Any:
    """Validate parameters and data before any kernel starts; return (params, month data,
    pending).

    The previous month is validated too, but its problems never stop a build (they are notes:
    its 环比 is not available). With ``defer_previous`` its files other than the event log are
    checked on a thread of their own while the sections run: ``pending`` is then
    ``(index, notes)``, ``notes()`` waiting for them and the notes to insert at ``index`` of the
    month's warnings (:func:`_settle_previous`); else None, the notes already in place.

    Reads only: a missing month folder is an error saying how to get one, never generated
    here (sample data are written by ``wxnb sample`` alone).
    """
    from wxnb.build import inputs as sections
    from wxnb.io.datacube import load_month
    from wxnb.params import load_params

    params = load_params(account=account, month=month, overrides=_layer_overrides(data, sets))
    folder = params.resolved_data_dir()
    if not folder.is_dir():
        raise DataValidationError([Problem(_shown_path(folder), None, None,
                                           "存在的数据目录", "目录不存在；" + _how_to_get(params))])
    from concurrent.futures import ThreadPoolExecutor

    from wxnb.io import eventsummary
    from wxnb.paths import prev_month

    # Both months' event logs are validated and reduced on a thread of their own, one after the
    # other, each with the whole memory budget and every core (DuckDB releases the GIL), while
    # this thread parses and checks every other input of both months (GIL-bound Python): at
    # 50M events the checks then take no time of their own. The previous month is reduced only
    # to the tables its 环比 reads.
    prev_folder, prev = params.resolved_prev_data_dir(), prev_month(params.month)
    engine = params.event_engine(1)
    side = ThreadPoolExecutor(1, thread_name_prefix="wxnb-logs")
    log = side.submit(sections.check_log, folder, params.month, **engine)
    prev_log_job = side.submit(sections.check_log, prev_folder, prev, **engine,
                               tables=eventsummary.FOR_PREVIOUS) \
        if prev_folder.is_dir() else None
    side.shutdown(wait=False)
    problems: list[Problem] = []
    month_data = None
    try:
        month_data = load_month(folder, params.month)
    except DataValidationError as exc:
        problems += exc.problems
    # the sections' own inputs (event log, CSV files), so every problem is listed at once
    file_notes, file_problems = sections.check_files(folder, params.month)
    coverage, notes, log_problems = log.result()
    problems += log_problems + file_problems
    if problems:  # the previous month's log is not reduced for a build that cannot run
        side.shutdown(wait=False, cancel_futures=True)
        raise DataValidationError(problems)
    # The previous month's other files are checked on a thread of their own from now on (at 50M
    # events while its log is still being reduced); the sections read its summary, so that is
    # made before any section starts.
    later = ThreadPoolExecutor(1, thread_name_prefix="wxnb-previous")
    checked_files = later.submit(_previous_month_problems, prev_folder, prev)
    later.shutdown(wait=False)
    prev_log = prev_log_job.result() if prev_log_job is not None else None
    assert month_data is not None
    month_data.extra_coverage.extend(coverage)
    month_data.warnings.extend(notes + file_notes)
    month_data.warnings.extend(_family_parameters(params, month_data))

    def previous_notes() -> list[str]:
        found = checked_files.result()
        return _previous_month_notes(prev_folder, prev, None if found is None or prev_log is None
                                     else found[0] + prev_log[2] + found[1])

    from wxnb.sections.s08_strategy.compute import load_rules

    load_rules(params.resolved_rules_file())  # section 08's rules, checked before any kernel
    _commentary(params, keys)  # the analyst's commentary, checked with the data
    if not defer_previous:
        month_data.warnings.extend(previous_notes())
        return params, month_data, None
    return params, month_data, (len(month_data.warnings), previous_notes)


def _settle_previous(month_data: Any, pending: Any) -> int:
    """Insert the previous month's notes that ``_prepare`` left pending; how many."""
    if pending is None:
        return 0
    index, notes = pending
    found = notes()
    month_data.warnings[index:index] = found
    return len(found)


def _family_parameters(params: Any, month_data: Any) -> list[str]:
    """Targets and benchmarks the month's article data cannot answer: a month of the 2025
    发表内容 endpoints has no 阅读次数, and its 分享率 counts people (kit.metrics.KPI_SPECS)."""
    if month_data.article_api != "2025":
        return []
    from wxnb.kit.metrics import KPI_SPECS

    out = []
    for spec in KPI_SPECS:
        if not spec.redefined_2025:
            continue
        set_ = [k for k in (f"target_{spec.key}", f"benchmark_{spec.key}")
                if getattr(params, k, None) is not None]
        if spec.key == "read_count" and set_:
            out.append(f"参数设定了 {'、'.join(set_)}，但本月文章数据来自 2025 发表内容接口，不提供阅读次数："
                       "该项不评估；阅读量请按“图文阅读量（人数）”设定目标")
            continue
        if f"benchmark_{spec.key}" in set_:
            out.append(f"参数 benchmark_{spec.key} 按次数口径设定，本月{spec.name}按人数计算（2025 发表内容"
                       "接口），不与之比较")
        if f"target_{spec.key}" in set_ and _previous_legacy(params):
            out.append(f"本月是改用 2025 发表内容接口后的第一个月：{spec.name}改按人数计算（分享人数 ÷ "
                       f"阅读人数），请确认 target_{spec.key} 是按新口径设定的（沿用旧目标会偏差）")
    return out


def _previous_legacy(params: Any) -> bool:
    """Whether the month before was read from the legacy 图文分析 endpoints (the break)."""
    from wxnb.io.datacube import article_api, discover

    folder = params.resolved_prev_data_dir()
    return folder.is_dir() and article_api(paths.prev_month(params.month), discover(folder)) == "legacy"


def _commentary(params: Any, keys: list[str] | None = None) -> dict[str, str]:
    """The analyst's commentary of the month (``wxnb.io.commentary``), checked against the
    report's sections (``keys``; by default those of ``notebooks/``); raises
    DataValidationError naming the file, the section and the fault."""
    from wxnb.build.runner import discover_sections
    from wxnb.io.commentary import load_commentary

    if keys is None:
        keys = [s.key for s in discover_sections(paths.NOTEBOOKS)]
    return load_commentary(params.resolved_commentary_file(), keys)


def _previous_month_problems(folder: Path, month: str
                             ) -> tuple[list[Problem], list[Problem]] | None:
    """The previous month's datacube problems and its other files' (its event log is checked
    apart, on the reducing thread); None without the folder."""
    from wxnb.build import inputs as sections
    from wxnb.io.datacube import load_month

    if not folder.is_dir():
        return None
    cube: list[Problem] = []
    try:
        load_month(folder, month)
    except DataValidationError as exc:
        cube = list(exc.problems)
    return cube, sections.check_files(folder, month)[1]


def _previous_month_notes(folder: Path, month: str, problems: list[Problem] | None
                          ) -> list[str]:
    """The previous month is validated too: its problems never fail the build (环比 is then
    not available, and each section says so), but ``check`` and the cover name them."""
    if problems is None:
        return [f"无上月数据（未找到 {folder.name} 目录），环比不可用"]
    if not problems:
        return []
    shown = "；".join(str(p) for p in problems[:3])
    more = f" 等 {len(problems)} 个问题" if len(problems) > 3 else ""
    return [f"上月（{month}）数据校验未通过，相关环比不可用：{shown}{more}"]


def _shown_path(folder: Path) -> str:
    try:
        return str(folder.relative_to(paths.PROJECT_ROOT))
    except ValueError:
        return str(folder)


def _how_to_get(params: Any) -> str:
    """What to do about a missing month folder, in words."""
    if params.account == paths.SAMPLE_ACCOUNT and not params.data_dir:
        return (f"示例账号只附带 {paths.SAMPLE_MONTH} 及其上月；要生成 {params.month} 的示例数据，"
                f"运行 wxnb sample --month {params.month}")
    return (f"请把 {params.month} 的数据统计接口文件放到 data/{params.account}/{params.month}/，"
            "或用 --data 指定数据目录（格式见 docs/data-contract.md）")


def _month_options(fn: Any) -> Any:
    """The options that name a month of an account and its parameters (check and build)."""
    for opt in reversed((
        click.option("--account", default=paths.SAMPLE_ACCOUNT, show_default=True,
                     help="账号标识"),
        click.option("--month", default=paths.SAMPLE_MONTH, show_default=True,
                     help="报告月份 YYYY-MM"),
        click.option("--data", type=click.Path(path_type=Path), default=None,
                     help="本月数据目录（默认 data/<account>/<month>；只读取，从不写入）"),
        click.option("--set", "sets", multiple=True, metavar="KEY=VALUE",
                     help="覆盖参数，可多次使用"),
    )):
        fn = opt(fn)
    return fn


@cli.command()
@_month_options
def check(account: str, month: str, data: Path | None, sets: tuple[str, ...]) -> None:
    """只校验参数和数据，不执行笔记本。"""
    try:
        params, month_data, _ = _prepare(account, month, data, sets)
    except WxnbError as exc:
        _fail(exc)
    click.echo(_safe(f"参数与数据校验通过：{params.display_name()} {params.month}"))
    for note in month_data.warnings:
        click.echo(_safe(f"  注意：{note}"))


@cli.command()
@_month_options
@click.option("--out", "out_root", type=click.Path(path_type=Path), default=paths.OUTPUTS,
              show_default=True, help="输出根目录")
@click.option("--workers", type=click.IntRange(1, 64), default=None,
              help="并行进程数 1–64（默认不超过 CPU 核数）")
@click.option("--engine", type=click.Choice(["inprocess", "warm", "fresh"]), default="inprocess",
              show_default=True,
              help="inprocess：各并行进程在自身的 IPython 中执行章节（不另起内核）；"
                   "warm：每个进程一个预热的 Jupyter 内核；fresh：每节一个新内核（原生 papermill）")
@click.option("--notebooks", "nb_dir", type=click.Path(path_type=Path, exists=True,
              file_okay=False), default=paths.NOTEBOOKS, help="章节笔记本目录（NN_*.ipynb）")
@click.option("--force", is_flag=True,
              help="全部重新执行（默认只执行输入、代码、参数或软件版本有变化的章节，其余沿用上次结果）")
@click.option("--pdf", is_flag=True,
              help="同时用 Chromium 打印 report.pdf（A4，与浏览器打印相同；微信聊天中可直接预览）")
def build(account: str, month: str, data: Path | None, sets: tuple[str, ...], out_root: Path,
          workers: int | None, engine: str, nb_dir: Path, force: bool, pdf: bool) -> None:
    """校验参数与数据，并行执行各章节笔记本，生成 HTML 月报（未变化的章节沿用上次结果）。"""
    t0 = time.perf_counter()
    from wxnb.build.runner import discover_sections, start_fork_server

    if force:  # sure to run sections: the fork server's imports overlap everything below
        start_fork_server()
    from wxnb.build import cache, staging
    from wxnb.io.digest import MEMO
    from wxnb.params import load_params

    try:  # parameters are checked before any section runs
        params = load_params(account=account, month=month,
                             overrides=_layer_overrides(data, sets))
    except WxnbError as exc:
        _fail(exc)
    printer = None
    if pdf:  # no section runs for a PDF that cannot be printed
        from wxnb.build.pdf import chromium

        try:
            printer = chromium()
        except WxnbError as exc:
            _fail(exc)
    # Absolute: the workers run each notebook from its own folder.
    sections = discover_sections(nb_dir.absolute())
    out_dir = paths.output_dir(params.account, params.month, out_root).absolute()
    staging.recover(out_dir)  # a publish cut short is rolled back before it is read
    digests = cache.Digests(paths.cache_dir() / MEMO)
    keys = _keys(params, sections, digests)
    digests.save()  # now: the sections' workers find these digests (wxnb.io.digest)
    previous_build = cache.last_build(out_dir)
    last = {} if force else previous_build
    reused = _reusable(sections, keys, last, out_dir)
    if _unchanged(sections, keys, last, reused, out_dir) \
            and (printer is None or (out_dir / "report.pdf").is_file()):
        for s in sections:
            if s.key in reused:
                click.echo(f"  ↺ {s.title}（未变化，沿用）")
        click.echo(f"无变化：输入、代码、参数与软件版本均与上次相同，沿用上次报告"
                   f"（{time.perf_counter() - t0:.1f} 秒；--force 全部重新执行）：{out_dir / 'report.html'}")
        if printer is not None:
            click.echo(f"PDF：{out_dir / 'report.pdf'}")
        return
    # Everything is built in a staging folder and published whole at the end: a stopped,
    # killed or failed build never changes the last good build (wxnb.build.staging).
    stage = staging.new_stage(out_dir)
    previous = {sig: signal.signal(sig, _stopped) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        to_run = [s for s in sections if s.key not in reused]
        with _pool(to_run, workers, engine, stage) as pool:
            # Kernels warm up in the workers while this process validates the data (unless the
            # last build validated the very same inputs with the same code, parameters and
            # versions: validation is a function of those alone, so --force, which re-runs
            # every section, reuses it too); no notebook runs unless the data pass.
            checked = previous_build.get("checked") if previous_build.get("cache", {}).get(
                "validation") == keys.validation else None
            if checked:
                click.echo("  ↺ 数据校验（输入、代码与参数均未变化，沿用上次校验结果）")
            pending = None
            try:
                if checked:
                    month_data = _Checked(**checked)
                else:  # the previous month's other files are checked while the sections run
                    _, month_data, pending = _prepare(account, month, data, sets,
                                                      [s.key for s in sections], True)
            except WxnbError as exc:
                _check_stop()
                _fail(exc)
            _check_stop()  # a Ctrl-C that DuckDB swallowed during validation still stops
            validated_notes = len(month_data.warnings)
            sections, skipped = _runnable(sections, params.resolved_data_dir())
            month_data.warnings.extend(skipped)
            for note in skipped:
                click.echo(f"  – {note}")
            to_run = [s for s in sections if s.key not in reused]
            kept = [s for s in sections if s.key in reused]
            for s in kept:
                click.echo(f"  ↺ {s.title}（未变化，沿用上次结果）")
            outcomes = _reuse(kept, out_dir, stage)
            # This process only waits while the sections run: it renders each one's part of
            # the report as soon as it is done (the reused ones first), so the report after
            # the last section is only put together.
            from wxnb.build.report import SectionPages

            commentary = _commentary(params, [s.key for s in sections])
            pages = SectionPages([s.key for s in sections], commentary)
            for outcome in outcomes:
                pages.add(outcome)
            click.echo(_safe(f"{params.display_name()} {params.month}：执行 {len(to_run)} 个章节"
                             + (f"，沿用 {len(kept)} 个" if kept else "")
                             + (f"（{pool.n} 个并行进程）…" if to_run else "…")))

            def progress(key: str, what: str, outcome: Any) -> None:
                title = next(s.title for s in sections if s.key == key)
                if what == "start":
                    click.echo(f"  ▶ {title}")
                elif outcome.ok:
                    click.echo(f"  ✓ {title}（{outcome.seconds:.1f} 秒）")
                else:
                    click.echo(_safe(f"  ✗ {title} 失败：{outcome.cell} {outcome.error}"),
                               err=True)
                if what == "done":
                    pages.add(outcome)

            if to_run:
                # The notebooks resolve the same layers from account, month and these
                # overrides (wxnb.params.from_namespace); sections that run at once share the
                # event log engine's memory limit and the cores.
                overrides = _layer_overrides(data, sets) | {
                    "output_dir": str(stage),
                    "event_workers": max(1, min(pool.n, len(to_run)))}
                outcomes += pool.run(to_run, {"account": params.account, "month": params.month,
                                              "overrides": overrides}, stage, progress,
                                     expected=_last_seconds(out_dir, params))
            order = {s.key: i for i, s in enumerate(sections)}
            outcomes.sort(key=lambda o: order[o.key])
            validated_notes += _settle_previous(month_data, pending)
            validated = {"coverage": month_data.coverage(),
                         "warnings": month_data.warnings[:validated_notes]}
            # Still inside the pool: its idle workers outlive the export and the publish, so
            # were this process killed now, they would remove the staging folder (they do when
            # their parent dies), as during the sections.
            _finish(params, month_data, outcomes, stage, out_dir, t0,
                    record={"keys": keys, "checked": validated,
                            "reused": {s.key for s in kept}},
                    commentary=commentary, pages=pages, printer=printer)
        digests.save()  # what the build learnt since its keys (the imports of its code)
    except BaseException as exc:
        if not isinstance(exc, (KeyboardInterrupt, _Stop)) and _STOP_SIGNAL is None:
            raise
        # A stop, or what a library made of one: DuckDB turns the exception a signal raises
        # inside its query into RuntimeError("Query interrupted").
        staging.discard(stage)
        kept_note = f"上一份报告保持不变：{out_dir / 'report.html'}" \
            if (out_dir / "report.html").exists() else "未生成报告"
        click.echo(f"\n已中断，所有章节进程已停止；{kept_note}", err=True)
        sys.stdout.flush()
        sys.stderr.flush()
        # Everything is stopped and cleaned up: exit now, with the shell's code for the signal,
        # not through the interpreter's teardown of the broken pool.
        os._exit(_exit_code(exc))
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if stage.exists():
            staging.discard(stage)  # any exit path that did not publish or keep it


@cli.command()
@click.option("--month", required=True, help="月份 YYYY-MM")
@click.option("--accounts", default=None, metavar="a,b,c",
              help="要构建的账号（逗号分隔）；默认数据目录下所有含该月目录的账号")
@click.option("--data", "data_root", type=click.Path(path_type=Path, file_okay=False),
              default=paths.DATA, show_default=True, help="数据根目录（其下为 <账号>/<月份>/）")
@click.option("--out", "out_root", type=click.Path(path_type=Path), default=paths.OUTPUTS,
              show_default=True, help="输出根目录")
@click.option("--executor", type=click.Choice(["local", "dask"]), default="local",
              show_default=True,
              help="local：本机进程池；dask：Dask 集群（--scheduler 指定地址，否则本机 LocalCluster）")
@click.option("--scheduler", default=None, metavar="ADDRESS",
              help="Dask 调度器地址，如 tcp://10.0.0.5:8786（各 worker 需能访问同一数据与输出目录）")
@click.option("--workers", type=click.IntRange(1, 64), default=None,
              help="同时构建的账号数（默认 1：每个账号用满全部核心）")
@click.option("--force", is_flag=True, help="各账号全部重新执行")
def batch(month: str, accounts: str | None, data_root: Path, out_root: Path, executor: str,
          scheduler: str | None, workers: int | None, force: bool) -> None:
    """逐个账号构建一个月的月报（本机或 Dask 集群），并生成账号总览 _portfolio/<月份>/report.html。"""
    import json as _json

    from wxnb.build import batch as batches
    from wxnb.build import portfolio
    from wxnb.params import check_identity

    try:
        names = batches.accounts_for(month, accounts, data_root)
        for name in names:
            check_identity(name, month)
    except WxnbError as exc:
        _fail(exc)
    n = batches.concurrency(workers, len(names))
    where = ("Dask 集群 " + scheduler) if executor == "dask" and scheduler else \
        "Dask LocalCluster" if executor == "dask" else "本机"
    click.echo(_safe(f"{month}：{len(names)} 个账号（{'、'.join(names)}），{where}，"
                     f"同时构建 {n} 个…"))

    def progress(o: Any) -> None:
        if o.ok:
            click.echo(_safe(f"  ✓ {o.account}（{o.seconds:.1f} 秒）"))
        else:
            first = o.message.splitlines()[0] if o.message else "失败"
            click.echo(_safe(f"  ✗ {o.account} 失败：{first}"))
            click.echo(_safe("\n".join(f"      {ln}" for ln in o.message.splitlines()[1:])),
                       err=True)

    t0 = time.perf_counter()
    try:
        outcomes = batches.run(names, month, out_root, executor=executor, workers=workers,
                               scheduler=scheduler, force=force, data_root=data_root,
                               progress=progress)
    except WxnbError as exc:
        _fail(exc)
    rows = portfolio.collect(outcomes, month, out_root)
    page = portfolio.write(rows, month, out_root)
    (page.parent / "batch.json").write_text(
        _json.dumps(batches.summary(outcomes, month, executor), ensure_ascii=False, indent=1),
        encoding="utf-8")
    ok = sum(o.ok for o in outcomes)
    click.echo(f"完成 {ok}/{len(outcomes)} 个账号（{time.perf_counter() - t0:.1f} 秒）；"
               f"账号总览：{page}")
    if ok < len(outcomes):
        sys.exit(1)


def _last_seconds(out_dir: Path, params: Any = None) -> dict[str, float]:
    """How long each section took in the last good build (longest sections start first): of
    this output folder, else (a new folder) the last build of the same data folder and month
    anywhere, as remembered in the cache (:func:`_remember_seconds`)."""
    for path in (out_dir / "run.json", *([_seconds_file(params)] if params is not None else [])):
        try:
            manifest = json.loads(path.read_text(encoding="utf-8"))
            found = {str(s["key"]): float(s["seconds"]) for s in manifest.get("sections", ())
                     if not s.get("reused")}
        except (OSError, ValueError, TypeError, KeyError, AttributeError):
            continue
        if found:
            return found
    return {}


def _seconds_file(params: Any) -> Path:
    """Where the section timings of a data folder's month are remembered (the cache)."""
    from wxnb.io import dataset

    key = dataset.folder_key(params.resolved_data_dir(), params.month)
    return paths.cache_dir() / "timings" / f"{key}.json"


def _remember_seconds(params: Any, outcomes: list[Any]) -> None:
    """Keep the sections' timings of a published build for the next build's order, whatever
    its output folder (best effort)."""
    path = _seconds_file(params)
    sections = [{"key": o.key, "seconds": round(o.seconds, 2)} for o in outcomes
                if o.ok and o.seconds]
    if not sections:
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps({"sections": sections}), encoding="utf-8")
        tmp.replace(path)
    except OSError:
        pass


class _Checked:
    """What the last build's validation of the very same inputs found (its coverage rows and
    notes), standing in for the month data when validation is skipped."""

    def __init__(self, coverage: list[dict[str, Any]], warnings: list[str]) -> None:
        self._coverage = coverage
        self.warnings = list(warnings)

    def coverage(self) -> list[dict[str, Any]]:
        return self._coverage


def _keys(params: Any, sections: list[Any], digests: Any) -> Any:
    """This build's cache keys (wxnb.build.cache)."""
    from wxnb.build import cache
    from wxnb.sections import registry

    return cache.keys(sections, {s.key: s for s in registry()}, params.model_dump(),
                      data_dir=params.resolved_data_dir(),
                      prev_dir=params.resolved_prev_data_dir(),
                      param_paths={"rules_file": params.resolved_rules_file(),
                                   "commentary_file": params.resolved_commentary_file()},
                      digests=digests)


def _reusable(sections: list[Any], keys: Any, last: dict[str, Any], out_dir: Path) -> set[str]:
    """The sections whose key equals the last good build's and whose notebook is still there."""
    before = last.get("cache", {}).get("sections", {})
    return {s.key for s in sections
            if before.get(s.key) == keys.sections.get(s.key)
            and (out_dir / f"{s.key}.ipynb").is_file()}


def _unchanged(sections: list[Any], keys: Any, last: dict[str, Any], reused: set[str],
               out_dir: Path) -> bool:
    """True when the last good build is this build: every section and the report reusable."""
    cache_ = last.get("cache", {})
    return bool(last) and cache_.get("report") == keys.report \
        and cache_.get("validation") == keys.validation \
        and reused == {s.key for s in sections} == set(cache_.get("sections", {})) \
        and (out_dir / "report.html").is_file()


def _reuse(kept: list[Any], out_dir: Path, stage: Path) -> list[Any]:
    """Copy the reused sections' executed notebooks and findings into the stage."""
    import shutil

    from wxnb.build.report import SectionResult

    outcomes = []
    for s in kept:
        for name in (f"{s.key}.ipynb", f"{s.key}.findings.json"):
            if (out_dir / name).is_file():
                shutil.copy2(out_dir / name, stage / name)
        outcomes.append(SectionResult(s.key, s.title, stage / f"{s.key}.ipynb", True))
    return outcomes


def _pool(to_run: list[Any], workers: int | None, engine: str, stage: Path) -> Any:
    """The kernel pool for the sections to run; none at all when every section is reused."""
    import contextlib
    from types import SimpleNamespace

    from wxnb.build.runner import KernelPool

    if not to_run:
        return contextlib.nullcontext(SimpleNamespace(n=0))
    return KernelPool(len(to_run), workers=workers, engine=engine, stage=stage)


class _Stop(BaseException):
    """SIGTERM or SIGINT (Ctrl-C): stop the build (a BaseException, so no ``except Exception``
    swallows it; not a KeyboardInterrupt, which click would turn into "Aborted!")."""

    def __init__(self, signum: int = signal.SIGTERM) -> None:
        super().__init__(signum)
        self.signum = signum


#: The stop signal received, if any: a library may swallow the exception the handler raises
#: (DuckDB drops it when its query ends first), so the build also checks this (_check_stop).
_STOP_SIGNAL: int | None = None


def _stopped(signum: int, frame: Any) -> None:
    global _STOP_SIGNAL
    _STOP_SIGNAL = signum
    raise _Stop(signum)


def _check_stop() -> None:
    """Stop now if a stop signal came, even if its exception was swallowed on the way."""
    if _STOP_SIGNAL is not None:
        raise _Stop(_STOP_SIGNAL)


def _exit_code(exc: BaseException) -> int:
    """The shell's exit code for the signal that stopped the command: 130 Ctrl-C, 143 TERM."""
    signum = exc.signum if isinstance(exc, _Stop) else _STOP_SIGNAL
    if signum is None:
        signum = signal.SIGINT  # a KeyboardInterrupt
    return 128 + int(signum)


def _runnable(sections: list[Any], data_dir: Path) -> tuple[list[Any], list[str]]:
    """Split the sections into those whose input files exist and notes for the others."""
    run, notes = [], []
    for s in sections:
        missing = s.missing(data_dir)
        if missing:
            notes.append(f"{s.title} 未生成：数据目录中没有 {'、'.join(missing)}")
        else:
            run.append(s)
    return run, notes


def _finish(params: Any, month_data: Any, outcomes: list[Any], stage: Path, out_dir: Path,
            t0: float, record: dict[str, Any], commentary: dict[str, str], pages: Any,
            printer: str | None) -> None:
    """Write the manifest and the report into the staging folder and publish it if every
    section succeeded; else keep the failed notebooks in ``<month>.failed`` and the last good
    build as it is. ``pages`` (a ``SectionPages``) holds the sections rendered meanwhile;
    with ``printer`` (a Chromium) the report is printed to ``report.pdf`` too, from the page with
    the secrets masked."""
    from wxnb.build import staging
    from wxnb.secrets import known_secrets

    report = out_dir / "report.html"
    _write_manifest(stage, out_dir, params, month_data, outcomes, record)
    # Whatever put a secret into an executed notebook (its injected parameters, an output),
    # staging masks it in every file of the build before anything is published or kept.
    secrets = known_secrets(params.model_dump())
    failed = [o for o in outcomes if not o.ok]
    if failed:
        pages.cancel()  # no report is written
        kept = staging.fail(stage, out_dir, secrets=secrets)
        for o in failed:
            click.echo(_safe(f"章节失败：{o.title}\n  单元格：{o.cell or '—'}\n  错误：{o.error}"
                             f"\n  已执行的笔记本（含错误）：{kept / o.notebook.name}"), err=True)
        click.echo(f"上一份报告保持不变：{report}" if report.exists() else "未生成报告", err=True)
        sys.exit(1)
    from wxnb.build.report import ReportMeta, write_report
    from wxnb.paths import CST
    from wxnb.kit.findings import read_folder
    from wxnb.sections.s00_summary.words import verdict

    items = read_folder(stage)
    meta = ReportMeta(
        account=params.account, account_name=params.display_name(), month=params.month,
        generated_at=datetime.now(CST).strftime("%Y-%m-%d %H:%M"),
        coverage=month_data.coverage(), notes=list(month_data.warnings),
        wxnb_version=__version__,
        commentary=commentary,
        verdict=verdict(items) if items else "",
    )
    try:
        write_report(outcomes, meta, stage / "report.html", pages.done())
        if printer is not None:
            from wxnb.build.pdf import write_pdf
            from wxnb.secrets import scrub_folder

            scrub_folder(stage, list(secrets))  # the PDF is printed from the masked page
            write_pdf(stage / "report.html", stage / "report.pdf", browser=printer)
    except WxnbError as exc:
        _check_stop()  # Chromium stopped by the same Ctrl-C: a stop, not a failure
        staging.fail(stage, out_dir, secrets=secrets)
        _fail(exc, 1)
    _check_stop()
    # No stop between the two renames of the publish; once published the build is done, so a
    # stop that came meanwhile is dropped (ignoring a blocked, pending signal discards it).
    stops = {signal.SIGINT, signal.SIGTERM}
    signal.pthread_sigmask(signal.SIG_BLOCK, stops)
    try:
        staging.publish(stage, out_dir, secrets=secrets)
        for sig in stops:
            signal.signal(sig, signal.SIG_IGN)
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, stops)
    click.echo(f"报告已生成（{time.perf_counter() - t0:.1f} 秒）：{report}")
    if printer is not None:
        click.echo(f"PDF：{out_dir / 'report.pdf'}")
    _remember_seconds(params, [o for o in outcomes if o.key not in record.get("reused", ())])
    global _published
    _published = True


def _write_manifest(stage: Path, out_dir: Path, params: Any, month_data: Any,
                    outcomes: list[Any], record: dict[str, Any]) -> None:
    """``run.json``: what was built from what, and the keys the next build compares with
    (wxnb.build.cache); only sections that succeeded are keyed."""
    from wxnb.build import cache

    reused = record.get("reused", set())
    manifest: dict[str, Any] = {
        "wxnb": __version__,
        "parameters": params.masked() | {"output_dir": str(out_dir)},
        "sections": [{"key": o.key, "title": o.title, "ok": o.ok, "seconds": round(o.seconds, 2),
                      "reused": o.key in reused, "error": o.error} for o in outcomes],
        "coverage": month_data.coverage(),
        "notes": month_data.warnings,
    }
    keys = record.get("keys")
    if keys is not None:
        manifest["cache"] = {
            "format": cache.KEY_FORMAT, "report": keys.report, "validation": keys.validation,
            "sections": {o.key: keys.sections[o.key] for o in outcomes
                         if o.ok and o.key in keys.sections},
        }
        manifest["checked"] = record["checked"]
        manifest["inputs"] = keys.inputs
    (stage / "run.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2),
                                    encoding="utf-8")
