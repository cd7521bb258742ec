# Sourced by bin/test: the page's tests drive a real Chromium, and Playwright cannot download
# one here, so use Debian's (chromium-headless-shell: the smallest), installing it if missing.
if ! command -v chromium-headless-shell >/dev/null 2>&1 && ! command -v chromium >/dev/null 2>&1; then
  echo "Installing Debian's chromium-headless-shell for the page's tests ..." >&2
  if [ "$(id -u)" = 0 ]; then apt_get=(apt-get); else apt_get=(sudo -n apt-get); fi
  if ! { "${apt_get[@]}" update && DEBIAN_FRONTEND=noninteractive "${apt_get[@]}" install -y --no-install-recommends chromium-headless-shell; } >"$venv/apt.log" 2>&1; then
    tail -n 20 "$venv/apt.log" >&2
    echo "Installing chromium-headless-shell failed (the whole log is $venv/apt.log); install it (or chromium) and rerun" >&2
    exit 1
  fi
fi
