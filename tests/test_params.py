"""Layered parameters: order, types, unknown keys, months stay strings."""

from __future__ import annotations

from pathlib import Path

import pytest

from wxnb.exceptions import ParameterError
from wxnb.params import from_namespace, load_params, parse_override


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


@pytest.fixture
def layers(tmp_path: Path) -> Path:
    write(tmp_path / "defaults.yaml", "target_read_count: 1000\nanomaly_z: 3.5\n")
    write(tmp_path / "accounts" / "acme.yaml", "account_name: 某品牌\ntarget_read_count: 2000\n")
    write(tmp_path / "months" / "acme" / "2026-10.yaml", "target_read_count: 3000\n")
    return tmp_path


def test_layers_override_in_order(layers: Path) -> None:
    p = load_params(account="acme", month="2026-10", root=layers)
    assert p.target_read_count == 3000 and p.account_name == "某品牌"
    p = load_params(account="acme", month="2026-09", root=layers)
    assert p.target_read_count == 2000
    p = load_params(account="acme", month="2026-10", root=layers,
                    overrides={"target_read_count": 9})
    assert p.target_read_count == 9


def test_month_reaches_as_a_string(layers: Path) -> None:
    p = load_params(account="acme", month="2026-10", root=layers)
    assert p.month == "2026-10" and isinstance(p.month, str)
    assert parse_override("month=2026-10") == ("month", "2026-10")
    assert parse_override("data_dir=2026-10-01") == ("data_dir", "2026-10-01")  # not a date
    assert parse_override("target_open_rate=0.03") == ("target_open_rate", 0.03)


def test_unknown_key_is_rejected_with_file_and_suggestion(layers: Path) -> None:
    write(layers / "accounts" / "acme.yaml", "target_opne_rate: 0.03\n")
    with pytest.raises(ParameterError) as info:
        load_params(account="acme", month="2026-10", root=layers)
    msg = str(info.value)
    assert "accounts/acme.yaml" in msg and "target_opne_rate" in msg and "target_open_rate" in msg


def test_wrong_type_names_the_layer(layers: Path) -> None:
    write(layers / "months" / "acme" / "2026-10.yaml", "target_read_count: 很多\n")
    with pytest.raises(ParameterError) as info:
        load_params(account="acme", month="2026-10", root=layers)
    msg = str(info.value)
    assert "months/acme/2026-10.yaml" in msg and "target_read_count" in msg and "很多" in msg


def test_rate_out_of_range_and_bad_month(layers: Path) -> None:
    with pytest.raises(ParameterError, match="target_open_rate"):
        load_params(account="acme", month="2026-10", root=layers,
                    overrides={"target_open_rate": 3})
    with pytest.raises(ParameterError, match="month"):
        load_params(account="acme", month="2026-13", root=layers)


def test_broken_yaml_is_a_clear_error(layers: Path) -> None:
    write(layers / "defaults.yaml", "a: [1, 2\n")
    with pytest.raises(ParameterError, match="defaults.yaml.*YAML"):
        load_params(account="acme", month="2026-10", root=layers)


def test_int_is_accepted_for_a_rate_but_bool_is_not(layers: Path) -> None:
    p = load_params(account="acme", month="2026-10", root=layers, overrides={"anomaly_z": 4})
    assert p.anomaly_z == 4.0 and isinstance(p.anomaly_z, float)
    with pytest.raises(ParameterError):
        load_params(account="acme", month="2026-10", root=layers,
                    overrides={"target_read_count": True})


def test_from_namespace_ignores_other_variables() -> None:
    p = from_namespace({"month": "2026-10", "account": "x", "pd": object()})
    assert p.account == "x"
    with pytest.raises(ParameterError, match="month"):
        from_namespace({"month": 202610, "account": "x"})


def test_bundled_parameters_are_valid() -> None:
    p = load_params()
    assert p.account == "sample" and p.month == "2026-10" and p.benchmark_source


def test_event_engine_shares_memory_and_cores_among_parallel_sections(monkeypatch) -> None:
    import os

    from wxnb.params import ReportParams

    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    alone = ReportParams(month="2026-10", account="t", event_memory_limit="1GiB")
    assert alone.event_engine() == {"memory_limit": "1024MiB", "threads": 2}
    two = alone.model_copy(update={"event_workers": 2})
    assert two.event_engine() == {"memory_limit": "512MiB", "threads": 1}
    gb = ReportParams(month="2026-10", account="t", event_memory_limit="1GB",
                      event_workers=4)
    assert gb.event_engine() == {"memory_limit": "238MiB", "threads": 1}  # 1e9 B ÷ 4
    tiny = ReportParams(month="2026-10", account="t", event_memory_limit="200MB",
                        event_workers=8)
    assert tiny.event_engine()["memory_limit"] == "64MiB"  # a floor DuckDB can work with


