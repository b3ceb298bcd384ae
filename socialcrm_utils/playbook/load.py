"""Reading a playbook: safe YAML with limits and line numbers, one error listing every problem."""

from __future__ import annotations

import difflib
import re
from pathlib import Path
from typing import Any, get_args

import yaml
from pydantic import BaseModel, ValidationError

from ..credentials import mask_urls_in_text
from ..exceptions import PlaybookNotFoundError, PlaybookSyntaxError, PlaybookValidationError
from .alerts import CHANNEL_KINDS, RULE_KINDS
from .model import Playbook
from .sections import _SOURCE_KINDS

#: Lists of discriminated models -> their tags, which pydantic puts into error locations.
_TAGGED_LISTS = {"sources": _SOURCE_KINDS, "channels": CHANNEL_KINDS, "rules": RULE_KINDS}


def load_playbook(path: str | Path, *, check_files: bool = True) -> Playbook:
    """Read, validate and return a client playbook.

    Args:
        path: The playbook YAML file (UTF-8; a UTF-8 or UTF-16 byte order mark is allowed).
        check_files: Also check that every file source exists (the runner does, before any
            notebook starts).

    Returns:
        The validated playbook, its paths resolved against the playbook's folder.

    Raises:
        PlaybookNotFoundError: If ``path`` does not exist.
        PlaybookSyntaxError: If the file is not UTF-8 YAML (message: file, line, column), or its
            anchors and aliases expand beyond :data:`YAML_ALIAS_NODES` values or
            :data:`YAML_MAX_DEPTH` levels.
        PlaybookValidationError: If keys or values are not allowed, or a key appears twice in
            one mapping (one line per error).
    """
    path = Path(path)
    if not path.is_file():
        raise PlaybookNotFoundError(
            f"{path}: playbook not found (create one with: socialcrm new CLIENT)"
        )
    text = _read_text(path)
    try:
        root = _compose_yaml(text)
        duplicates = _duplicate_keys(root)
        if duplicates:
            raise PlaybookValidationError(str(path), duplicates)
        data = _construct_yaml(root)
    except _YamlLimitError as exc:
        mark = exc.problem_mark
        raise PlaybookSyntaxError(
            f"{path}:{mark.line + 1}:{mark.column + 1}: {exc.problem}"
        ) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}:{mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise PlaybookSyntaxError(f"{path}{where}: invalid YAML: {problem}") from None
    if not isinstance(data, dict):
        raise PlaybookValidationError(
            str(path), ["the playbook must be a mapping of keys (client:, name:, brand:, ...)"]
        )
    context = {"base_dir": path.resolve().parent, "check_files": check_files}
    try:
        playbook = Playbook.model_validate(data, context=context)
    except ValidationError as exc:
        lines = _yaml_lines(root)
        errors = [_describe(err, lines, data) for err in exc.errors(include_url=False)]
        errors.sort(key=lambda e: int(m.group(1)) if (m := re.match(r"line (\d+)", e)) else 0)
        raise PlaybookValidationError(str(path), errors) from None
    return playbook.model_copy(update={"path": path.resolve()})


# ---------------------------------------------------------------------------------------------
# Reading the YAML: UTF-8 only, no alias bombs, no duplicate keys, impossible dates kept as text.

#: At most this many values may be repeated through aliases (``*name``) in one playbook: a few
#: KB of nested anchors and aliases ("billion laughs") otherwise expand to billions of values.
YAML_ALIAS_NODES = 10_000

#: At most this many levels of nested mappings and lists, aliases expanded (a playbook has ~5).
YAML_MAX_DEPTH = 50

_BOMS = ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"))


def _read_text(path: Path) -> str:
    """The playbook's text: UTF-8 (or UTF-8/UTF-16 with a byte order mark), else an error.

    Raises:
        PlaybookSyntaxError: If the file cannot be read or is not UTF-8; names the line and
            column of the first byte that is not, and the fix.
    """
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise PlaybookSyntaxError(
            f"{path}: cannot read the playbook: {exc.strerror or exc}"
        ) from None
    encoding = next((name for bom, name in _BOMS if raw.startswith(bom)), "utf-8")
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line = before.count(b"\n") + 1
        column = exc.start - (before.rfind(b"\n") + 1) + 1
        raise PlaybookSyntaxError(
            f"{path}:{line}:{column}: not UTF-8 (byte 0x{raw[exc.start]:02x}; the file looks "
            "like Latin-1/cp1252): save the playbook as UTF-8, e.g. iconv -f cp1252 -t utf-8 "
            f"{path.name} > fixed.yaml"
        ) from None


class _YamlLimitError(yaml.MarkedYAMLError):
    """Raised while composing when aliases expand too far or values nest too deep."""


class _PlaybookLoader(yaml.SafeLoader):
    """PyYAML's safe loader with a budget for aliases and nesting, and lenient dates.

    Aliases are counted as they are composed: each ``*name`` adds the number of values the
    anchored node holds (nested aliases expanded, computed once per node), so a bomb is refused
    after a few thousand steps instead of expanding. A date-like scalar that is not a date
    (``2027-13-45``) stays text, so validation names the key that expects a date.
    """

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._open: list[str | None] = []  # anchors of the nodes being composed, outermost first
        self._alias_nodes = 0
        self._expanded: dict[int, tuple[int, int]] = {}  # id(node) -> (values, depth)

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node:
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            if event.anchor in self._open:
                raise _YamlLimitError(
                    problem=f"alias *{event.anchor} refers to its own anchor "
                    "(a recursive value): write the value out",
                    problem_mark=event.start_mark,
                )
            node = super().compose_node(parent, index)
            values, depth = self._size(node)
            self._alias_nodes += values
            if self._alias_nodes > YAML_ALIAS_NODES:
                raise _YamlLimitError(
                    problem=f"aliases (*name) expand to more than {YAML_ALIAS_NODES:,} values "
                    "(refused: an alias bomb?): write the repeated part out or use fewer "
                    "aliases",
                    problem_mark=event.start_mark,
                )
            if len(self._open) + depth > YAML_MAX_DEPTH:
                raise self._too_deep(event.start_mark)
            return node
        if len(self._open) >= YAML_MAX_DEPTH:
            raise self._too_deep(event.start_mark)
        self._open.append(getattr(event, "anchor", None))
        try:
            return super().compose_node(parent, index)
        finally:
            self._open.pop()

    @staticmethod
    def _too_deep(mark: yaml.Mark) -> _YamlLimitError:
        return _YamlLimitError(
            problem=f"values nest more than {YAML_MAX_DEPTH} levels deep "
            "(aliases expanded): flatten the playbook",
            problem_mark=mark,
        )

    def _size(self, node: yaml.Node) -> tuple[int, int]:
        """Values in ``node`` with aliases expanded, and its depth (memoised per node)."""
        known = self._expanded.get(id(node))
        if known is not None:
            return known
        values, depth = 1, 1
        children: list[yaml.Node] = []
        if isinstance(node, yaml.SequenceNode):
            children = list(node.value)
        elif isinstance(node, yaml.MappingNode):
            children = [part for pair in node.value for part in pair]
        for child in children:
            child_values, child_depth = self._size(child)
            values += child_values
            depth = max(depth, child_depth + 1)
        self._expanded[id(node)] = (values, depth)
        return values, depth

    def construct_lenient_timestamp(self, node: yaml.ScalarNode) -> Any:
        """A date or datetime; the text itself when it names no real day (``2027-13-45``)."""
        try:
            return self.construct_yaml_timestamp(node)
        except ValueError:
            return self.construct_scalar(node)


_PlaybookLoader.add_constructor(
    "tag:yaml.org,2002:timestamp", _PlaybookLoader.construct_lenient_timestamp
)


def _compose_yaml(text: str) -> yaml.Node | None:
    """The YAML node tree of ``text`` (one document), composed within the alias budget."""
    loader = _PlaybookLoader(text)
    try:
        return loader.get_single_node()
    finally:
        loader.dispose()


def _construct_yaml(root: yaml.Node | None) -> Any:
    """Python values of a node tree from :func:`_compose_yaml`."""
    if root is None:
        return None
    loader = _PlaybookLoader("")
    try:
        return loader.construct_document(root)
    finally:
        loader.dispose()


def _duplicate_keys(root: yaml.Node | None) -> list[str]:
    """One message per key written twice in one mapping, with both line numbers.

    PyYAML keeps the last value silently; a playbook with two ``client:`` keys would run as a
    client nobody meant. Merge keys (``<<: *base``) may be overridden and are not counted.

    Examples:
        >>> _duplicate_keys(_compose_yaml("client: a\\nbrand: {terms: [x]}\\nclient: b\\n"))[0]
        'line 3: client: duplicate key (first on line 1): keep one of them (YAML would silently \
use the last)'
    """
    found: list[str] = []
    seen_nodes: set[int] = set()

    def walk(node: yaml.Node, loc: tuple) -> None:
        if id(node) in seen_nodes:  # an alias: its node was checked where it was anchored
            return
        seen_nodes.add(id(node))
        if isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                walk(item, (*loc, index))
        elif isinstance(node, yaml.MappingNode):
            first: dict[tuple[str, str], int] = {}
            for key_node, value_node in node.value:
                if (
                    isinstance(key_node, yaml.ScalarNode)
                    and key_node.tag != "tag:yaml.org,2002:merge"
                ):
                    line = key_node.start_mark.line + 1
                    key = (key_node.tag, key_node.value)
                    if key in first:
                        found.append(
                            f"line {line}: {_format_loc((*loc, key_node.value))}: duplicate key "
                            f"(first on line {first[key]}): keep one of them (YAML would "
                            "silently use the last)"
                        )
                    else:
                        first[key] = line
                walk(value_node, (*loc, key_node.value))

    if root is not None:
        walk(root, ())
    return found


# ---------------------------------------------------------------------------------------------
# Error messages: key path, line number, value, what is allowed.


def _describe(err: dict[str, Any], lines: dict[tuple, int], data: Any) -> str:
    loc = _clean_loc(err["loc"])
    key = _format_loc(loc) or "(top level)"
    line = _line_of(loc, lines)
    where = f"line {line}: " if line else ""
    kind = err["type"]
    if kind == "extra_forbidden":
        allowed = _allowed_keys(loc[:-1], data)
        close = difflib.get_close_matches(str(loc[-1]), allowed, n=1, cutoff=0.5)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        return f"{where}{key}: unknown key{hint} (allowed: {', '.join(allowed)})"
    if kind == "missing":
        return f"{where}{key}: required key is missing"
    value = err.get("input")
    shown = (
        mask_urls_in_text(f"{value!r}")
        if not isinstance(value, dict | list)
        else type(value).__name__
    )  # a rejected URL may carry a password
    if kind == "literal_error":
        expected = err.get("ctx", {}).get("expected", "")
        choices = re.findall(r"'([^']*)'", expected)
        close = difflib.get_close_matches(str(value), choices, n=1, cutoff=0.6)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        return f"{where}{key}: {shown} is not allowed{hint} (allowed: {expected})"
    message = err["msg"].removeprefix("Value error, ")
    if kind in ("float_parsing", "float_type", "int_parsing", "int_type"):
        return f"{where}{key}: {shown} is not a number (allowed: a number, e.g. 0.9)"
    if kind in ("date_from_datetime_parsing", "date_parsing", "date_type"):
        return f"{where}{key}: {shown} is not a date (allowed: YYYY-MM-DD, e.g. 2027-03-31)"
    if kind == "value_error":
        return f"{where}{key}: {message}"
    return f"{where}{key}: {shown}: {message}"


def _clean_loc(loc: tuple) -> tuple:
    # A discriminated union adds the tag to the location (sources.0.file.path); drop it.
    return tuple(
        part
        for i, part in enumerate(loc)
        if not (i >= 2 and part in _TAGGED_LISTS.get(loc[i - 2], ()))
    )


def _format_loc(loc: tuple) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _allowed_keys(loc: tuple, data: Any) -> list[str]:
    """Keys allowed at ``loc`` by walking the pydantic models (and the data) along the path.

    Where a list holds several kinds of models (sources), the item's ``kind`` picks the model.
    """
    models: list[Any] = [Playbook]
    node = data
    for part in loc:
        if not isinstance(part, int):
            field = _pick(models, node).model_fields.get(part)
            models = _models_in(field.annotation) if field is not None else []
            if not models:
                return []
        node = _child(node, part)
    return [
        f.alias or name for name, f in _pick(models, node).model_fields.items() if not f.exclude
    ]


def _pick(models: list[Any], node: Any) -> Any:
    """The model for ``node``: the only one, or the one whose ``kind`` literal matches."""
    kind = _child(node, "kind") if isinstance(node, dict) else None
    for model in models:
        literal = getattr(model.model_fields.get("kind"), "annotation", None)
        if kind is not None and kind in get_args(literal):
            return model
    return models[0]


def _child(node: Any, part: Any) -> Any:
    try:
        return node[part]
    except (KeyError, IndexError, TypeError):
        return None


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    found: list[type[BaseModel]] = []
    for arg in get_args(annotation):
        found += [m for m in _models_in(arg) if m not in found]
    return found


def _yaml_lines(root: yaml.Node | None) -> dict[tuple, int]:
    """Map each key path in a composed YAML tree to its 1-based line number."""
    lines: dict[tuple, int] = {}

    def walk(node: yaml.Node, loc: tuple) -> None:
        lines[loc] = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                child = (*loc, key_node.value)
                lines[child] = key_node.start_mark.line + 1
                walk(value_node, child)
                lines[child] = key_node.start_mark.line + 1
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                walk(item, (*loc, index))

    if root is not None:
        walk(root, ())
    return lines


def _line_of(loc: tuple, lines: dict[tuple, int]) -> int | None:
    for end in range(len(loc), -1, -1):
        key = tuple(str(p) if not isinstance(p, int) else p for p in loc[:end])
        if key in lines:
            return lines[key]
    return None
