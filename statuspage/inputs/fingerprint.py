"""Short digests of what an output file shows, the keys of incremental builds.

A file's key must change whenever its bytes could: `Fingerprints` writes out a value (the
arguments a file is rendered from: a page's view and its arguments, the entries of a feed)
completely, with each incident standing for the digest of its file and the whole site for
the digests of all of them and its clock. A module-level function stands for its qualified
name (the code is in every key); an object that holds helpers (a formatter, a memo) says
what stands for it with a `__fingerprint__()` method, a value written in its place.
Whatever it cannot name (a closure, an object it does not know) makes the value unkeyable,
and such a file is simply rendered every time.
"""

from __future__ import annotations

import dataclasses
import hashlib
import sys
import types
from collections.abc import Callable, Mapping
from datetime import date, datetime, time, timedelta
from enum import Enum
from typing import Any

from statuspage.inputs.model import Config, Incident, Site


def digest(*parts: str | bytes) -> str:
    """A digest of several strings or byte strings; parts never run into each other."""
    state = hashlib.blake2b(digest_size=16)
    for part in parts:
        data = part.encode("utf-8", "surrogatepass") if isinstance(part, str) else part
        state.update(len(data).to_bytes(8, "little"))
        state.update(data)
    return state.hexdigest()


class Unkeyable(Exception):
    """A value holds something that cannot be written out."""


_PLAIN = frozenset((str, int, float, bool, type(None), bytes, datetime, date, time, timedelta))


class Fingerprints:
    """Fingerprints of values; incidents are named by the digest of their file (`sources`).

    Objects of a type in `shared`, and long tuples, are fingerprinted once (by identity, the
    object kept alive meanwhile) and remembered: big values that many pages show.
    """

    def __init__(self, sources: Mapping[str, str], shared: tuple[type, ...] = ()) -> None:
        self.sources = sources
        self.shared = shared
        self._memo: dict[int, tuple[object, str]] = {}

    def __call__(self, *values: object) -> str | None:
        """The digest of `values`, or None if one of them cannot be written out."""
        out: list[str] = []
        try:
            for value in values:
                self._write(value, out)
        except Unkeyable:
            return None
        return digest("\x1f".join(out))

    def part(self, value: Any) -> Part | None:
        """`value` with the digest of it written out, to stand for it in keys (None if it
        cannot be written out). Made here only: its digest is what it says of `value`."""
        out: list[str] = []
        try:
            self._write(value, out)
        except Unkeyable:
            return None
        return Part(value, digest("\x1f".join(out)))

    def _write(self, value: Any, out: list[str]) -> None:
        kind = type(value)
        writer = _WRITERS.get(kind) or _writer_for(kind)
        writer(self, value, out)

    def _once(self, value: Any) -> str:
        """The digest of a big value, remembered by identity while this object lives."""
        known = self._memo.get(id(value))
        if known is None:
            inner: list[str] = []
            _fields(self, value, inner)
            known = self._memo[id(value)] = (value, digest("\x1f".join(inner)))
        return known[1]


class Part:
    """A value and the digest of it written out (`Fingerprints.part`), written into keys
    as that digest: a value worked out and written out once, kept where what it is made
    from is kept (an incident's page context, on its timeline), costs one lookup after."""

    __slots__ = ("digest", "value")

    def __init__(self, value: Any, digest: str) -> None:
        self.value = value
        self.digest = digest


# How each type is written out, chosen once per type (`_writer_for`): a value's type alone
# decides it, so a build that writes out a million values asks these questions a few dozen
# times. Each writer takes the `Fingerprints`, the value and the list of parts it appends to.
Writer = Callable[[Fingerprints, Any, list[str]], None]
_WRITERS: dict[type, Writer] = {}
_FIELDS: dict[type, tuple[str, tuple[str, ...]]] = {}


def _plain(fingerprints: Fingerprints, value: Any, out: list[str]) -> None:
    out.append(repr(value))


def _enum(fingerprints: Fingerprints, value: Any, out: list[str]) -> None:
    out.append(f"{type(value).__qualname__}.{value.name}")


def _text(fingerprints: Fingerprints, value: Any, out: list[str]) -> None:
    """Markup and other str subclasses: the kind matters."""
    out.append(f"{type(value).__qualname__}:{value!r}")


def _sequence(fingerprints: Fingerprints, value: Any, out: list[str]) -> None:
    out.append("(")
    write = fingerprints._write
    for item in value:
        if type(item) in _PLAIN:
            out.append(repr(item))
        else:
            write(item, out)
    out.append(")")


