# Sourced by bin/lever and bin/test: make .venv/ at the repo root, or refresh it when
# pyproject.toml has changed since it was built (the stamp holds the file's hash).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$root/.venv"
want="$(sha256sum "$root/pyproject.toml" | cut -d' ' -f1)"
stamp="$venv/.lever-stamp"
if [ ! -x "$venv/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "Setting up $venv (first run, or pyproject.toml changed) ..." >&2
  py="${PYTHON:-python3}"
  "$py" -m venv "$venv"
  log="$venv/install.log"
  if ! { "$venv/bin/python" -m pip install --upgrade pip &&
         "$venv/bin/python" -m pip install -e "$root[dev]"; } >"$log" 2>&1; then
    tail -n 30 "$log" >&2
    echo "Installing Lever into $venv failed; the whole log is $log" >&2
    exit 1
  fi
  echo "$want" > "$stamp"
fi
# Numba's on-disk cache checks only the file a kernel is written in, not the kernels it
# inlines from other files, so an edit or a pull could run stale compiled code. Key the
# cache by the whole source tree (the first run after a change compiles afresh) and keep
# only the current one.
if [ -z "${NUMBA_CACHE_DIR:-}" ]; then
  tree="$(find "$root/src" -name '*.py' -print0 | LC_ALL=C sort -z | xargs -0 cat | sha256sum | cut -c1-16)"
  export NUMBA_CACHE_DIR="$venv/numba-cache/$tree"
  if [ -d "$venv/numba-cache" ]; then
    find "$venv/numba-cache" -mindepth 1 -maxdepth 1 ! -name "$tree" -exec rm -rf {} +
  fi
fi
