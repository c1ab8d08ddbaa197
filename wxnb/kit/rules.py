"""Rules → recommendations: a condition over one finding gives one action, its owner and
priority, from ``parameters/rules.yaml`` (an analyst changes them without code).

Each section shows the actions its own findings trigger (:func:`actions`); section 08 lists
every one once, with the manual items of the parameters (:func:`recommendations`).
"""

from __future__ import annotations

import string
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from wxnb.exceptions import ParameterError
from wxnb.kit import fmt
from wxnb.kit.findings import Finding
from wxnb.params import ReportParams

__all__ = ["Condition", "Rule", "actions", "load_rules", "recommendations"]

_FIELDS = set(Finding.__dataclass_fields__) | {"severity"}


class Condition(BaseModel):
    """When a rule fires: every given test must hold for one finding."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    metric: str  # a metric key; "anomaly:*" matches every key with that prefix
    status: list[str] = Field(default_factory=list)
    value_below: float | None = None
    value_above: float | None = None
    gap_above: float | None = None
    mom_below: float | None = None

    def holds(self, f: Finding) -> bool:
        ok = f.metric.startswith(self.metric[:-1]) if self.metric.endswith("*") \
            else f.metric == self.metric
        ok = ok and (not self.status or f.status in self.status)
        for bound, value, above in ((self.value_below, f.value, False),
                                    (self.value_above, f.value, True),
                                    (self.gap_above, f.gap, True),
                                    (self.mom_below, f.mom, False)):
            if bound is not None:
                ok = ok and value is not None and (value > bound if above else value < bound)
        return ok


class Rule(BaseModel):
    """One rule: condition → recommendation text (with {finding fields}), owner, priority."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    when: Condition
    recommendation: str
    owner: str  # tech / marketing / service (the owner_* parameters) or a team's name
    priority: Literal["高", "中", "低"] = "中"

    @field_validator("recommendation")
    @classmethod
    def _known_placeholders(cls, v: str) -> str:
        names = {f for _, f, _, _ in string.Formatter().parse(v) if f}
        unknown = names - _FIELDS
        if unknown:
            raise ValueError(f"未知占位符 {sorted(unknown)}，可用：{sorted(_FIELDS)}")
        return v


def load_rules(path: Path) -> list[Rule]:
    """Read and validate the rules file; any fault is a ParameterError naming file and rule."""
    try:
        body = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except UnicodeDecodeError:
        raise ParameterError(f"{path}: 建议规则文件应为 UTF-8 编码的 YAML") from None
    except RecursionError:
        raise ParameterError(f"{path}: 建议规则文件嵌套过深，不是 rules: [...] 列表") from None
    except (OSError, yaml.YAMLError) as exc:
        raise ParameterError(f"{path}: 无法读取建议规则：{exc}") from None
    items = body.get("rules", []) if isinstance(body, dict) else None
    if not isinstance(items, list):
        raise ParameterError(f"{path}: 应为 rules: [...] 列表")
    rules, problems = [], []
    for i, item in enumerate(items):
        try:
            rules.append(Rule(**item))
        except (ValidationError, TypeError) as exc:
            problems.append(f"  - {path.name} rules[{i}]: {exc}")
    if problems:
        raise ParameterError("建议规则校验失败：\n" + "\n".join(problems))
    return rules


_ORDER = {"高": 0, "中": 1, "低": 2}


def _owner(rule_owner: str, params: ReportParams) -> str:
    return {"tech": params.owner_tech, "marketing": params.owner_marketing,
            "service": params.owner_service}.get(rule_owner, rule_owner)


def recommendations(
    items: list[Finding], rules: list[Rule], params: ReportParams, *, manual: bool = True
) -> list[dict[str, Any]]:
    """Every rule that fires on a finding gives one recommendation for that finding (``evidence``
    its sentence, ``cite`` that sentence shortened, :func:`wxnb.kit.fmt.cite`); the manual
    items of the parameters are added, marked 人工 (unless ``manual`` is False). Sorted by
    priority, then severity (a manual item's is 0). A rule giving the same text for two findings gives one
    recommendation citing both."""
    out: list[dict[str, Any]] = []
    seen: dict[tuple[str, str], dict[str, Any]] = {}
    for rule in rules:
        for f in items:
            if rule.when.holds(f):
                values = {k: getattr(f, k) for k in _FIELDS}
                text = rule.recommendation.format_map(values)
                same = seen.get((rule.id, text))
                if same is not None:  # one action, the evidence of every finding it answers
                    same["evidence"] += f"；{f.evidence}"
                    same["cite"] += f"；{fmt.cite(f.evidence)}"
                    same["severity"] = max(same["severity"], f.severity)
                    continue
                out.append({"priority": rule.priority, "owner": _owner(rule.owner, params),
                            "text": text, "evidence": f.evidence, "cite": fmt.cite(f.evidence),
                            "source": f"规则 {rule.id}",
                            "severity": f.severity, "section": f.section_title,
                            "section_key": f.section, "name": f.name})
                seen[(rule.id, text)] = out[-1]
    if manual:
        for m in params.manual_recommendations:
            out.append({"priority": m.get("priority", "中"), "owner": m.get("owner", "—"),
                        "text": m.get("text", ""), "evidence": m.get("evidence", "—"),
                        "cite": fmt.cite(m.get("evidence", "—")),
                        "source": "人工", "severity": 0, "section": "—", "section_key": "",
                        "name": ""})
    # one order for both: a manual 高 item comes with the 高 items, not after every rule's
    out.sort(key=lambda r: (_ORDER.get(r["priority"], 1), -r["severity"]))
    return out


def actions(items: list[Finding], params: ReportParams) -> list[dict[str, Any]]:
    """The actions one section's findings trigger under the month's rules file (no manual
    items: those are section 08's), highest priority first."""
    return recommendations(items, load_rules(params.resolved_rules_file()), params, manual=False)
