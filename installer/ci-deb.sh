#!/usr/bin/env bash
# CI for the Debian package: build the bundle and the .deb, install it with apt as an office
# would, run `shengui --self-test` from the installed package, remove it with apt and check that
# nothing is left (/opt/shengui, the command, the desktop entry, the icons). Prints each step's
# time. Run from a checkout (needs root or sudo, uv, and network for apt only when a dependency
# is missing):
#     bash installer/ci-deb.sh
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive

started=$SECONDS
step_started=$SECONDS
step() {  # step NAME: the previous step's time, then the next one's name
  [ "$step_started" = "$started" ] || echo "ci-deb:   (took $((SECONDS - step_started)) s)"
  echo "ci-deb: $1"
  step_started=$SECONDS
}

# What PyInstaller and deb-depends.sh need beyond the test suite's packages.
for tool in readelf dpkg-deb; do
  if ! command -v "$tool" >/dev/null; then
    $SUDO apt-get update -qq
    $SUDO apt-get install -y -qq --no-install-recommends binutils dpkg
    break
  fi
done
command -v uv >/dev/null || { echo "ci-deb: uv is missing" >&2; exit 2; }

step "building the bundle and the .deb"
deb="$(DEB_COMPRESSION="${DEB_COMPRESSION:-gzip}" bash installer/build-deb.sh | tail -1)"
[ -f "$deb" ] || { echo "ci-deb: build-deb.sh made no package" >&2; exit 1; }
bundle_size="$(du -sh build/bundle/shengui | cut -f1)"
deb_size="$(du -h "$deb" | cut -f1)"
echo "ci-deb: bundle $bundle_size, package $deb_size: $deb"
dpkg-deb --field "$deb" Depends

if dpkg-query -W -f='${Status}' shengui 2>/dev/null | grep -q "install ok installed"; then
  step "removing an earlier installation"
  $SUDO apt-get remove -y -qq shengui >/dev/null
fi

step "apt install $deb"
install_log="$(mktemp)"
trap 'rm -f "$install_log"' EXIT
if ! $SUDO apt-get install -y -qq --no-install-recommends "$deb" >"$install_log" 2>&1; then
  # a dependency not installed yet and no package lists: fetch them once and try again
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "$deb" >"$install_log" 2>&1 || {
    cat "$install_log" >&2; exit 1; }
fi
install_time=$((SECONDS - step_started))
[ "$(command -v shengui)" = /usr/bin/shengui ] || { echo "ci-deb: shengui is not on the PATH" >&2; exit 1; }
[ -f /usr/share/applications/shengui.desktop ] || { echo "ci-deb: no desktop entry" >&2; exit 1; }

step "shengui --self-test (the installed package)"
before_files="$(find /opt/shengui | sort | md5sum)"
# an empty home: the self-test must work (and write nothing) before any first run
home="$(mktemp -d)"
HOME="$home" XDG_DATA_HOME="$home/.local/share" XDG_CONFIG_HOME="$home/.config" shengui --self-test
# (but this computer's id, which opening any ledger makes once: storage/origins.py)
left_in_home="$(find "$home" -type f ! -path "$home/.local/share/shengui_desktop/machine-id" | head -5)"
rm -rf "$home"
[ -z "$left_in_home" ] || { echo "ci-deb: the self-test wrote into the home folder: $left_in_home" >&2; exit 1; }
self_test_time=$((SECONDS - step_started))
# the program never writes beside itself (the install folder may be read-only)
[ "$(find /opt/shengui | sort | md5sum)" = "$before_files" ] || {
  echo "ci-deb: the self-test changed /opt/shengui" >&2; exit 1; }

step "apt remove shengui"
$SUDO apt-get remove -y -qq shengui >/dev/null
left=""
for path in /opt/shengui /usr/bin/shengui /usr/share/applications/shengui.desktop \
    /usr/share/icons/hicolor/256x256/apps/shengui.png /usr/share/icons/hicolor/scalable/apps/shengui.svg \
    /usr/share/doc/shengui; do
  if [ -e "$path" ] || [ -L "$path" ]; then left="$left $path"; fi
done
if [ -n "$left" ]; then
  echo "ci-deb: apt remove left:$left" >&2; exit 1
fi
if dpkg-query -W -f='${Status}' shengui 2>/dev/null | grep -qv "not-installed"; then
  echo "ci-deb: dpkg still lists shengui: $(dpkg-query -W -f='${Status}' shengui)" >&2; exit 1
fi
step "done"
echo "ci-deb: passed in $((SECONDS - started)) s (install ${install_time} s, self-test ${self_test_time} s);" \
  "bundle $bundle_size, package $deb_size; apt remove left nothing in /opt"