def _tuple(fingerprints: Fingerprints, value: Any, out: list[str]) -> None:
    if len(value) < 8:
        _sequence(fingerprints, value, out)
        return
    # Long tuples recur (a component's months): written once, then named by their digest.
    memo = fingerprints._memo
    known = memo.get(id(value))
    if known is None:
        inner: list[str] = ["("]
        for item in value:
            fingerprints._write(item, inner)
        known = memo[id(value)] = (value, digest("\x1f".join(inner)))
    out.append(known[1])


def _site(fingerprints: Fingerprints, value: Any, out: list[str]) -> None:
    """The whole history: every incident's digest, the clock."""
    memo = fingerprints._memo
    known = memo.get(id(value))
    if known is None:
        if value.incidents and not value.sources:
            raise Unkeyable("a site made in code")
        whole = digest(
            value.now.isoformat(),
            fingerprints._once(value.config),
            *(f"{k} {v}" for k, v in sorted(value.sources.items())),
        )
        known = memo[id(value)] = (value, whole)
    out.append(f"S{known[1]}")


def _config(fingerprints: Fingerprints, value: Any, out: list[str]) -> None:
    """The same for every file of a build: written once."""
    out.append(f"C{fingerprints._once(value)}")


def _incident(fingerprints: Fingerprints, value: Any, out: list[str]) -> None:
    source = fingerprints.sources.get(value.id)
    if source is None:
        raise Unkeyable(value.id)
    out.append(f"I{source}")


def _stand_in(fingerprints: Fingerprints, value: Any, out: list[str]) -> None:
    """What the object says stands for it, in its place."""
    out.append(f"{type(value).__qualname__}:")
    fingerprints._write(value.__fingerprint__(), out)


def _dataclass(fingerprints: Fingerprints, value: Any, out: list[str]) -> None:
    if fingerprints.shared and isinstance(value, fingerprints.shared):
        out.append(fingerprints._once(value))
    else:
        _fields(fingerprints, value, out)


def _fields(fingerprints: Fingerprints, value: Any, out: list[str]) -> None:
    kind = type(value)
    known = _FIELDS.get(kind)
    if known is None:
        names = tuple(field.name for field in dataclasses.fields(value))
        known = _FIELDS[kind] = (kind.__qualname__, names)
    out.append(known[0])
    out.append("<")
    write = fingerprints._write
    for name in known[1]:
        item = getattr(value, name)
        if type(item) in _PLAIN:
            out.append(repr(item))
        else:
            write(item, out)
    out.append(">")


def _function(fingerprints: Fingerprints, value: Any, out: list[str]) -> None:
    out.append(f"F{_function_name(value)}")


def _mapping(fingerprints: Fingerprints, value: Any, out: list[str]) -> None:
    out.append("{")
    write = fingerprints._write
    for key, item in value.items():  # in their order: templates loop over them so
        if type(key) in _PLAIN:
            out.append(repr(key))
        else:
            write(key, out)
        if type(item) in _PLAIN:
            out.append(repr(item))
        else:
            write(item, out)
    out.append("}")


def _part(fingerprints: Fingerprints, value: Any, out: list[str]) -> None:
    out.append(f"P{value.digest}")


def _unkeyable(fingerprints: Fingerprints, value: Any, out: list[str]) -> None:
    raise Unkeyable(type(value).__qualname__)


def _writer_for(kind: type) -> Writer:
    """How values of `kind` are written out, in this order of precedence."""
    writer: Writer
    if kind in _PLAIN:
        writer = _plain
    elif kind is Part:
        writer = _part
    elif issubclass(kind, Enum):
        writer = _enum
    elif issubclass(kind, str):
        writer = _text
    elif kind is tuple:
        writer = _tuple
    elif kind is list:
        writer = _sequence
    elif issubclass(kind, Site):
        writer = _site
    elif issubclass(kind, Config):
        writer = _config
    elif issubclass(kind, Incident):
        writer = _incident
    elif hasattr(kind, "__fingerprint__"):
        writer = _stand_in
    elif dataclasses.is_dataclass(kind) and not issubclass(kind, type):
        writer = _dataclass
    elif kind is types.FunctionType:
        writer = _function
    elif issubclass(kind, Mapping):
        writer = _mapping
    else:
        writer = _unkeyable
    _WRITERS[kind] = writer
    return writer


_NAMED: dict[object, str] = {}


def _function_name(function: types.FunctionType) -> str:
    """`module.name` of a module-level function: all there is to it besides the code,
    which is in every key. A closure or a function made at run time has no name that
    says what it reads, so it cannot be keyed."""
    name = _NAMED.get(function)
    if name is None:
        module = sys.modules.get(function.__module__)
        if getattr(module, function.__qualname__, None) is not function:
            raise Unkeyable(function.__qualname__)
        name = _NAMED[function] = f"{function.__module__}.{function.__qualname__}"
    return name
