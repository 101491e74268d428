#!/usr/bin/env bash
# One command from a fresh Debian 12 machine to a running dashboard: installs what is missing,
# builds, and starts Batchscope on the default scenario (Fashion-MNIST, MLP 784-256-128-10,
# training). Without a display it says so and runs the same scenario through the CLI.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
source "$repo/scripts/setup.sh"
bin=$BUILD_DIR/bin
if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ] && [ -x "$bin/batchscope" ]; then
  say "starting the dashboard"
  exec "$bin/batchscope" --start "$@"
fi
if [ ! -x "$bin/batchscope" ]; then
  say "the dashboard was not built (Qt 6 missing?): running the default scenario through the CLI"
else
  say "no display (DISPLAY and WAYLAND_DISPLAY are unset): running the default scenario through the CLI"
  echo "    (on a desktop, run: $bin/batchscope --start   or under Xvfb: xvfb-run -a $bin/batchscope --start)"
fi
exec "$bin/batchscope-cli" train --epochs 1 "$@"
