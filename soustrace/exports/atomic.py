"""Output files appear whole or not at all.

Why: an export that fails half-way (a character a format cannot hold, a full disk, Ctrl-C) must not leave a
truncated file that a journalist later opens as if it were the answer. Every exporter writes to a hidden
temporary file beside the target and renames it over the target only once the writer returned; on any
error the temporary file is removed and the target is left as it was.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def atomic_path(out: Path) -> Iterator[Path]:
    """A temporary path in `out`'s folder; renamed to `out` when the block ends without an exception."""
    out = Path(out)
    fd, name = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".part", dir=out.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        os.chmod(tmp, 0o644)
        os.replace(tmp, out)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
