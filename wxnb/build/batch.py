"""``wxnb batch``: every account's report for one month, then the portfolio overview.

Each account is one ``wxnb build`` (its data checked, its sections run, its report published
or its last good report kept), run as its own process: one account's failure, or its crash,
never touches another's. Two executors run them:

* ``local`` (default): a pool of ``workers`` builds at a time on this machine.
* ``dask``: each account's build is a task of a Dask cluster (``dask.distributed``): the one at
  ``--scheduler`` (its workers must see the same data and output folders, e.g. a shared disk),
  or a ``LocalCluster`` of ``workers`` processes started here and stopped at the end.

The task is the same function either way (:func:`build_one`), so the reports, and the overview
made from them, are the same whichever executor ran them (tested). Each build gets
``cores // concurrent builds`` section workers, so builds in parallel do not fight over the
cores. An account's event log may live in the month folder or, for an agency's many accounts,
in ``data/_events/account=<A>/month=<M>/`` (Parquet partitioned by account and month;
``wxnb.io.eventlog.event_files``): each build reads its own partition only, so an account's
memory never depends on the others'.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

from wxnb import paths
from wxnb.exceptions import WxnbError

__all__ = ["AccountOutcome", "BatchError", "accounts_for", "build_one", "concurrency", "run",
           "summary"]

EXECUTORS = ("local", "dask")
#: Folders under the data root that are not accounts.
_NOT_ACCOUNTS = ("templates",)


class BatchError(WxnbError):
    """The batch cannot start: no account, an unknown account, a cluster that cannot be reached."""


@dataclass(frozen=True)
class AccountOutcome:
    """How one account's build went."""

    account: str
    ok: bool
    seconds: float
    report: str = ""  # the report's path when it was built
    message: str = ""  # the build's last words (its error when it failed)
    where: str = ""  # the host and process that ran it


def accounts_for(month: str, names: str | None, data_root: Path) -> list[str]:
    """The accounts to build: ``names`` ("a,b,c") as given, else every folder of ``data_root``
    holding a ``<month>`` folder (not templates, hidden or ``_`` folders), in name order."""
    if names:
        wanted = [n.strip() for n in names.split(",") if n.strip()]
        if not wanted:
            raise BatchError("--accounts 为空：请写账号标识，以逗号分隔")
        return list(dict.fromkeys(wanted))
    root = Path(data_root)
    found = sorted(p.name for p in root.iterdir()
                   if p.is_dir() and not p.name.startswith((".", "_"))
                   and p.name not in _NOT_ACCOUNTS and (p / month).is_dir()) \
        if root.is_dir() else []
    if not found:
        raise BatchError(f"{root} 下没有含 {month} 目录的账号（data/<账号>/{month}/）；"
                         "用 --accounts 指定，或先用 wxnb fetch / wxnb init 准备数据")
    return found


def build_one(account: str, month: str, out_root: str, options: Sequence[str] = (),
              data_root: str | None = None, timeout: float = 3600.0) -> AccountOutcome:
    """One account's ``wxnb build`` in its own process; never raises (a failure is an
    outcome). Runs the same wherever it is called: in this process's pool or on a Dask
    worker. ``data_root`` holds ``<account>/<month>`` (default: the project's data folder)."""
    import platform

    t0 = time.perf_counter()
    where = f"{platform.node()}:{os.getpid()}"
    cmd = [sys.executable, "-m", "wxnb", "build", "--account", account, "--month", month,
           "--out", str(out_root), *options]
    if data_root is not None:
        cmd += ["--data", str(Path(data_root) / account / month)]
    try:
        res = subprocess.run(cmd, cwd=paths.PROJECT_ROOT, capture_output=True, text=True,
                             timeout=timeout)
    except subprocess.TimeoutExpired:
        return AccountOutcome(account, False, time.perf_counter() - t0,
                              message=f"超过 {timeout:.0f} 秒未完成，已停止", where=where)
    except OSError as exc:
        return AccountOutcome(account, False, time.perf_counter() - t0,
                              message=f"无法启动构建：{exc}", where=where)
    seconds = time.perf_counter() - t0
    report = Path(out_root) / account / month / "report.html"
    if res.returncode == 0 and report.is_file():
        return AccountOutcome(account, True, seconds, str(report), _last_line(res.stdout),
                              where)
    return AccountOutcome(account, False, seconds, message=_error(res), where=where)


def _last_line(text: str) -> str:
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    return lines[-1] if lines else ""


