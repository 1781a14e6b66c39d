"""Files only this user on this machine could have written: what a build may load again.

A build keeps what it computed (parse results, its manifest, compiled templates) for the
next one. Loading such a file runs code if it is a pickle or Python bytecode, and a site's
folder takes pull requests: a force-added `.statuspage/cache/…` file must never run. So
every kept file is sealed with an HMAC under a key that lives outside any repository,
`$XDG_CACHE_HOME/statuspage/key` (by default `~/.cache/statuspage/key`), readable by its
owner only. A file whose seal does not check out reads as nothing: it costs a rebuild, never
a surprise. Without a usable key (a read-only home, a key others can read) nothing is kept.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import logging
import os
import secrets
import stat
from pathlib import Path

from statuspage.inputs.regular import read_regular

log = logging.getLogger(__name__)

KEY_BYTES = 32
_MAGIC = b"statuspage sealed 1\n"
_MAC_BYTES = hashlib.sha256().digest_size
MAX_SEALED_BYTES = 1 << 30  # larger is not one of ours: read as missing


def user_cache_dir() -> Path:
    """This user's cache folder for statuspage, outside every site."""
    base = os.environ.get("XDG_CACHE_HOME", "").strip()
    folder = Path(base) if base and os.path.isabs(base) else Path.home() / ".cache"
    return folder / "statuspage"


class Seal:
    """Seals and checks files with one key. `Seal.mine()` is this user's."""

    def __init__(self, key: bytes) -> None:
        self._key = key

    @classmethod
    def mine(cls) -> Seal | None:
        """This user's seal, the key made on first use; None if there can be none."""
        path = user_cache_dir() / "key"
        try:
            return cls(_read_key(path))
        except FileNotFoundError:
            pass
        except OSError as exc:
            log.debug("cache key %s not usable (%s): nothing is kept between builds", path, exc)
            return None
        try:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(handle, "wb") as stream:
                stream.write(secrets.token_bytes(KEY_BYTES))
        except FileExistsError:
            pass  # another process made it first: use theirs
        except OSError as exc:
            log.debug("cannot make a cache key at %s (%s): nothing is kept", path, exc)
            return None
        try:
            return cls(_read_key(path))
        except OSError as exc:
            log.debug("cache key %s not usable (%s)", path, exc)
            return None

    def _mac(self, name: str, payload: bytes) -> bytes:
        mac = hmac.new(self._key, digestmod=hashlib.sha256)
        mac.update(name.encode("utf-8", "surrogatepass") + b"\0")
        mac.update(payload)
        return mac.digest()

    def seal(self, name: str, payload: bytes) -> bytes:
        """`payload` as a file named `name` (a file cannot pass for another)."""
        return _MAGIC + self._mac(name, payload) + payload

    def open(self, name: str, data: bytes) -> bytes | None:
        """The payload of a sealed file, or None if this key did not seal it as `name`."""
        head = len(_MAGIC) + _MAC_BYTES
        if len(data) < head or not data.startswith(_MAGIC):
            return None
        payload = data[head:]
        if not hmac.compare_digest(data[len(_MAGIC) : head], self._mac(name, payload)):
            return None
        return payload

    def read(self, path: Path, name: str) -> bytes | None:
        """The payload of the sealed file at `path`; None if missing, foreign or damaged."""
        try:  # a link (committed, or put there) or a FIFO is never followed nor opened
            data = read_regular(path, limit=MAX_SEALED_BYTES)
        except OSError:
            return None
        if len(data) > MAX_SEALED_BYTES:
            return None
        return self.open(name, data)

    def write(self, path: Path, name: str, payload: bytes) -> None:
        """Write a sealed file whole or not at all; raises OSError."""
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
        try:
            with open(temporary, "xb") as stream:
                stream.write(self.seal(name, payload))
            os.replace(temporary, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise


def _read_key(path: Path) -> bytes:
    """The key, if it is a regular file of this user that nobody else can read or change."""
    handle = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    with os.fdopen(handle, "rb") as stream:
        st = os.fstat(stream.fileno())
        if not stat.S_ISREG(st.st_mode):
            raise OSError(f"{path} is not a regular file")
        if hasattr(os, "getuid") and st.st_uid != os.getuid():
            raise OSError(f"{path} belongs to another user")
        if st.st_mode & 0o077:
            raise OSError(f"{path} can be read or changed by others (chmod 600 it)")
        key = stream.read(KEY_BYTES + 1)
    if len(key) != KEY_BYTES:
        raise OSError(f"{path} does not hold a key")
    return key
