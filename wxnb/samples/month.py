"""A whole sample month and the month before it: the datacube, the event log and its
companions, and each section's own inputs, consistent with one another."""

from __future__ import annotations

from pathlib import Path

from wxnb.paths import prev_month
from wxnb.samples import datacube, eventlog

__all__ = ["generate_sample", "write_samples"]


def write_samples(folder: Path, month: str, *, seed: int = 2026,
                  hostile: bool = False) -> list[Path]:
    """Write every section's own sample inputs for one month into ``folder``, as the sections'
    specs name them (02–04 read the event log, written by :mod:`wxnb.samples.eventlog`)."""
    from wxnb.sections import registry

    out: list[Path] = []
    for spec in registry():
        if spec.sample:
            out.extend(spec.function(spec.sample)(folder, month, seed=seed, hostile=hostile))
    return sorted(out)


def generate_sample(
    root: Path, *, account: str = "sample", month: str = "2026-10", seed: int = 2026,
    hostile: bool = False, events: int | None = None, shape: str | None = None,
) -> list[Path]:
    """Write ``month`` and the month before it into ``root/account/<month>``, consistently.

    The previous month starts at ``datacube.DEFAULT_START_FOLLOWERS`` and its final ``cumulate_user`` is
    this month's starting point, so follower totals chain across the boundary. Beside the
    datacube files each month gets the per-follower event log and its companions
    (``events.parquet``, ``menu.json``, ``content_plan.csv``, ``orders.csv``; see
    :mod:`wxnb.samples.eventlog`), whose followers also carry over from one month to the next.

    Parameters
    ----------
    root : Path
        Data root, e.g. the project's ``data`` folder.
    account : str, optional
        Account folder name.
    month : str, optional
        The main month, ``YYYY-MM``.
    seed : int, optional
        Seed shared by both months.
    hostile : bool, optional
        Hostile texts in both months (see the module docstrings); the numbers stay the same,
        except for the few unknown and out-of-month rows the hostile event log adds.
    events : int or None, optional
        Size of the main month's event log. None: the bundled account (about 120,000
        followers, roughly 0.2 million events a month). A number N (10,000 to 100,000,000)
        scales the account (starting followers, daily follows and unfollows, messages, every
        read) so that the main month's log has about N events (±10 %); the previous month has
        a little fewer. Large logs are written in row groups, with flat memory.
    shape : str or None, optional
        The article endpoints of both months: ``"2025"`` (发表内容), ``"legacy"`` (图文分析), or
        None for what WeChat gives each month (``datacube.default_shape``: 2025 from 2025-11).

    Returns
    -------
    list of Path
        All files written (both months), sorted.
    """
    scale = 1.0 if events is None else eventlog.scale_for(events, month, seed)
    start = datacube.DEFAULT_START_FOLLOWERS if events is None else max(
        1, round(datacube.DEFAULT_START_FOLLOWERS * scale))
    before = prev_month(month)
    folders = (Path(root) / account / before, Path(root) / account / month)
    prev_files, m_prev, rows_prev = datacube.write_month_files(
        folders[0], before, seed, start, hostile, scale, shape)
    files, m_main, rows_main = datacube.write_month_files(
        folders[1], month, seed, int(m_prev.cumulate[-1]), hostile, scale, shape)
    files += prev_files
    population = None
    for folder, m, rows in ((folders[0], m_prev, rows_prev), (folders[1], m_main, rows_main)):
        written, population, _ = eventlog.write_month(
            folder, m, rows["getupstreammsg"], seed=seed, hostile=hostile, population=population)
        files += written
    for folder, m in zip(folders, (before, month), strict=True):
        files += write_samples(folder, m, seed=seed, hostile=hostile)
    return sorted(files)
