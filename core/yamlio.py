"""Staff-authored YAML validated into typed objects, with problems located by file and line."""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from core.errors import AcademyError, Problem, ProblemsError

M = TypeVar("M", bound=BaseModel)


def _lines(node: yaml.Node, path: tuple = (), out: dict | None = None) -> dict[tuple, int]:
    """Map every key path in a composed YAML document to its 1-based line."""
    out = {} if out is None else out
    out.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            sub = (*path, key.value)
            out[sub] = key.start_mark.line + 1
            _lines(value, sub, out)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            out[(*path, i)] = item.start_mark.line + 1
            _lines(item, (*path, i), out)
    return out


def line_of(lines: dict[tuple, int], loc: tuple) -> int | None:
    """The line of the deepest part of `loc` that the document has."""
    loc = tuple(loc)
    while loc:
        if loc in lines:
            return lines[loc]
        loc = loc[:-1]
    return lines.get(())


def read_utf8(path: Path) -> str:
    """The text of a staff-authored file in UTF-8; bytes that are not UTF-8 are reported with
    their line and byte position instead of a traceback."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise AcademyError(f"{path}: no such file") from exc
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        col = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise ProblemsError([Problem(
            path.name, line, None,
            f"not UTF-8 text: byte 0x{data[exc.start]:02X} at byte {col} of the line "
            f"({exc.reason}); save the file as UTF-8", unit="line")], what=path.name) from exc


#: libyaml's safe loader when PyYAML was built with it
_FAST_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def safe_load(text: str) -> object:
    """yaml.safe_load with libyaml's parser; a problem raises the pure-Python parser's error
    (its messages say more)."""
    try:
        return yaml.load(text, Loader=_FAST_LOADER)  # noqa: S506 - a safe loader
    except yaml.YAMLError:
        return yaml.safe_load(text)


def compose(text: str):
    """yaml.compose with libyaml's parser (same nodes and lines); errors as safe_load."""
    try:
        return yaml.compose(text, Loader=_FAST_LOADER)
    except yaml.YAMLError:
        return yaml.compose(text)


def load_yaml(path: Path) -> tuple[object, dict[tuple, int]]:
    """Parse a YAML file; returns the data and the line of each key path."""
    path = Path(path)
    text = read_utf8(path)
    try:
        node = compose(text)
        data = safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise ProblemsError([Problem(path.name, mark.line + 1 if mark else None, None,
                                     f"not valid YAML: {getattr(exc, 'problem', exc)}",
                                     unit="line")],
                            what=path.name) from exc
    return data, (_lines(node) if node is not None else {})


def validate(model: type[M], data: object, file: str, lines: dict[tuple, int]) -> M:
    """Validate parsed data into `model`, reporting each error with its line and field path."""
    try:
        return model.model_validate(data if data is not None else {})
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-")))
            field_path = ".".join(str(p) for p in loc) or None
            msg = err["msg"].removeprefix("Value error, ")
            problems.append(Problem(file, line_of(lines, loc), field_path, msg, unit="line"))
        raise ProblemsError(problems, what=file) from exc


def load_model(path: Path | str, model: type[M]) -> M:
    """Read a YAML file into `model`; every problem names the file, the line and the field."""
    path = Path(path)
    data, lines = load_yaml(path)
    return validate(model, data, path.name, lines)
