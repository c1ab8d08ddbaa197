"""Appendix: metric dictionary, provenance of the input files, masked parameters, versions."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pandas as pd
import pytest
from conftest import dump, make_month

from wxnb.sections.s99_appendix import compute, show
from wxnb.io.datacube import ENDPOINTS
from wxnb.kit.metrics import KPI_SPECS
from wxnb.params import ReportParams

SECRET_HEX = "0123456789abcdef0123456789ABCDEF"
TOKEN = "ACCESS_TOKEN_" + "aB3dE5gH7jK9" * 10


# --------------------------------------------------------------------------- dictionary


def test_every_kpi_has_a_complete_entry_with_the_reports_name() -> None:
    entries = {e["key"]: e for e in compute.metric_dictionary()}
    for spec in KPI_SPECS:
        assert spec.key in entries, spec.key
        entry = entries[spec.key]
        for field in compute.DICTIONARY_FIELDS:
            assert entry[field].strip(), (spec.key, field)
        assert entry["name"] == spec.name
    assert {"new_user", "cancel_user", "anomaly"} <= entries.keys()


def test_dictionary_keys_are_unique_and_fields_exist_in_the_contract() -> None:
    entries = compute.metric_dictionary()
    keys = [e["key"] for e in entries]
    assert len(keys) == len(set(keys))
    for e in entries:
        for ref in e["fields"]:
            endpoint, field = ref.split(".", 1)
            ep = ENDPOINTS[endpoint]
            known = {"ref_date", *ep.keys, *ep.counts, *ep.optional_counts, *ep.codes, *ep.texts}
            assert field in known, (e["key"], ref)
            assert endpoint in e["source"], (e["key"], ref)


def test_dictionary_states_the_wechat_traps() -> None:
    entries = {e["key"]: e for e in compute.metric_dictionary()}
    assert "其他合计" in entries["net_followers"]["caliber"]
    assert "99999999" in entries["read_count"]["source"]
    assert "按日" in entries["read_user"]["definition"] + entries["read_user"]["caliber"]
    open_rate = entries["open_rate"]
    assert "last stat_date" in open_rate["source"]
    assert "int_page_from_session_read_user" in open_rate["numerator"]
    assert "target_user" in open_rate["denominator"]
    assert entries["share_rate"]["denominator"] != "—"
    assert entries["cumulate_followers"]["denominator"] == "—"


def test_folded_yaml_text_has_no_stray_spaces_between_chinese() -> None:
    for e in compute.metric_dictionary():
        assert not re.search(r"[\u4e00-\u9fff，。：；（）] [\u4e00-\u9fff，。：；（）]",
                             e["caliber"]), e["key"]
    entries = {e["key"]: e for e in compute.metric_dictionary()}
    assert "Σ new_user − Σ cancel_user" in entries["net_followers"]["numerator"]


def test_dictionary_html_has_the_columns_and_every_name() -> None:
    html = str(show.dictionary_html())
    for head in ("指标", "定义", "分子", "分母", "数据来源", "口径说明"):
        assert f"<th>{head}</th>" in html
    for spec in KPI_SPECS:
        assert f"<td>{spec.name}</td>" in html


# --------------------------------------------------------------------------- provenance


@pytest.fixture
def months(tmp_path: Path) -> tuple[Path, Path]:
    cur = make_month(tmp_path / "acct" / "2026-10")
    prev = make_month(tmp_path / "acct" / "2026-09", month="2026-09", start=800)
    return cur, prev


def _snapshot(folder: Path) -> dict[str, tuple[int, bytes]]:
    return {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in folder.iterdir()}


def test_provenance_counts_dates_and_hashes(months: tuple[Path, Path]) -> None:
    cur, _ = months
    frame = compute.provenance(cur, "2026-10")
    assert list(frame.columns) == list(compute.PROVENANCE_COLUMNS)
    assert len(frame) == len(list(cur.iterdir())) == 5 + 5 + 11 + 2
    assert set(frame["月份"]) == {"2026-10"}
    by_name = frame.set_index("文件")
    summary = by_name.loc["getusersummary_2026-10-01_2026-10-07.json"]
    assert summary["行数"] == 14 and summary["日期范围"] == "2026-10-01 至 2026-10-07"
    assert summary["接口"] == ENDPOINTS["getusersummary"].label
    assert by_name.loc["getusercumulate_2026-10-29_2026-10-31.json", "行数"] == 3
    assert by_name.loc["getuserread_2026-10-31_2026-10-31.json", "行数"] == 3
    article = by_name.loc["getarticletotal_2026-10-03_2026-10-03.json"]
    assert article["行数"] == 2  # details rows, not list items
    assert article["日期范围"] == "2026-10-03"
    for name, row in by_name.iterrows():
        data = (cur / name).read_bytes()
        assert row["SHA-256"] == hashlib.sha256(data).hexdigest()
        assert row["字节数"] == len(data)
        assert row["说明"] == ""


def test_provenance_leaves_the_files_untouched(months: tuple[Path, Path]) -> None:
    cur, prev = months
    before, before_prev = _snapshot(cur), _snapshot(prev)
    compute.provenance(cur, "2026-10", prev_dir=prev)
    str(show.provenance_html(cur, "2026-10", prev_dir=prev))
    assert _snapshot(cur) == before and _snapshot(prev) == before_prev


def test_provenance_lists_the_previous_month(months: tuple[Path, Path]) -> None:
    cur, prev = months
    frame = compute.provenance(cur, "2026-10", prev_dir=prev)
    old = frame[frame["月份"] == "2026-09"]
    assert len(old) == len(list(prev.iterdir()))
    assert set(old["文件"]) == {p.name for p in prev.iterdir()}
    assert old.set_index("文件").loc["getusercumulate_2026-09-29_2026-09-30.json",
                                      "日期范围"] == "2026-09-29 至 2026-09-30"
    missing = compute.provenance(cur, "2026-10", prev_dir=cur.parent / "2026-09-missing")
    assert set(missing["月份"]) == {"2026-10"}
    html = str(show.provenance_html(cur, "2026-10", prev_dir=cur.parent / "nope"))
    assert "未找到上月数据目录 nope" in html


def test_unreadable_files_become_rows(tmp_path: Path) -> None:
    folder = make_month(tmp_path / "2026-10")
    (folder / "getusershare_broken.json").write_text('{"list": [', encoding="utf-8")
    dump(folder / "getupstreammsg_err.json", {"errcode": 61501, "errmsg": "date range error"})
    (folder / "getinterfacesummary_gbk.json").write_bytes('{"list": ["中"]}'.encode("gbk"))
    (folder / "getusersummary_extra.csv").write_text(
        "ref_date,user_source,new_user,cancel_user\n2026-09-30,1,2,0\n2026-10-02,1,3,1\n\n",
        encoding="utf-8")
    dump(folder / "getuserreadhour_empty.json", {"list": []})
    frame = compute.provenance(folder, "2026-10").set_index("文件")
    broken = frame.loc["getusershare_broken.json"]
    assert "无法读取" in broken["说明"] and pd.isna(broken["行数"])
    assert broken["SHA-256"] == hashlib.sha256(b'{"list": [').hexdigest()
    assert "61501" in frame.loc["getupstreammsg_err.json", "说明"]
    assert "无法读取" in frame.loc["getinterfacesummary_gbk.json", "说明"]
    csv_row = frame.loc["getusersummary_extra.csv"]
    assert csv_row["行数"] == 2 and csv_row["日期范围"] == "2026-09-30 至 2026-10-02"
    empty = frame.loc["getuserreadhour_empty.json"]
    assert empty["行数"] == 0 and empty["日期范围"] == "—" and "list 为空" in empty["说明"]
    html = str(show.provenance_html(folder, "2026-10"))
    assert "getusershare_broken.json：无法读取" in html


def test_provenance_of_a_missing_folder_is_empty_not_an_error(tmp_path: Path) -> None:
    frame = compute.provenance(tmp_path / "none", "2026-10")
    assert frame.empty and list(frame.columns) == list(compute.PROVENANCE_COLUMNS)
    assert "未找到本月数据目录 none" in str(show.provenance_html(tmp_path / "none", "2026-10"))


def test_provenance_html_shows_a_short_hash(months: tuple[Path, Path]) -> None:
    cur, _ = months
    name = "getusercumulate_2026-10-01_2026-10-07.json"
    digest = hashlib.sha256((cur / name).read_bytes()).hexdigest()
    html = str(show.provenance_html(cur, "2026-10"))
    assert f"<td>{digest[:12]}</td>" in html and digest not in html


# --------------------------------------------------------------------------- masking


def test_mask_secrets_masks_keys_and_values() -> None:
    masked = show.mask_secrets({
        "app_secret": "plain words", "ACCESS_TOKEN": "x", "WxAppSecret": 12345,
        "db_password": "hunter2", "appkey": "k", "note": SECRET_HEX, "long": TOKEN,
        "url": f"https://api.weixin.qq.com/datacube/x?access_token={TOKEN[:20]}&a=1",
        "nested": {"token": "abc", "plain": "ok"}, "token_unset": None,
        "account": "acme", "month": "2026-10", "anomaly_z": 3.5, "account_name": "某品牌",
        "sha_like_but_short": "0123456789abcdef", "empty_secret": "",
    })
    for key in ("app_secret", "ACCESS_TOKEN", "WxAppSecret", "db_password", "appkey",
                "note", "long"):
        assert masked[key] == show.MASK, key
    assert masked["url"] == "https://api.weixin.qq.com/datacube/x?access_token=***&a=1"
    assert masked["nested"] == {"token": show.MASK, "plain": "ok"}
    assert masked["token_unset"] is None and masked["empty_secret"] == ""
    assert masked["account"] == "acme" and masked["month"] == "2026-10"
    assert masked["anomaly_z"] == 3.5 and masked["account_name"] == "某品牌"
    assert masked["sha_like_but_short"] == "0123456789abcdef"


def test_parameters_html_shows_every_parameter_and_no_secret() -> None:
    params = ReportParams(month="2026-10", account="acme", account_name=SECRET_HEX,
                          benchmark_source=f"来源 token={TOKEN}", target_read_count=None,
                          anomaly_window=5)
    html = str(show.parameters_html(params))
    for name in ReportParams.model_fields:
        assert f"<td>{name}</td>" in html, name
    assert SECRET_HEX not in html and TOKEN not in html and TOKEN[:30] not in html
    assert "未设置" in html and re.search(r"<td>anomaly_window</td><td[^>]*>5</td>", html)
    assert re.search(r"<td>account</td><td[^>]*>acme</td>", html)
    assert "（默认）" in html  # an empty data_dir shows the folder actually used


def test_parameters_and_versions_name_no_local_path_nor_the_machine(tmp_path: Path) -> None:
    outside = tmp_path / "clients" / "acme" / "2026-10"
    params = ReportParams(month="2026-10", account="acme", data_dir=str(outside),
                          output_dir=str(tmp_path / ".wxnb-staging" / "acme-2026-10-123"))
    html = str(show.parameters_html(params))
    assert str(tmp_path) not in html and ".wxnb-staging" not in html
    assert re.search(r"<td>data_dir</td><td[^>]*>…/acme/2026-10</td>", html)
    assert re.search(r"<td>prev_data_dir</td><td[^>]*>（默认）…/acme/2026-09</td>", html)
    assert "（本次构建的输出目录）" in html
    inside = ReportParams(month="2026-10", account="acme")
    assert re.search(r"<td>data_dir</td><td[^>]*>（默认）data/acme/2026-10</td>",
                     str(show.parameters_html(inside)))
    shown = dict(compute.versions())
    assert "Python" in shown and "操作系统" not in shown
    import platform

    assert platform.platform() not in str(show.versions_html())


# --------------------------------------------------------------------------- escaping


def test_hostile_names_and_values_are_escaped(tmp_path: Path) -> None:
    folder = tmp_path / "2026-10"
    folder.mkdir()
    hostile = 'getusersummary_<script>alert("1")&.json'
    dump(folder / hostile, {"errcode": 1, "errmsg": "<img src=x onerror=alert(2)>"})
    html = str(show.provenance_html(folder, "2026-10"))
    assert "<script>" not in html and "<img" not in html
    assert "getusersummary_&lt;script&gt;alert(&quot;1&quot;)&amp;.json" in html
    assert "&lt;img src=x onerror=alert(2)&gt;" in html
    params = ReportParams(month="2026-10", account="acme", account_name="<script>x</script>")
    p_html = str(show.parameters_html(params))
    assert "<script>" not in p_html and "&lt;script&gt;x&lt;/script&gt;" in p_html


# --------------------------------------------------------------------------- versions


def test_versions_name_every_package_and_flag_missing_ones(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    html = str(show.versions_html())
    for name in ("Python", *compute.PACKAGES):
        assert f"<td>{name}</td>" in html
    assert "未安装" not in dict(compute.versions())["pandas"]

    real = compute.importlib.metadata.version

    def fake(name: str) -> str:
        if name == "seaborn":
            raise compute.importlib.metadata.PackageNotFoundError(name)
        return real(name)

    monkeypatch.setattr(compute.importlib.metadata, "version", fake)
    assert dict(compute.versions())["seaborn"] == "未安装"


# --------------------------------------------------------------------------- section inputs


def test_provenance_lists_section_inputs_and_other_files(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    folder = make_month(tmp_path / "2026-10")
    pq.write_table(pa.table({"follower_id": ["f1", "f2", "f3"], "event": ["subscribe"] * 3}),
                   folder / "events.parquet")
    (folder / "events_extra.jsonl").write_text('{"a": 1}\n\n{"a": 2}\n', encoding="utf-8")
    (folder / "orders.csv").write_text("order_id,amount\n1,2\n2,3\n", encoding="utf-8")
    dump(folder / "menu.json", {"is_menu_open": 1, "selfmenu_info": {"button": [
        {"type": "click", "name": "A", "key": "a"},
        {"name": "B", "sub_button": {"list": [{"type": "view", "name": "B1", "url": "u"},
                                              {"type": "click", "name": "B2", "key": "b"}]}}]}})
    (folder / "notes.txt").write_text("hello", encoding="utf-8")
    (folder / "broken.parquet").write_bytes(b"PAR1 not really")
    frame = compute.provenance(folder, "2026-10").set_index("文件")
    assert len(frame) == len(list(folder.iterdir()))
    assert frame.loc["events.parquet", "行数"] == 3
    assert frame.loc["events.parquet", "接口"] == "事件日志（事件推送与自有埋点）"
    assert frame.loc["events_extra.jsonl", "行数"] == 2
    assert frame.loc["orders.csv", "行数"] == 2 and frame.loc["orders.csv", "接口"] == "订单与转化"
    assert frame.loc["menu.json", "行数"] == 3  # one top button, two sub-buttons
    assert frame.loc["notes.txt", "接口"] == compute.OTHER_FILE
    assert pd.isna(frame.loc["broken.parquet", "行数"])
    # large files are hashed and counted in a stream, with the same results
    monkeypatch.setattr(compute, "_SMALL_FILE", 1)
    streamed = compute.provenance(folder, "2026-10").set_index("文件")
    for name in ("events.parquet", "events_extra.jsonl", "orders.csv"):
        data = (folder / name).read_bytes()
        assert streamed.loc[name, "SHA-256"] == hashlib.sha256(data).hexdigest()
    assert streamed.loc["orders.csv", "行数"] == 2 and streamed.loc["events.parquet", "行数"] == 3
    html = str(show.provenance_html(folder, "2026-10"))
    assert "<details" in html and "订单与转化" in html and "broken.parquet：无法读取" in html


def test_provenance_reads_files_as_the_loaders_do(tmp_path: Path) -> None:
    """A BOM JSON, a GBK CSV and a JSON with a 5,000-digit integer load (or are rejected
    cleanly) in the loaders; the appendix counted them as unreadable or crashed on the last."""
    folder = make_month(tmp_path / "2026-10")
    (folder / "getusershare_bom.json").write_bytes(
        b"\xef\xbb\xbf" + json.dumps({"list": [{"ref_date": "2026-10-01"}]}).encode())
    (folder / "getusersummary_gbk.csv").write_bytes(
        "ref_date,user_source,new_user,cancel_user,备注\n2026-10-02,1,3,1,中文\n".encode("gbk"))
    (folder / "getupstreammsg_big.json").write_text(
        '{"list": [{"ref_date": "2026-10-03", "x": ' + "9" * 5000 + "}]}", encoding="utf-8")
    frame = compute.provenance(folder, "2026-10").set_index("文件")
    assert frame.loc["getusershare_bom.json", "行数"] == 1
    assert frame.loc["getusersummary_gbk.csv", "行数"] == 1
    assert frame.loc["getupstreammsg_big.json", "行数"] == 1
