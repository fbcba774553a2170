"""Read checklist YAML files into the model, reporting every problem with file, line, path and fix."""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from collections.abc import Callable, Iterable

import yaml

from ..refusal import Refusal
from . import schema
from .model import Checklist
from .typespec import join

MAX_FILE_BYTES = 2_000_000  # the largest shipped checklist is ~60 kB; anything near this is a mistake
_BOOL = "tag:yaml.org,2002:bool"
_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_YAML_HINTS = (
    ("'\\t'", "indent with spaces, not tabs"),
    ("mapping values are not allowed", "quote a text that contains ': ', or check the indentation"),
    ("could not find expected ':'", "check the indentation and that every key ends with ':'"),
    ("expected <block end>", "check the indentation of this line against the lines above"),
    ("found undefined alias", "define the &anchor before using *alias"),
    ("expected a single document", "keep one checklist per file (remove the extra '---')"),
)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a checklist: where (file, line, path) and what to do about it."""

    file: str
    path: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        """`FILE:LINE: PATH: MESSAGE` on one line (LINE and PATH only when known)."""
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"


class ChecklistError(Refusal):
    """A checklist that cannot be used; `problems` lists everything wrong with it, one per line of the message."""

    status = 422

    def __init__(self, problems: Iterable[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class SourcedFloat(float):
    """A float that remembers how it was written, so `clause: 8.10` is not read back as '8.1'."""

    source: str


class _Loader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2 booleans (so `no`, `yes`, `on` stay texts) and dates kept as text."""

    yaml_implicit_resolvers = {
        first: [(tag, rx) for tag, rx in resolvers if tag not in (_BOOL, _TIMESTAMP)]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }


def _construct_float(loader: _Loader, node: yaml.ScalarNode) -> float:
    """Build a float carrying its source text."""
    value = SourcedFloat(yaml.SafeLoader.construct_yaml_float(loader, node))
    value.source = node.value
    return value


_Loader.add_implicit_resolver(_BOOL, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))
_Loader.add_constructor("tag:yaml.org,2002:float", _construct_float)


def parse_checklist(text: str, filename: str = "<text>") -> Checklist:
    """Parse and validate YAML text; raise ChecklistError listing every problem."""
    checklist, problems, _ = _check_text(text, filename)
    if problems:
        raise ChecklistError(problems)
    return checklist


def load_checklist(path: str | Path) -> Checklist:
    """Read, parse and validate one YAML file; raise ChecklistError listing every problem."""
    text, problems = _read(Path(path), str(path))
    if text is None:
        raise ChecklistError(problems)
    return parse_checklist(text, str(path))


def build_checklist(data: Any, filename: str = "<data>") -> Checklist:
    """Validate already-parsed data (JSON, a builder form, a spreadsheet import); raise ChecklistError."""
    problems: list[Problem] = []
    checklist = schema.build_checklist(data, lambda path, message: problems.append(Problem(filename, path, message)))
    if problems:
        raise ChecklistError(problems)
    return checklist


def validate_files(paths: Iterable[str | Path]) -> list[Problem]:
    """Every problem in the given files (folders mean their *.yaml files); empty when all are valid."""
    return [p for _, _, problems in _check_files(paths) for p in problems]


def validate_command(paths: Iterable[str | Path]) -> tuple[int, list[str]]:
    """What `fieldaudit checklist validate FILE...` prints and its exit code: 0 all valid, 2 otherwise."""
    results = _check_files(paths)
    if not results:
        return 2, ["no checklist files given; name one or more .yaml files or a folder of them"]
    lines, bad = [], 0
    for name, checklist, problems in results:
        if problems:
            bad += 1
            lines.extend(str(p) for p in problems)
        else:
            count = sum(1 for _ in checklist.all_questions())
            lines.append(f"{name}: ok: {checklist.id} v{checklist.version} \"{checklist.title}\", "
                         f"{_plural(len(checklist.sections), 'section')}, {_plural(count, 'question')}")
    if bad:
        total = sum(len(problems) for _, _, problems in results)
        lines.append(f"{total} problem(s) in {bad} of {len(results)} file(s)")
        return 2, lines
    lines.append(f"all {len(results)} file(s) valid")
    return 0, lines


def _plural(count: int, word: str) -> str:
    """'1 section', '2 sections'."""
    return f"{count} {word}{'' if count == 1 else 's'}"


def shipped_checklist_paths() -> list[Path]:
    """The YAML checklists that ship with the product, in name order."""
    from ..paths import resource

    return sorted(resource("checklists").glob("*.yaml"))


