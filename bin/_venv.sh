# Sourced by bin/lever and bin/test: make .venv/ at the repo root, or refresh it when
# pyproject.toml has changed since it was built (the stamp holds the file's hash).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$root/.venv"
want="$(sha256sum "$root/pyproject.toml" | cut -d' ' -f1)"
stamp="$venv/.lever-stamp"
ready() { [ -x "$venv/bin/python" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; }
locked=""
if ! ready && command -v flock >/dev/null; then
  # a second command started during the first setup waits for it instead of installing over it
  # (fd 9, not {var}: bash 3.2 has no named descriptors)
  exec 9>"$root/.venv.lock"
  locked=1
  if ! flock -n 9; then
    echo "Waiting for the setup of $venv that another command started ..." >&2
    flock 9 || echo "Could not wait on $root/.venv.lock; setting up anyway" >&2
  fi
fi
if ! ready; then
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
  # Compile the kernels now, as a package with C extensions builds them at install, so that the
  # first run does not (kept in the compile cache until Lever's source changes; `lever warm`).
  echo "Compiling Lever's kernels once (about 45 s of one core; more on a busy machine) ..." >&2
  "$venv/bin/python" -m lever.sim.warm >>"$log" 2>&1 ||
    echo "Compiling the kernels ahead failed (see $log); the first run compiles them instead" >&2
  # stamped last: a command started meanwhile waits on the lock rather than compile beside it
  echo "$want" > "$stamp"
fi
if [ -n "$locked" ]; then exec 9>&-; fi  # not held by the command that follows
# The compile cache: `import lever` keys it by the package's source (lever.numba_cache_folder),
# so bin/*, the lever command and plain Python share one. This folder held the old one.
rm -rf "$venv/numba-cache"
