#!/usr/bin/env bash
# Install everything Ölketanu needs on a Debian/Ubuntu machine, then run the demo or the test suite.
#
#   bash scripts/setup.sh install          install only
#   bash scripts/setup.sh demo             install, load the demo set, serve at http://127.0.0.1:5000
#   bash scripts/setup.sh test [ARGS...]   install, run the whole test suite (ARGS go to pytest)
#
# Run as root, or as a user with sudo: the script re-runs itself with sudo for the system steps only.
# Every step checks first and does nothing when its work is already done, so a second run is quick.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SCRIPT="$ROOT/scripts/setup.sh"
CACHE="$ROOT/.cache"
VENV="$ROOT/.venv"
PYOAI_VENV="$CACHE/pyoai-venv"
ES_VERSION="8.19.7"
ES_HOME="$CACHE/elasticsearch-$ES_VERSION"
S3PROXY_VERSION="2.6.0"
S3PROXY_JAR="$CACHE/s3proxy/s3proxy-$S3PROXY_VERSION-jar-with-dependencies.jar"
# Elasticsearch refuses to run as root; the test fixtures run it as this unprivileged user.
TEST_USER="olketanu-test"
MIN_JAVA=17

# Debian packages; "a|b" means either name (they differ between Debian and Ubuntu releases).
BASE_PACKAGES=(
  tesseract-ocr tesseract-ocr-kaz tesseract-ocr-rus tesseract-ocr-eng
  tesseract-ocr-script-latn tesseract-ocr-script-cyrl tesseract-ocr-osd
  "libvips42|libvips42t64" libvips-tools poppler-utils
  postgresql redis-server "chromium|chromium-browser" iipimage-server lighttpd "libmagic1|libmagic1t64"
  fonts-dejavu-core fonts-freefont-ttf fonts-noto-core fonts-paratype libjpeg-turbo-progs
  python3-venv python3-dev curl unzip
)

step() { printf '\n==> %s\n' "$*"; }
note() { printf '    %s\n' "$*"; }
die() { printf '\nERROR: %s\n' "$*" >&2; exit 1; }

