"""Builds write into a staging folder and publish it whole: a killed, interrupted or failed
build never changes the last good build's folder.

``outputs/<account>/<month>/`` is only ever replaced by a complete, successful build, by two
renames on the same file system (the old folder aside, the new one in, the old one removed). A
build that fails keeps its executed notebooks in ``outputs/<account>/<month>.failed/`` for the
analyst; one that is stopped leaves nothing (its workers remove the staging folder even when the
build process itself is killed). Stale staging folders of builds that no longer run are removed
by the next build, and a publish cut short between its two renames is rolled back. Nothing
leaves the staging folder before the run's secrets are masked in it.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Sequence
from pathlib import Path

from wxnb.build.runner import pid_alive
from wxnb.secrets import scrub_folder

__all__ = ["STAGING", "discard", "fail", "new_stage", "publish", "recover"]

STAGING = ".wxnb-staging"  # under the outputs root: same file system, hidden, not an account


def _root(out_dir: Path) -> Path:
    return out_dir.parent.parent / STAGING


def _tag(out_dir: Path) -> str:
    return f"{out_dir.parent.name}-{out_dir.name}"


def recover(out_dir: Path) -> None:
    """Clean up after builds of this account and month that no longer run: roll back a publish
    cut short (the old folder set aside, the new one not yet in place) and remove their staging
    folders."""
    root = _root(out_dir)
    if not root.is_dir():
        return
    tag = _tag(out_dir)
    for path in sorted(root.glob(f"{tag}-*")):
        pid = path.name[len(tag) + 1:].split(".", 1)[0]
        if not pid.isdigit() or pid_alive(int(pid)):
            continue
        if path.name.endswith(".old") and not out_dir.exists():
            os.rename(path, out_dir)
        else:
            shutil.rmtree(path, ignore_errors=True)


def new_stage(out_dir: Path) -> Path:
    """An empty staging folder for this process's build of ``out_dir``."""
    recover(out_dir)
    stage = _root(out_dir) / f"{_tag(out_dir)}-{os.getpid()}"
    shutil.rmtree(stage, ignore_errors=True)
    stage.mkdir(parents=True)
    return stage


def publish(stage: Path, out_dir: Path, *, secrets: Sequence[str] = ()) -> None:
    """Replace ``out_dir`` by the complete build in ``stage``, ``secrets`` masked in every file
    first (``wxnb.secrets.scrub_folder``)."""
    scrub_folder(stage, list(secrets))
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    old = stage.with_name(stage.name + ".old")
    if out_dir.exists():
        os.rename(out_dir, old)
    os.rename(stage, out_dir)
    shutil.rmtree(old, ignore_errors=True)
    _tidy(stage.parent)


def fail(stage: Path, out_dir: Path, *, secrets: Sequence[str] = ()) -> Path:
    """Keep a failed build's notebooks beside the last good build (``secrets`` masked);
    return where they are."""
    scrub_folder(stage, list(secrets))
    failed = out_dir.with_name(out_dir.name + ".failed")
    shutil.rmtree(failed, ignore_errors=True)
    failed.parent.mkdir(parents=True, exist_ok=True)
    os.rename(stage, failed)
    _tidy(stage.parent)
    return failed


def discard(stage: Path) -> None:
    """Remove a stopped build's staging folder."""
    shutil.rmtree(stage, ignore_errors=True)
    _tidy(stage.parent)


def _tidy(root: Path) -> None:
    try:
        root.rmdir()  # only when empty
    except OSError:
        pass
