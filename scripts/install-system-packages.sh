#!/bin/sh
# Installs the Debian packages the test suite and the demo need, when they are missing and we are root:
#   postgresql          a real PostgreSQL server for the database tests (started on loopback by the tests)
#   chromium            headless browser for the flows a person clicks through (driven by Playwright)
#   fonts-wqy-microhei  a small CJK font, so Chinese text renders in the browser and in charts
#   bubblewrap          the sandbox every exam-grading kernel runs in (`academy exam autograde`
#                       grades nothing without it)
#   nodejs (with npm)   configurable-http-proxy, JupyterHub's proxy (`make venv` installs it by npm)
#   python3-venv        a venv on Debian's Python, which every OS account of the hub may run
set -eu
# (the packages named as arguments instead, when there are any: `make demo` asks for bubblewrap only)
PACKAGES="${*:-postgresql chromium fonts-wqy-microhei bubblewrap nodejs python3-venv}"
missing=""
for p in $PACKAGES; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
# npm comes with some nodejs builds (NodeSource) and is Debian's own package otherwise
command -v npm >/dev/null 2>&1 || missing="$missing npm"
[ -z "$missing" ] && exit 0
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "warning: missing Debian packages:$missing" >&2
    echo "         install them with: sudo apt-get install$missing" >&2
    exit 0
fi
echo "Installing Debian packages:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