# --------------------------------------------------------------------------- notebooks by hand


def test_notebook_resolves_the_month_layer_of_its_month() -> None:
    """``papermill … -p month 2026-09`` must use September's targets, not the cell's October."""
    sept = from_namespace({"account": "sample", "month": "2026-09", "overrides": {}})
    assert sept == load_params(month="2026-09")
    assert sept.target_open_rate == 0.03 and sept.target_net_followers == 4500
    assert sept.target_share_rate is None  # set for October only


def test_notebook_resolves_the_account_layer_of_its_account() -> None:
    acme = from_namespace({"account": "acme", "month": "2026-10"})
    assert acme.account_name == "" and acme.benchmark_open_rate is None  # not the sample's
    assert acme.target_open_rate is None


def test_notebook_overrides_by_name_and_by_dict_like_set() -> None:
    p = from_namespace({"account": "sample", "month": "2026-10", "target_open_rate": 0.05,
                        "overrides": {"anomaly_z": 4}})
    assert p == load_params(overrides={"target_open_rate": 0.05, "anomaly_z": 4})


def test_notebook_rejects_a_name_papermill_injected_that_is_no_parameter() -> None:
    """papermill only logs "Passed unknown parameter"; the notebook must stop instead."""
    injected = "# Parameters\nmonth = \"2026-09\"\ntarget_opne_rate = 0.03\n"
    ns = {"account": "sample", "month": "2026-09", "target_opne_rate": 0.03,
          "In": ["", "account: str = 'sample'\n", injected]}
    with pytest.raises(ParameterError, match="target_opne_rate.*target_open_rate"):
        from_namespace(ns)
    ns["In"][2] = "# Parameters\nmonth = \"2026-09\"\n"
    assert from_namespace({**ns, "target_opne_rate": 1}).month == "2026-09"  # a user variable


def test_month_and_account_cannot_be_overridden_by_a_layer_or_set() -> None:
    with pytest.raises(ParameterError, match="month.*--month"):
        load_params(overrides={"month": "2026-09"})
    with pytest.raises(ParameterError, match="account.*--account"):
        from_namespace({"account": "sample", "month": "2026-10",
                        "overrides": {"account": "acme"}})
    assert load_params(overrides={"month": "2026-10"}).month == "2026-10"  # the same is fine


@pytest.mark.parametrize("month", ["２０２６-10", "2026-１0", "0000-10", "10000-10", "1969-12",
                                   "2026-00", "2026-13", "2026-1", " 2026-10", "2026-10\n",
                                   "2026-W40"])
def test_month_must_be_an_ascii_year_month_in_range(month: str) -> None:
    with pytest.raises(ParameterError, match="报告月份"):
        load_params(month=month)


def test_account_name_length_is_bounded() -> None:
    with pytest.raises(ParameterError, match="最长 64"):
        load_params(account="a" * 300)
    assert load_params(account="a" * 64).account == "a" * 64


def test_parameters_yaml_that_is_not_utf8_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "defaults.yaml").write_bytes("account_name: 示例品牌\n".encode("gbk"))
    with pytest.raises(ParameterError, match="UTF-8.*第 1 行"):
        load_params(root=tmp_path)


def test_parameters_yaml_nested_too_deep_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "defaults.yaml").write_text("manual_recommendations: " + "[" * 5000,
                                            encoding="utf-8")
    with pytest.raises(ParameterError, match="defaults.yaml"):
        load_params(root=tmp_path)


def test_set_text_values_are_literal_strings() -> None:
    """Read as YAML, ``#`` started a comment: ``ACME #1 品牌`` became ``ACME``."""
    assert parse_override("account_name=ACME #1 品牌") == ("account_name", "ACME #1 品牌")
    assert parse_override("owner_tech=  技术部: 张三 ") == ("owner_tech", "  技术部: 张三 ")
    assert parse_override("benchmark_source=null") == ("benchmark_source", "null")
    assert parse_override("target_open_rate=0.03") == ("target_open_rate", 0.03)
    assert parse_override("target_read_count=null") == ("target_read_count", None)


@pytest.mark.parametrize("key", ["fan_active_weekly", "target_open_rate", "anomaly_z"])
@pytest.mark.parametrize("raw", [".inf", "-.inf", ".nan"])
def test_infinite_and_nan_thresholds_are_refused(key: str, raw: str) -> None:
    with pytest.raises(ParameterError, match=key):
        load_params(overrides=dict([parse_override(f"{key}={raw}")]))


def test_event_memory_limit_has_a_floor() -> None:
    """1MB used to pass and then fail as a problem "with events.parquet"."""
    with pytest.raises(ParameterError, match="event_memory_limit.*至少 128 MiB"):
        load_params(overrides={"event_memory_limit": "1MB"})
    assert load_params(overrides={"event_memory_limit": "256MB"}).event_memory_limit == "256MB"