def _error(res: subprocess.CompletedProcess[str]) -> str:
    """The build's own error message (it names the file, field and row), a few lines."""
    lines = [ln.rstrip() for ln in res.stderr.splitlines() if ln.strip()]
    shown = [ln for ln in lines if not ln.startswith("  ▶")][:6]
    return "\n".join(shown) or f"退出码 {res.returncode}"


def _options(workers_each: int, force: bool) -> tuple[str, ...]:
    return ("--workers", str(workers_each), *(("--force",) if force else ()))


def concurrency(workers: int | None, accounts: int) -> int:
    """How many builds run at once: ``workers``, else one (each build then uses every core
    for its sections), never more than the accounts."""
    return max(1, min(workers or 1, accounts))


def run(accounts: Sequence[str], month: str, out_root: Path, *, executor: str = "local",
        workers: int | None = None, scheduler: str | None = None, force: bool = False,
        data_root: Path | None = None, connect_timeout: str = "20s",
        progress: Callable[[AccountOutcome], None] | None = None) -> list[AccountOutcome]:
    """Build every account; return the outcomes in the accounts' order. ``connect_timeout``:
    how long to wait for the Dask scheduler at ``scheduler``."""
    if executor not in EXECUTORS:
        raise BatchError(f"未知的执行方式 {executor}（可选：{'、'.join(EXECUTORS)}）")
    cores = os.cpu_count() or 1
    n = concurrency(workers, len(accounts))
    options = _options(max(1, cores // n), force)
    out = str(Path(out_root).absolute())
    data = None if data_root is None else str(Path(data_root).absolute())
    if executor == "dask":
        outcomes = _run_dask(accounts, month, out, options, n, scheduler, data, progress,
                             connect_timeout)
    else:
        outcomes = _run_local(accounts, month, out, options, n, data, progress)
    order = {a: i for i, a in enumerate(accounts)}
    return sorted(outcomes, key=lambda o: order[o.account])


def _run_local(accounts: Sequence[str], month: str, out: str, options: Sequence[str], n: int,
               data: str | None, progress: Callable[[AccountOutcome], None] | None
               ) -> list[AccountOutcome]:
    outcomes = []
    with ThreadPoolExecutor(n) as pool:  # each build is a process: threads only wait
        futures = [pool.submit(build_one, a, month, out, options, data) for a in accounts]
        for fut in as_completed(futures):
            outcomes.append(fut.result())
            if progress:
                progress(outcomes[-1])
    return outcomes


def _run_dask(accounts: Sequence[str], month: str, out: str, options: Sequence[str], n: int,
              scheduler: str | None, data: str | None,
              progress: Callable[[AccountOutcome], None] | None,
              connect_timeout: str = "20s") -> list[AccountOutcome]:
    try:
        from distributed import Client, LocalCluster
        from distributed import as_completed as dask_completed
    except ImportError as exc:  # pragma: no cover - a dependency of wxnb
        raise BatchError(f"--executor dask 需要 dask.distributed：{exc}") from exc
    cluster = None
    try:
        if scheduler:
            client = Client(scheduler, timeout=connect_timeout)
        else:
            cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                                   dashboard_address=None)
            client = Client(cluster)
    except (OSError, TimeoutError) as exc:
        if cluster is not None:
            cluster.close()
        raise BatchError(f"无法连接 Dask 调度器 {scheduler or '（本机 LocalCluster）'}：{exc}") \
            from exc
    outcomes = []
    try:
        futures = [client.submit(build_one, a, month, out, tuple(options), data, pure=False,
                                 key=f"wxnb-build-{a}-{month}-{time.time_ns()}")
                   for a in accounts]
        for fut in dask_completed(futures):
            try:
                outcome = fut.result()
            except Exception as exc:  # noqa: BLE001 - a worker lost mid-task: that account only
                account = accounts[futures.index(fut)]
                outcome = AccountOutcome(account, False, 0.0,
                                         message=f"Dask 任务失败：{type(exc).__name__}: {exc}")
            outcomes.append(outcome)
            if progress:
                progress(outcome)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    return outcomes


def summary(outcomes: Sequence[AccountOutcome], month: str, executor: str) -> dict[str, object]:
    """What the batch did, for ``_portfolio/<month>/batch.json`` (no secret: messages are the
    builds' own, which never hold one)."""
    return {"month": month, "executor": executor,
            "accounts": [{"account": o.account, "ok": o.ok, "seconds": round(o.seconds, 2),
                          "report": o.report, "message": o.message, "where": o.where}
                         for o in outcomes]}
