"""What every generator produces: files for the site, as paths and bytes."""

from __future__ import annotations

from collections.abc import Callable


class OutputFile:
    """One file of the built site; `path` is relative to the output folder, with `/`.

    A generator gives either the bytes, or a `key` and a `render` function. The key names
    everything the bytes depend on besides the build's own inputs (the config, the clock, the
    code): an incremental build keeps the file of the last build when its key is the same and
    never calls `render` (docs/performance.md). Reading `data` renders on first use.
    """

    __slots__ = ("_data", "_render", "key", "path")

    def __init__(
        self,
        path: str,
        data: bytes | None = None,
        *,
        key: str | None = None,
        render: Callable[[], bytes] | None = None,
    ) -> None:
        if (data is None) == (render is None):
            raise TypeError("OutputFile needs either data or a render function")
        self.path = path
        self.key = key
        self._data = data
        self._render = render

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
