"""What every generator produces: files for the site, as paths and bytes, and the one rule
for what a file depends on (`Keys`)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from statuspage.inputs.fingerprint import Fingerprints


class OutputFile:
    """One file of the built site; `path` is relative to the output folder, with `/`.

    A generator gives the bytes (`OutputFile(path, data)`: kept by an incremental build
    when they are the same), or asks `Keys` for a file rendered later by a function of its
    arguments, keyed on them: an incremental build keeps the file of the last build when
    its key is the same and never calls the function (docs/performance.md). Reading `data`
    renders on first use. There is no other way to give a file a key.
    """

    __slots__ = ("_data", "_render", "key", "path")

    def __init__(self, path: str, data: bytes) -> None:
        self.path = path
        self.key: str | None = None
        self._data: bytes | None = data
        self._render: Callable[[], bytes] | None = None

    @classmethod
    def _keyed(cls, path: str, key: str | None, render: Callable[[], bytes]) -> OutputFile:
        file = cls.__new__(cls)
        file.path = path
        file.key = key
        file._data = None
        file._render = render
        return file

    @property
    def data(self) -> bytes:
        if self._data is None:
            assert self._render is not None
            self._data = self._render()
            self._render = None  # let what it closed over go
        return self._data

    @property
    def rendered(self) -> bool:
        return self._data is not None

    def fill(self, data: bytes) -> None:
        """The bytes, rendered elsewhere (by a worker process, from the same inputs)."""
        self._data = data
        self._render = None

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, OutputFile):
            return NotImplemented
        return self.path == other.path and self.data == other.data

    def __hash__(self) -> int:
        return hash((self.path, self.data))

    def __repr__(self) -> str:
        size = f"{len(self._data)} bytes" if self._data is not None else "not rendered"
        return f"OutputFile({self.path!r}, {size})"


class Keys:
    """The one rule for what an output depends on, for every generator.

    `keys(path, function, *arguments)` is the file `path`, rendered as
    `function(*arguments)` when its bytes are first asked for. `function` is a module-level
    function that reads only its arguments (and the config and the code, which are in every
    key: builder/engine.py), so its key is a fingerprint of its qualified name and its
    arguments: everything the render can read. Nothing else can give a file a key, so no
    file can show what its key does not name. Arguments that cannot be fingerprinted leave
    the file without a key: it is rendered every time.
    """

    def __init__(self, sources: Mapping[str, str], shared: tuple[type, ...] = ()) -> None:
        self.fingerprints = Fingerprints(sources, shared)

    def __call__(self, path: str, function: Callable[..., bytes], *arguments: Any) -> OutputFile:
        key = self.fingerprints(function, *arguments)
        return OutputFile._keyed(path, key, lambda: function(*arguments))
