"""YAML loading that remembers line numbers, so errors can point at the line; safe reading of user files.

Every problem is one `GongfuError` naming the file (and the line when known): a file that is not a regular file
(a directory, a FIFO, a device such as /dev/zero), larger than the limit, not UTF-8, malformed YAML, a date that
does not exist (2025-02-30), a key that cannot be a key (`? [a, b]: 1`), a duplicate key.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import stat
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
        try:
            hash(key)
        except TypeError:
            raise yaml.constructor.ConstructorError(
                None, None, f"a {'mapping' if isinstance(key, dict) else type(key).__name__} cannot be a key "
                "(write the key as text)", key_node.start_mark
            ) from None
        if key in mapping:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        mapping[key] = loader.construct_object(value_node, deep=True)
        mapping.lines[key] = key_node.start_mark.line + 1
    return mapping


def _construct_timestamp(loader: _LineLoader, node: yaml.ScalarNode) -> dt.date | dt.datetime:
    """YAML dates, refusing those that do not exist (2025-02-30, month 13) with the line, not a ValueError."""
    try:
        return yaml.constructor.SafeConstructor.construct_yaml_timestamp(loader, node)
    except (ValueError, OverflowError) as exc:
        raise yaml.constructor.ConstructorError(
            None, None, f"{node.value!r} is not a date that exists ({exc})", node.start_mark) from None


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_LineLoader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)
# JSON (and YAML 1.2) numbers with an exponent but no dot, `1e12`, `-2E-3`: numbers, as a JSON household file
# means them (YAML 1.1 would read them as text)
_LineLoader.add_implicit_resolver("tag:yaml.org,2002:float", re.compile(r"^[-+]?[0-9]+(?:\.[0-9]*)?[eE][-+]?[0-9]+$"),
                                  list("-+0123456789"))

#: Largest user file read (household, reform, mapping files): bigger is a mistake, not a household.
MAX_BYTES = 10 * 1024 * 1024


def read_text(path: str | Path, limit: int = MAX_BYTES, what: str = "file") -> str:
    """The UTF-8 text of a regular file of at most `limit` bytes; GongfuError naming the file otherwise.

    Never blocks on a FIFO or reads a device (/dev/zero) or a directory: the file is opened without blocking
    and checked to be a regular file before anything is read, and no more than `limit` + 1 bytes are read.
    """
    name = str(path)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise GongfuError(f"{name}: cannot read {what} ({exc.strerror or exc})") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            kind = "a directory" if stat.S_ISDIR(info.st_mode) else \
                "a FIFO (named pipe)" if stat.S_ISFIFO(info.st_mode) else "a device or special file"
            raise GongfuError(f"{name}: {kind}, not a regular file: give a {what} path")
        if info.st_size > limit:
            raise GongfuError(f"{name}: {info.st_size:,} bytes, larger than the {limit // 1024 // 1024} MB "
                              f"allowed for a {what}")
        chunks, size = [], 0
        while size <= limit:
            chunk = os.read(fd, min(1 << 20, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > limit:  # grew while being read
            raise GongfuError(f"{name}: larger than the {limit // 1024 // 1024} MB allowed for a {what}")
    except OSError as exc:
        raise GongfuError(f"{name}: cannot read {what} ({exc.strerror or exc})") from None
    finally:
        os.close(fd)
    data = b"".join(chunks)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise GongfuError(f"{name}:{line}: not UTF-8 text (byte 0x{data[exc.start]:02x}); save the file as "
                          "UTF-8") from None


def load_yaml(source: str | Path, text: str | None = None, limit: int = MAX_BYTES) -> Any:
    """Parse a YAML (or JSON) file into plain objects whose mappings are LineDicts.

    Raises GongfuError naming the file and line when the file cannot be read (see `read_text`) or the YAML is
    malformed.
    """
    name = str(source)
    if text is None:
        text = read_text(source, limit)
    loader = _LineLoader(text)
    loader._gongfu_file = name
    try:
        return loader.get_single_data()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise GongfuError(f"{name}{line}: malformed YAML: {problem}") from None
    except RecursionError:  # PyYAML recurses once per level of nesting (the message differs across versions)
        line = getattr(loader, "line", 0) + 1
        raise GongfuError(f"{name}:{line}: malformed YAML: nested too deeply") from None
    except (TypeError, ValueError, OverflowError) as exc:  # e.g. an unhashable key in a set
        raise GongfuError(f"{name}: malformed YAML: {type(exc).__name__}: {exc}") from None
    finally:
        loader.dispose()
