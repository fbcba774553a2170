"""YAML in and out: reading keeps the loader's line numbers in messages; writing leaves defaults out."""
from __future__ import annotations

from typing import Any

import yaml

from ..loader import ChecklistError, Problem, _check_text, _Loader, _yaml_problem, build_checklist
from ..model import Checklist


def read_yaml(data: bytes, filename: str) -> dict[str, Any]:
    """The checklist data of a YAML file, validated with line numbers; ChecklistError otherwise."""
    try:
        text = data.decode("utf-8-sig")  # Windows editors often save a byte-order mark
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise ChecklistError([Problem(filename, "", f"the file is not UTF-8 text (byte 0x{data[exc.start]:02x}); "
                                                    "save it as UTF-8", line)]) from None
    _, problems, _ = _check_text(text, filename)
    if problems:
        raise ChecklistError(problems)
    loader = _Loader(text)
    try:
        return loader.get_single_data()
    except yaml.MarkedYAMLError as exc:  # _check_text parsed it already; kept for safety
        raise ChecklistError([_yaml_problem(filename, exc)]) from None
    finally:
        loader.dispose()


def as_checklist(data: Any) -> Checklist:
    """A Checklist from checklist data or a Checklist; ChecklistError when the data is not valid."""
    return data if isinstance(data, Checklist) else build_checklist(data)


def minimal(checklist: Checklist) -> dict[str, Any]:
    """The checklist as a person writes it: canonical data without the values every reader fills in anyway."""
    data = checklist.to_dict()
    for section, raw_section in zip(checklist.sections, data["sections"]):
        for q, raw in zip(section.questions, raw_section["questions"]):
            _drop_defaults(q, raw)
    return data


def _drop_defaults(q, raw: dict) -> None:
    """Remove keys whose value is what the validator would fill in (required, weight, finding …)."""
    for key, default in (("required", True), ("weight", 1), ("allow_na", False), ("min_photos", 1)):
        if key in raw and raw[key] == default and type(raw[key]) is type(default):
            del raw[key]
    if raw.get("scale") == {"min": 1, "max": 5}:
        del raw["scale"]
    if "finding" in raw:
        if tuple(q.finding) == tuple(q.kind.default_finding(q)):
            del raw["finding"]
        elif not q.finding:
            raw["finding"] = False
        elif len(raw["finding"]) == 1:
            raw["finding"] = raw["finding"][0]
    for key in ("show_if", "finding", "scale"):
        if isinstance(raw.get(key), dict):
            raw[key] = _Flow(raw[key])
        elif isinstance(raw.get(key), list):
            raw[key] = [_Flow(rule) for rule in raw[key]]
    if "options" in raw:
        # An option whose label is its value and has no score is written as plain text, as people write it.
        raw["options"] = [o["value"] if o["label"] == o["value"] and "score" not in o else _Flow(o)
                          for o in raw["options"]]


class _Flow(dict):
    """A small mapping written on one line, as the docs write show_if, finding rules and options."""


class _Dumper(yaml.SafeDumper):
    """Block style, keys in the order of the format's docs, long texts folded by the reader's editor, not us."""


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    """Multi-line texts as literal blocks; everything else as PyYAML decides (it quotes yes/no/on/off)."""
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


def _flow(dumper: yaml.SafeDumper, value: _Flow) -> yaml.MappingNode:
    """{question: layer, in: [supervisor, manager]} on one line."""
    return dumper.represent_mapping("tag:yaml.org,2002:map", dict(value), flow_style=True)


_Dumper.add_representer(str, _str)
_Dumper.add_representer(_Flow, _flow)


def write_yaml(data: Any) -> str:
    """Checklist data (or a Checklist) as YAML text that reads back to the same checklist (same content hash)."""
    checklist = as_checklist(data)
    text = yaml.dump(minimal(checklist), Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=120,
                     default_flow_style=False)
    return f"# {checklist.title} — written by FieldAudit; check with: fieldaudit checklist validate FILE\n{text}"
