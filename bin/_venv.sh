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
# The compile cache: `import lever` keys it by the package's source (lever.numba_cache_folder),
# so bin/*, the lever command and plain Python share one. This folder held the old one.
rm -rf "$venv/numba-cache"
