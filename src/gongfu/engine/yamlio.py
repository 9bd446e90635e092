"""YAML loading that remembers line numbers, so errors can point at the line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from .errors import GongfuError


class LineDict(dict):
    """A dict from YAML that knows its own line (`line`) and each key's line (`lines`)."""

    line: int = 0
    file: str | None = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.lines: dict[Any, int] = {}

    def line_of(self, key: Any) -> int:
        return self.lines.get(key, self.line)


class _LineLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # libyaml when available: ~10x faster
    pass


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> LineDict:
    loader.flatten_mapping(node)
    mapping = LineDict()
    mapping.line = node.start_mark.line + 1
    mapping.file = getattr(loader, "_gongfu_file", None)
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in mapping:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        mapping[key] = loader.construct_object(value_node, deep=True)
        mapping.lines[key] = key_node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def load_yaml(source: str | Path, text: str | None = None) -> Any:
    """Parse a YAML (or JSON) file into plain objects whose mappings are LineDicts.

    Raises GongfuError naming the file and line when the YAML is malformed.
    """
    name = str(source)
    if text is None:
        try:
            text = Path(source).read_text(encoding="utf-8")
        except OSError as exc:
            raise GongfuError(f"{name}: cannot read file ({exc.strerror or exc})") from None
    loader = _LineLoader(text)
    loader._gongfu_file = name
    try:
        return loader.get_single_data()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise GongfuError(f"{name}{line}: malformed YAML: {problem}") from None
    finally:
        loader.dispose()