usage() {
  cat >&2 <<'EOF'
usage: bash scripts/setup.sh MODE [ARGS...]
  install   install system packages, .venv, npm assets and the test services
  demo      install, then `olketanu demo` and `olketanu serve` (http://127.0.0.1:5000)
  test      install, then run the whole test suite; ARGS are passed to pytest (e.g. -k storage, or tests/storage)
EOF
  exit 2
}

# ---------------------------------------------------------------- system packages (root)

is_installed() {
  local alt
  for alt in ${1//|/ }; do
    [ "$(dpkg-query -W -f='${db:Status-Status}' "$alt" 2>/dev/null)" = "installed" ] && return 0
  done
  return 1
}

java_major() {
  java -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n 1
}

java_ok() {
  command -v java >/dev/null 2>&1 && [ "$(java_major)" -ge "$MIN_JAVA" ] 2>/dev/null
}

# Prints the needed packages that are missing, one per line ("a|b" entries unresolved).
missing_packages() {
  local pkg
  for pkg in "${BASE_PACKAGES[@]}"; do
    is_installed "$pkg" || echo "$pkg"
  done
  # Only pulled in when what they provide is absent: a machine may have these from elsewhere.
  command -v cc >/dev/null 2>&1 || echo build-essential
  java_ok || echo default-jre-headless
  command -v mvn >/dev/null 2>&1 || echo maven
  command -v node >/dev/null 2>&1 || echo nodejs
  command -v npm >/dev/null 2>&1 || echo npm
}

# The first alternative of "a|b" that this release's package lists know.
resolve_package() {
  local alt
  for alt in ${1//|/ }; do
    if apt-cache show --no-all-versions "$alt" >/dev/null 2>&1; then
      echo "$alt"
      return 0
    fi
  done
  die "none of the packages '$1' is known to apt on this system"
}

install_system() {
  local missing resolved=() pkg
  mapfile -t missing < <(missing_packages)
  if [ "${#missing[@]}" -gt 0 ]; then
    note "missing: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    for pkg in "${missing[@]}"; do resolved+=("$(resolve_package "$pkg")"); done
    apt-get install -y -q --no-install-recommends "${resolved[@]}"
  fi
  if ! getent passwd "$TEST_USER" >/dev/null; then
    note "creating system user $TEST_USER (runs Elasticsearch in the tests)"
    useradd --system --no-create-home --shell /usr/sbin/nologin "$TEST_USER"
  fi
}

system_step() {
  step "System packages"
  command -v dpkg-query >/dev/null 2>&1 || die "this script needs a Debian or Ubuntu system (dpkg/apt)"
  local missing
  missing="$(missing_packages)"
  if [ -z "$missing" ] && getent passwd "$TEST_USER" >/dev/null; then
    note "all present"
    return
  fi
  if [ "$(id -u)" -eq 0 ]; then
    install_system
  else
    command -v sudo >/dev/null 2>&1 || die "system packages are missing ($(echo $missing)) and this is not root and has no sudo: run as root"
    note "re-running with sudo for the system steps"
    sudo bash "$SCRIPT" _system
  fi
  java_ok || die "Java $MIN_JAVA or newer is needed (Elasticsearch, S3Proxy); \`java -version\` says: $(java -version 2>&1 | head -n 1)"
}

# ---------------------------------------------------------------- Python

python_step() {
  step "Python virtual environment (.venv)"
  command -v python3 >/dev/null 2>&1 || die "python3 not found"
  python3 -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' \
    || die "Python 3.11 or newer is needed, but python3 is $(python3 -V 2>&1). Debian 12 and Ubuntu 24.04 ship a new enough one."
  if [ -e "$VENV" ] && ! "$VENV/bin/python" -c '' 2>/dev/null; then
    note "$VENV is broken (python3 upgraded or removed?): recreating it"
    rm -rf "$VENV"
  fi
  [ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
  # Reinstall only when the dependency list (pyproject.toml) or the interpreter changed.
  local stamp="$VENV/.olketanu-installed" want
  want="$(sha256sum "$ROOT/pyproject.toml" | cut -d' ' -f1) $("$VENV/bin/python" -V 2>&1)"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    note "up to date"
    return
  fi
  (cd "$ROOT" && "$VENV/bin/python" -m pip install --disable-pip-version-check -q -e '.[dev]') \
    || die "pip install -e '.[dev]' failed (see above)"
  echo "$want" >"$stamp"
  note "installed"
}

# The OAI-PMH interoperability tests drive pyoai as a separate client process: it crashes with
# lxml >= 5, which the application itself needs, so it lives in a venv of its own.
pyoai_step() {
  step "pyoai OAI-PMH client (.cache/pyoai-venv)"
  local stamp="$PYOAI_VENV/.olketanu-installed" want
  want="pyoai==2.5.0 lxml>=4.9,<5 $(python3 -V 2>&1)"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    note "up to date"
    return
  fi
  mkdir -p "$CACHE"
  rm -rf "$PYOAI_VENV"
  python3 -m venv "$PYOAI_VENV"
  "$PYOAI_VENV/bin/python" -m pip install --disable-pip-version-check -q "pyoai==2.5.0" "lxml>=4.9,<5" \
    || die "could not install pyoai with lxml<5 into $PYOAI_VENV (see above)"
  "$PYOAI_VENV/bin/python" -c 'import oaipmh.client' || die "pyoai installed but \`import oaipmh.client\` fails"
  echo "$want" >"$stamp"
  note "installed"
}

# ---------------------------------------------------------------- npm

npm_step() {
  step "Viewer assets (npm: Mirador)"
  local stamp="$ROOT/node_modules/.olketanu-installed" asset="$ROOT/node_modules/mirador/dist/mirador.min.js" want
  want="$(cat "$ROOT/package.json" "$ROOT/package-lock.json" 2>/dev/null | sha256sum | cut -d' ' -f1)"
  if [ -f "$asset" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    note "up to date"
    return
  fi
  if [ -f "$ROOT/package-lock.json" ]; then
    (cd "$ROOT" && npm ci --no-audit --no-fund) || die "npm ci failed (see above)"
  else
    (cd "$ROOT" && npm install --no-audit --no-fund) || die "npm install failed (see above)"
  fi
  [ -f "$asset" ] || die "npm finished but $asset is missing"
  # Hash again: a first `npm install` writes package-lock.json.
  cat "$ROOT/package.json" "$ROOT/package-lock.json" | sha256sum | cut -d' ' -f1 >"$stamp"
  note "installed"
}

# ---------------------------------------------------------------- test services from Maven Central

# Downloads one artifact into a fresh temp dir under .cache/ and prints that dir; the caller moves
# the result into place, so an interrupted download never looks finished.
maven_fetch() {
  local artifact="$1" tmp
  mkdir -p "$CACHE"
  tmp="$(mktemp -d "$CACHE/.download.XXXXXX")"
  # Maven's output goes to a log shown only on failure (even -q prints terminal escape codes).
  if ! mvn -q -B dependency:copy -Dartifact="$artifact" -DoutputDirectory="$tmp" >"$CACHE/maven.log" 2>&1; then
    tail -n 40 "$CACHE/maven.log" >&2
    rm -rf "$tmp"
    die "Maven could not fetch $artifact (log: $CACHE/maven.log)"
  fi
  echo "$tmp"
}

elasticsearch_step() {
  step "Elasticsearch $ES_VERSION for the tests (.cache/elasticsearch-$ES_VERSION)"
  if [ -x "$ES_HOME/bin/elasticsearch" ]; then
    note "present"
    return
  fi
  local tmp
  tmp="$(maven_fetch "org.elasticsearch.distribution.integ-test-zip:elasticsearch:$ES_VERSION:zip")"
  unzip -q "$tmp/elasticsearch-$ES_VERSION.zip" -d "$tmp" || { rm -rf "$tmp"; die "could not unzip Elasticsearch"; }
  rm -rf "$ES_HOME"
  mv "$tmp/elasticsearch-$ES_VERSION" "$ES_HOME"
  rm -rf "$tmp"
  note "installed"
}

s3proxy_step() {
  step "S3Proxy $S3PROXY_VERSION for the tests (.cache/s3proxy)"
  if [ -f "$S3PROXY_JAR" ]; then
    note "present"
    return
  fi
  local tmp
  tmp="$(maven_fetch "org.gaul:s3proxy:$S3PROXY_VERSION:jar:jar-with-dependencies")"
  mkdir -p "$(dirname "$S3PROXY_JAR")"
  mv "$tmp/$(basename "$S3PROXY_JAR")" "$S3PROXY_JAR"
  rm -rf "$tmp"
  note "installed"
}

# ---------------------------------------------------------------- modes

install_all() {
  system_step
  python_step
  npm_step
  elasticsearch_step
  s3proxy_step
  pyoai_step
  step "Installed in ${SECONDS}s"
}

run_demo() {
  step "Demo: create the database, generate and ingest the sample pages, publish"
  (cd "$ROOT" && "$VENV/bin/olketanu" demo) || die "\`olketanu demo\` failed (see above)"
  step "Serving at http://127.0.0.1:5000 (Ctrl-C stops)"
  cd "$ROOT"
  exec "$VENV/bin/olketanu" serve
}

run_tests() {
  step "Test suite (services start on demand)"
  cd "$ROOT"
  local rc=0 arg where=(tests)
  # Given a path (tests/storage, tests/x.py::test_y), run that instead of the whole tests/ tree.
  for arg in "$@"; do
    if [[ "$arg" != -* ]] && [ -e "${arg%%::*}" ]; then where=(); fi
  done
  "$VENV/bin/python" -m pytest -q -p no:cacheprovider "${where[@]}" "$@" || rc=$?
  if [ "$rc" -eq 5 ]; then
    die "pytest collected no tests (exit code 5): a run that tests nothing is not a pass"
  fi
  return "$rc"
}

main() {
  [ "$#" -ge 1 ] || usage
  local mode="$1"
  shift
  case "$mode" in
    install) [ "$#" -eq 0 ] || usage; install_all ;;
    demo) [ "$#" -eq 0 ] || usage; install_all; run_demo ;;
    test) install_all; run_tests "$@" ;;
    _system) [ "$(id -u)" -eq 0 ] || die "_system must run as root"; install_system ;;  # the sudo re-run
    *) usage ;;
  esac
}

main "$@"
