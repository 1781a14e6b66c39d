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
from collections.abc import Mapping
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


_PLAIN = (str, int, float, bool, type(None), bytes, datetime, date, time, timedelta)


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

    def _write(self, value: Any, out: list[str]) -> None:
        kind = type(value)
        if kind in _PLAIN:
            out.append(repr(value))
        elif isinstance(value, Enum):
            out.append(f"{kind.__qualname__}.{value.name}")
        elif isinstance(value, str):  # Markup and other str subclasses: the kind matters
            out.append(f"{kind.__qualname__}:{value!r}")
        elif kind is tuple and len(value) >= 8:  # long tuples recur (a component's months)
            known = self._memo.get(id(value))
            if known is None:
                inner: list[str] = ["("]
                for item in value:
                    self._write(item, inner)
                known = self._memo[id(value)] = (value, digest("\x1f".join(inner)))
            out.append(known[1])
        elif kind is tuple or kind is list:
            out.append("(")
            for item in value:
                self._write(item, out)
            out.append(")")
        elif isinstance(value, Site):  # the whole history: every incident's digest, the clock
            known = self._memo.get(id(value))
            if known is None:
                if value.incidents and not value.sources:
                    raise Unkeyable("a site made in code")
                whole = digest(
                    value.now.isoformat(),
                    self._once(value.config),
                    *(f"{k} {v}" for k, v in sorted(value.sources.items())),
                )
                known = self._memo[id(value)] = (value, whole)
            out.append(f"S{known[1]}")
        elif isinstance(value, Config):  # the same for every file of a build: written once
            out.append(f"C{self._once(value)}")
        elif isinstance(value, Incident):
            source = self.sources.get(value.id)
            if source is None:
                raise Unkeyable(value.id)
            out.append(f"I{source}")
        elif hasattr(kind, "__fingerprint__"):  # what it stands for, in its place
            out.append(f"{kind.__qualname__}:")
            self._write(value.__fingerprint__(), out)
        elif dataclasses.is_dataclass(value) and not isinstance(value, type):
            self._dataclass(value, out)
        elif kind is types.FunctionType:
            out.append(f"F{_function_name(value)}")
        elif isinstance(value, Mapping):
            out.append("{")
            for key, item in value.items():  # in their order: templates loop over them so
                self._write(key, out)
                self._write(item, out)
            out.append("}")
        else:
            raise Unkeyable(kind.__qualname__)

    def _once(self, value: Any) -> str:
        """The digest of a big value, remembered by identity while this object lives."""
        known = self._memo.get(id(value))
        if known is None:
            inner: list[str] = []
            self._fields(value, inner)
            known = self._memo[id(value)] = (value, digest("\x1f".join(inner)))
        return known[1]

    def _dataclass(self, value: Any, out: list[str]) -> None:
        if self.shared and isinstance(value, self.shared):
            out.append(self._once(value))
        else:
            self._fields(value, out)

    def _fields(self, value: Any, out: list[str]) -> None:
        out.append(type(value).__qualname__)
        out.append("<")
        for field in dataclasses.fields(value):
            self._write(getattr(value, field.name), out)
        out.append(">")


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