def _check_files(paths: Iterable[str | Path]) -> list[tuple[str, Checklist | None, list[Problem]]]:
    """(name, checklist or None, problems) per file; folders expand to their YAML files."""
    results: list[tuple[str, Checklist | None, list[Problem]]] = []
    owners: dict[tuple[str, int], str] = {}
    for given in paths:
        path = Path(given)
        if path.is_dir():
            files = sorted([*path.glob("*.yaml"), *path.glob("*.yml")])
            if not files:
                results.append((str(given), None, [Problem(str(given), "", "no .yaml files in this folder")]))
            targets = [(str(f), f) for f in files]
        else:
            targets = [(str(given), path)]
        for name, file in targets:
            text, problems = _read(file, name)
            checklist, locate = None, None
            if text is not None:
                checklist, problems, locate = _check_text(text, name)
            if checklist is not None:
                key = (checklist.id, checklist.version)
                if key in owners:
                    problems = [Problem(name, "id", f"checklist {checklist.id!r} version {checklist.version} is "
                                                    f"also defined in {owners[key]}; give each file its own id "
                                                    "or version", locate("id"))]
                    checklist = None
                owners.setdefault(key, name)
            results.append((name, checklist, problems))
    return results


def _read(path: Path, name: str) -> tuple[str | None, list[Problem]]:
    """The file's text, or None and the reason it cannot be read."""
    try:
        if path.is_dir():
            return None, [Problem(name, "", "this is a folder, not a checklist file")]
        if path.stat().st_size > MAX_FILE_BYTES:
            return None, [Problem(name, "", f"the file is larger than {MAX_FILE_BYTES // 1_000_000} MB; "
                                            "a checklist is a few hundred kB at most")]
        data = path.read_bytes()
    except FileNotFoundError:
        return None, [Problem(name, "", "no such file; check the path")]
    except OSError as exc:
        return None, [Problem(name, "", f"cannot read the file: {exc.strerror or exc}")]
    try:
        # utf-8-sig: Windows editors often save a byte-order mark.
        return data.decode("utf-8-sig"), []
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        return None, [Problem(name, "", f"the file is not UTF-8 text (byte 0x{data[exc.start]:02x}); "
                                        "save it as UTF-8", line)]


def _check_text(text: str, filename: str) -> tuple[Checklist | None, list[Problem], Callable]:
    """Parse YAML keeping each path's line, then validate; (checklist or None, problems, path -> line)."""
    lines: dict[str, int] = {}
    problems: list[Problem] = []

    def locate(path: str) -> int | None:
        """The line of a path, or of its nearest ancestor that has one (never the document root)."""
        while path:
            if path in lines:
                return lines[path]
            path = re.sub(r"(\.[^.\[]+|\[\d+\])$", "", path) if re.search(r"[.\[]", path) else ""
        return None

    loader = None
    try:
        loader = _Loader(text)
        node = loader.get_single_node()
        if node is None:
            return None, [Problem(filename, "", "the file is empty; a checklist needs id, version, title and "
                                                "sections")], locate
        _walk(node, "", lines, problems, filename, set())
        data = loader.construct_document(node)
    except yaml.reader.ReaderError as exc:
        line = text[:exc.position].count("\n") + 1
        return None, [Problem(filename, "", f"invalid YAML: character {exc.character:#06x} is not allowed in a "
                                            "text file; remove it", line)], locate
    except yaml.MarkedYAMLError as exc:
        return None, [_yaml_problem(filename, exc)], locate
    except yaml.YAMLError as exc:
        return None, [Problem(filename, "", f"invalid YAML: {exc}")], locate
    except RecursionError:
        return None, [Problem(filename, "", "invalid YAML: nested too deeply to be a checklist")], locate
    finally:
        if loader is not None:
            loader.dispose()
    checklist = schema.build_checklist(data, lambda path, msg: problems.append(Problem(filename, path, msg,
                                                                                       locate(path))))
    problems.sort(key=lambda p: p.line or 0)
    return (None if problems else checklist), problems, locate


def _walk(node: yaml.Node, path: str, lines: dict, problems: list, filename: str, seen: set) -> None:
    """Record the line of every path under `node` and report duplicate keys (YAML would keep only the last)."""
    if id(node) in seen:  # an alias: already walked, and walking it again could blow up (billion laughs)
        return
    seen.add(id(node))
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        first_seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or key_node.value == "<<":
                continue
            child, line = join(path, key_node.value), key_node.start_mark.line + 1
            if key_node.value in first_seen:
                problems.append(Problem(filename, child, f"duplicate key {key_node.value!r} (first on line "
                                        f"{first_seen[key_node.value]}); YAML keeps only the last one — remove "
                                        "or rename one", line))
            first_seen.setdefault(key_node.value, line)
            lines[child] = line
            _walk(value_node, child, lines, problems, filename, seen)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            lines[join(path, index)] = item.start_mark.line + 1
            _walk(item, join(path, index), lines, problems, filename, seen)


def _yaml_problem(filename: str, exc: yaml.MarkedYAMLError) -> Problem:
    """A YAML syntax error as a Problem with its line, column and a hint where we know a common cause."""
    mark = exc.problem_mark or exc.context_mark
    text = " ".join(part for part in (exc.context, exc.problem) if part)
    hint = next((h for needle, h in _YAML_HINTS if needle in text), "")
    where = f" at column {mark.column + 1}" if mark else ""
    return Problem(filename, "", f"invalid YAML{where}: {text}" + (f"; {hint}" if hint else ""),
                   mark.line + 1 if mark else None)
