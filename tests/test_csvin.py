"""wxnb.io.csvin: a large CSV is read by pyarrow, a small one by the csv module; both readings
give the same header, cells and problems for any file."""

from __future__ import annotations

import csv
import random
from pathlib import Path

import pytest

from wxnb.io import csvin

SLOW = 1 << 60  # never the fast path


def both(path: Path) -> tuple[tuple, tuple]:
    return (csvin._columns(path, "CSV", fast_chars=0),
            csvin._columns(path, "CSV", fast_chars=SLOW))


CASES = {
    "plain": "a,b,c\n1,2,3\n4,5,6\n",
    "quoted commas and newlines": 'a,b\n"x, y","line1\nline2"\n"p\r\nq",r\n',
    "doubled quotes": 'a,b\n"say ""hi""",2\n',
    "crlf": "a,b\r\n1,2\r\n3,4\r\n",
    "cr only": "a,b\r1,2\r3,4\r",
    "blank lines and blank rows": "\n\na,b\n\n1,2\n,\n , \n3,4\n\n",
    "blank row before the header": ",\na,b\n1,2\n",
    "whitespace cells": "a , b\n  1 ,\t2\u3000\n\u00a0x,y\x1c\n",
    "bom": "\ufeffa,b\n1,2\n",
    "stray quote": 'a,b\nx"y,z\n"ab"c,d\n',
    "short row": "a,b,c\n1,2\n3,4,5\n",
    "long row, blank extra": "a,b\n1,2,,\n3,4\n",
    "long row, extra value": "a,b\n1,2,3\n3,4\n",
    "repeated column": "a,a\n1,2\n",
    "blank column names": "a,,\n1,2,3\n",
    "header only": "a,b\n",
    "empty": "",
    "only blank": "\n,,\n",
    "no final newline": "a,b\n1,2",
    "unicode": "标题,阅读\n《双十一》大促,1,234\n",
}


@pytest.mark.parametrize("text", CASES.values(), ids=CASES.keys())
def test_fast_and_slow_readings_agree(tmp_path: Path, text: str) -> None:
    path = tmp_path / "f.csv"
    path.write_text(text, encoding="utf-8", newline="")
    fast, slow = both(path)
    assert fast == slow


def test_gb18030_file_and_its_note(tmp_path: Path) -> None:
    path = tmp_path / "f.csv"
    path.write_bytes("标题,阅读\n国庆,12\n".encode("gb18030"))
    fast, slow = both(path)
    assert fast == slow
    assert fast[0] == ["标题", "阅读"] and fast[1] == [["国庆"], ["12"]]
    assert "GB18030" in (fast[3] or "")


def test_a_field_over_the_csv_limit_is_a_problem_either_way(tmp_path: Path) -> None:
    path = tmp_path / "f.csv"
    path.write_text("a,b\n" + "x" * (csv.field_size_limit() + 1) + ",1\n", encoding="utf-8")
    fast, slow = both(path)
    assert fast == slow
    assert fast[0] is None and "CSV 解析失败" in fast[2][0].found


def test_random_texts_read_alike(tmp_path: Path) -> None:
    rng = random.Random(20261207)
    alphabet = ['a', '1', ',', '"', '\n', '\r\n', ' ', '\u3000', '读', '', '\t']
    path = tmp_path / "f.csv"
    for _ in range(300):
        width = rng.randint(1, 4)
        rows = [",".join(f"h{i}" for i in range(width))]
        for _ in range(rng.randint(0, 6)):
            cells = []
            for _ in range(width + rng.choice((0, 0, 0, -1, 1))):
                cell = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 4)))
                if rng.random() < 0.4:  # quoted: separators and line ends inside are data
                    cell = '"' + cell.replace('"', '""') + '"'
                cells.append(cell)
            rows.append(",".join(cells))
        text = "\n".join(rows) + rng.choice(("\n", "", "\r\n"))
        path.write_text(text, encoding="utf-8", newline="")
        fast, slow = both(path)
        assert fast == slow, text


def test_a_large_file_takes_the_fast_path(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "big.csv"
    rows = [f"2026-10-{1 + i % 28:02d} 08:00:00,o{i}, {i} " for i in range(30_000)]
    path.write_text("time,follower_id,n\n" + "\n".join(rows) + "\n", encoding="utf-8")
    assert path.stat().st_size > csvin.FAST_CHARS
    calls = []
    real = csvin._fast_columns
    monkeypatch.setattr(csvin, "_fast_columns", lambda text: calls.append(1) or real(text))
    df, problems = csvin.read_csv(path, ["time", "follower_id"])
    assert calls and not problems
    assert len(df) == 30_000 and df["n"].iloc[7] == "7" and df["follower_id"].iloc[-1] == "o29999"
    assert df["n"].dtype == object


def test_read_csv_from_either_path_is_the_same_frame(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "f.csv"
    path.write_text('a,b,c\n 1,"x,y",\n,,\n2, z ,w\n', encoding="utf-8")
    monkeypatch.setattr(csvin, "FAST_CHARS", 0)
    fast, _ = csvin.read_csv(path, ["a"])
    monkeypatch.setattr(csvin, "FAST_CHARS", SLOW)
    slow, _ = csvin.read_csv(path, ["a"])
    assert fast.equals(slow) and list(fast.dtypes) == list(slow.dtypes)
    assert fast.to_dict("list") == {"a": ["1", "2"], "b": ["x,y", "z"], "c": ["", "w"]}


def test_cells_are_stripped_exactly_as_python_strips() -> None:
    import pyarrow as pa

    chars = [chr(i) for i in range(0x10000) if not 0xD800 <= i < 0xE000]
    for cells in ([f"a{c}" for c in chars], [f"{c}a" for c in chars], chars):
        assert csvin._stripped(pa.chunked_array([pa.array(cells)])) == [c.strip() for c in cells]
