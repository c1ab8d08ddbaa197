"""A validated month kept as a dataset, so it is parsed and validated once, not by each section.

The first whole load of a month folder (``wxnb check`` and ``wxnb build`` do one before any
section runs) writes every endpoint's typed table as Parquet, with a manifest: each input file's
name, size, mtime and SHA-256, the loader's own source digest and the versions of pandas,
pyarrow and pandera. Any later load of the month reads the tables, as long as the manifest still matches:
a changed, added or removed input file, a changed loader or an upgraded library means the month
is parsed again. The dataset is a cache: it lives under ``outputs/.wxnb-cache/datasets/``
(``WXNB_CACHE_DIR`` moves it), is never needed, and the input folder is never written.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd

from wxnb import paths
from wxnb.io.digest import file_sha256

__all__ = ["FORMAT", "KEEP", "Stored", "cache_root", "prune", "read", "write"]

FORMAT = 1
KEEP = 24  # datasets kept (the most recently written); older ones are removed
_CODE = ("datacube.py", "csvin.py", "codes.py", "dataset.py", "backend.py")
_LIBS = ("pandas", "pyarrow", "pandera", "numpy")


@dataclass(frozen=True)
class Stored:
    """A month's tables as the loader made them, and its notes."""

    frames: dict[str, pd.DataFrame]
    read_notes: dict[str, list[str]]
    empties: dict[str, list[str]]


def cache_root() -> Path:
    """Where the datasets are kept."""
    return paths.cache_dir() / "datasets"


def folder_key(folder: Path, month: str) -> str:
    """The cache's name for one month of one data folder (its datasets, event summaries and
    section timings are kept under it)."""
    return hashlib.sha256(f"{folder.resolve()}\0{month}".encode()).hexdigest()[:24]


def _stats(folder: Path) -> dict[str, list[int]]:
    """Every input file's size and mtime."""
    out = {}
    for p in sorted(folder.iterdir()):
        if p.is_file():
            st = p.stat()
            out[p.name] = [st.st_size, st.st_mtime_ns]
    return out


def _checksums(folder: Path) -> dict[str, list[Any]]:
    """The manifest of the input files: name → [size, mtime, SHA-256]."""
    return {name: [*st, file_sha256(folder / name)] for name, st in _stats(folder).items()}


def _unchanged(folder: Path, recorded: dict[str, list[Any]]) -> bool:
    """True when the folder holds the recorded files with the recorded contents: by size and
    mtime first (no file is read), by checksum for a file that was only touched."""
    now = _stats(folder)
    if sorted(now) != sorted(recorded):
        return False
    for name, st in now.items():
        size, mtime, digest = recorded[name]
        if st[0] != size:
            return False
        if st[1] != mtime and file_sha256(folder / name) != digest:
            return False
    return True


def _code() -> str:
    here = Path(__file__).parent
    h = hashlib.sha256()
    for name in _CODE:
        h.update((here / name).read_bytes())
    for lib in _LIBS:
        try:
            h.update(metadata.version(lib).encode())
        except metadata.PackageNotFoundError:
            pass
    return h.hexdigest()


def write(folder: Path, month: str, frames: dict[str, pd.DataFrame],
          read_notes: dict[str, list[str]], empties: dict[str, list[str]]) -> Path | None:
    """Keep a whole validated month; return its folder, or None when it cannot be kept (a
    read-only disk, a table Parquet cannot hold): the month is then simply parsed each time."""
    root = cache_root()
    target = root / folder_key(folder, month)
    tmp = root / f".{target.name}.{os.getpid()}.tmp"
    try:
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        tables = {}
        for name, df in frames.items():
            df.to_parquet(tmp / f"{name}.parquet", index=False)
            tables[name] = {c: str(t) for c, t in df.dtypes.items()}
        manifest = {"format": FORMAT, "folder": str(folder.resolve()), "month": month,
                    "code": _code(), "files": _checksums(folder), "tables": tables,
                    "read_notes": read_notes, "empties": empties}
        (tmp / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False),
                                           encoding="utf-8")
        shutil.rmtree(target, ignore_errors=True)
        os.rename(tmp, target)
    except (OSError, ValueError, TypeError):  # a full disk; pyarrow refusing a column (its
        shutil.rmtree(tmp, ignore_errors=True)  # errors are ValueError / TypeError)
        return None
    prune(root)
    return target


def read(folder: Path, month: str, endpoints: set[str] | None = None) -> Stored | None:
    """The month's dataset when it still matches the input files, else None; only the tables
    of ``endpoints`` are read (all by default)."""
    target = cache_root() / folder_key(folder, month)
    try:
        manifest = json.loads((target / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    try:
        if manifest.get("format") != FORMAT or manifest.get("month") != month \
                or manifest.get("folder") != str(folder.resolve()) \
                or manifest.get("code") != _code() or not _unchanged(folder, manifest["files"]):
            return None
        frames = {name: _restore(pd.read_parquet(target / f"{name}.parquet"), dtypes)
                  for name, dtypes in manifest["tables"].items()
                  if endpoints is None or name in endpoints}
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return Stored(frames, manifest.get("read_notes", {}), manifest.get("empties", {}))


def _restore(df: pd.DataFrame, dtypes: dict[str, Any]) -> pd.DataFrame:
    """The loader's dtypes back: Parquet reads text columns as ``str``; the loader's object
    columns (text with ``None`` for missing) stay object."""
    for col, dtype in dtypes.items():
        if str(df[col].dtype) == dtype:
            continue
        if dtype == "object":
            df[col] = df[col].astype(object).where(df[col].notna(), None)
        else:
            df[col] = df[col].astype(dtype)
    return df


def prune(root: Path) -> None:
    """Keep the :data:`KEEP` most recently written datasets."""
    try:
        kept = sorted((p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")),
                      key=lambda p: p.stat().st_mtime_ns, reverse=True)
    except OSError:
        return
    for old in kept[KEEP:]:
        shutil.rmtree(old, ignore_errors=True)
