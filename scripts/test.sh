#!/usr/bin/env bash
# The test command (see README "Tests"): installs what the test suite needs when it is missing,
# then runs `cargo test` with the arguments given, e.g. `bash scripts/test.sh --test api mail`.
# Nothing is skipped: a tool the tests need is installed, or this script fails.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v cargo >/dev/null 2>&1 && [ -f "$HOME/.cargo/env" ]; then
  # shellcheck disable=SC1091
  . "$HOME/.cargo/env"
fi
if ! command -v cargo >/dev/null 2>&1; then
  echo "scripts/test.sh: cargo not found; install the Rust toolchain (rustup) first" >&2
  exit 1
fi

apt_updated=
need() { # command package: installs the Debian package when the command is missing
  if command -v "$1" >/dev/null 2>&1; then return 0; fi
  local as_root=()
  if [ "$(id -u)" -ne 0 ]; then as_root=(sudo); fi
  echo "== installing $2 (the tests need $1)"
  if [ -z "$apt_updated" ]; then
    "${as_root[@]}" apt-get update -qq
    apt_updated=1
  fi
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null
  if ! command -v "$1" >/dev/null 2>&1; then
    echo "scripts/test.sh: installed $2 but $1 is still missing" >&2
    exit 1
  fi
}

# What the tests need beyond the Rust toolchain, one `need COMMAND PACKAGE` per line. The mail
# tests' SMTP server is Rust code inside the test suite (tests/api/smtp_sink.rs); the fault tests
# (tests/faults) start a redis-server and PostgreSQL clusters of their own.
need redis-server redis-server
if ! compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null; then
  echo "== installing postgresql (the fault tests need initdb and pg_ctl)"
  as_root=()
  if [ "$(id -u)" -ne 0 ]; then as_root=(sudo); fi
  [ -n "$apt_updated" ] || "${as_root[@]}" apt-get update -qq
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || { echo "scripts/test.sh: installed postgresql but no /usr/lib/postgresql/*/bin/initdb" >&2; exit 1; }
fi

# The browser tests (tests/browser): headless Chromium driven by chromedriver, and CJK fonts so
# the Chinese pages render (and screenshot) as on a phone rather than as boxes.
need chromium chromium
need chromedriver chromium-driver
# The printed station board and desk slip (tests/browser/station.rs) are read back from Chromium's
# PDF with poppler: pdftotext for the words, pdftoppm for the pixels the QR codes are scanned from.
need pdftotext poppler-utils
need pdftoppm poppler-utils
# fc-list's output is read whole before grep looks at it: `fc-list | grep -q` under pipefail fails
# at random, as grep leaving at the first match kills fc-list with SIGPIPE.
have_cjk_font() { local fonts; fonts=$(fc-list : family 2>/dev/null || true); grep -qi 'Noto Sans CJK' <<<"$fonts"; }
if ! have_cjk_font; then
  echo "== installing fonts-noto-cjk (the browser tests render Chinese pages)"
  as_root=()
  if [ "$(id -u)" -ne 0 ]; then as_root=(sudo); fi
  [ -n "$apt_updated" ] || { "${as_root[@]}" apt-get update -qq; apt_updated=1; }
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-noto-cjk fontconfig >/dev/null
  fc-cache -f >/dev/null 2>&1 || true
  have_cjk_font || { echo "scripts/test.sh: installed fonts-noto-cjk but fc-list shows no Noto Sans CJK" >&2; exit 1; }
fi

cargo test "$@"

# The property-based run against the OpenAPI document (scripts/schemathesis.sh, about 10 minutes)
# is not part of this command: .ci/run runs it once, on SQLite, after this one. By hand:
# cargo build && bash scripts/schemathesis.sh
