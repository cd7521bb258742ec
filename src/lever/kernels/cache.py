"""Where Numba keeps Lever's compiled kernels: one cache for the ``lever`` command, ``bin/*``
and a plain ``import lever`` (which sets ``NUMBA_CACHE_DIR`` to :func:`numba_cache_folder`
before Numba is imported, unless the user set it).

Imports nothing (not Numba): it runs before anything compiles.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile

#: Compile caches kept (the most recently used): several checkouts or versions of Lever on one
#: machine each keep theirs, older keys are removed.
KEPT_CACHES = 4


def numba_cache_folder(source: str | None = None, cache_home: str | None = None) -> str:
    """Where Numba keeps Lever's compiled kernels: ``<cache home>/lever/numba/<key>``, the key a
    hash of every ``.py`` file of the package at ``source`` (default: this package). Numba's own
    check looks only at the file a kernel is written in, not at the kernels it inlines from
    other files, so an edit or a pull could run stale compiled code; keyed by the whole source,
    the first run after a change compiles afresh. The cache home is ``$XDG_CACHE_HOME``, else
    ``~/.cache``, else (unwritable) the temp folder."""
    source = source or os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    digest = hashlib.sha256()
    for folder, subfolders, files in os.walk(source):
        subfolders.sort()
        for name in sorted(files):
            if name.endswith(".py"):
                path = os.path.join(folder, name)
                digest.update(os.path.relpath(path, source).encode() + b"\0")
                with open(path, "rb") as f:
                    digest.update(f.read())
    key = digest.hexdigest()[:16]
    homes = [cache_home or os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")]
    homes.append(os.path.join(tempfile.gettempdir(), f"lever-{os.getuid() if hasattr(os, 'getuid') else 'user'}"))
    for home in homes:
        parent = os.path.join(home, "lever", "numba")
        folder = os.path.join(parent, key)
        try:
            os.makedirs(folder, exist_ok=True)
            os.utime(folder)  # the key's last use, for pruning
        except OSError:
            continue
        if os.access(folder, os.W_OK):
            _prune(parent, keep=KEPT_CACHES)
            return folder
    return folder


def _prune(parent: str, keep: int) -> None:
    try:
        entries = [e for e in os.scandir(parent) if e.is_dir(follow_symlinks=False)]
        if len(entries) <= keep:
            return
        entries.sort(key=lambda e: e.stat().st_mtime, reverse=True)
        for old in entries[keep:]:
            shutil.rmtree(old.path, ignore_errors=True)
    except OSError:
        pass
