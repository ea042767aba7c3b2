#!/usr/bin/env bash
# Build the Debian package (Debian 12, UOS, Kylin): the one-folder bundle in /opt/shengui, the
# command /usr/bin/shengui, the desktop entry 小升规企业培育台账 with its icon. Depends: is derived
# from the bundle (installer/deb-depends.sh) plus a Chinese font for the window.
#
#     bash installer/build-deb.sh                  # bundle with PyInstaller, then the .deb
#     bash installer/build-deb.sh --bundle DIR     # package a bundle built before (DIR/shengui)
#
# Writes build/deb/shengui_<version>_<arch>.deb and prints its path last. DEB_COMPRESSION=gzip
# (CI) packs in ~1.5 min instead of xz's ~5 on a busy 2-core machine: 66 MB instead of 48 MB. No maintainer scripts:
# every file belongs to the package, so `apt remove shengui` leaves nothing behind; the desktop's
# menu and icon caches are refreshed by the triggers of the packages that own them.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"

bundle=""
if [ "${1:-}" = "--bundle" ]; then
  bundle="${2:?--bundle needs a folder}"
elif [ -n "${1:-}" ]; then
  echo "usage: build-deb.sh [--bundle DIR]" >&2; exit 2
fi

for tool in dpkg-deb readelf ldconfig dpkg-query; do
  command -v "$tool" >/dev/null || { echo "build-deb: $tool is missing (apt install dpkg binutils)" >&2; exit 2; }
done

# The version of the package metadata (pyproject.toml), as the program's 关于 shows it.
version="$(python3 -c 'import tomllib; print(tomllib.load(open("pyproject.toml", "rb"))["project"]["version"])')"
arch="$(dpkg --print-architecture)"
out_dir="$ROOT/build/deb"
mkdir -p "$out_dir"

if [ -z "$bundle" ]; then
  echo "build-deb: bundling with PyInstaller (installer/shengui.spec)…"
  uv run --frozen --group installer pyinstaller installer/shengui.spec --noconfirm --log-level WARN \
    --distpath "$ROOT/build/bundle" --workpath "$ROOT/build/pyinstaller"
  bundle="$ROOT/build/bundle"
fi
[ -x "$bundle/shengui/shengui" ] || { echo "build-deb: no bundle at $bundle/shengui" >&2; exit 2; }

echo "build-deb: working out Depends from the bundle's libraries…"
libraries="$(bash "$ROOT/installer/deb-depends.sh" "$bundle/shengui")"
# The window draws Chinese with the system's fonts (the PDFs embed their own).
depends="$libraries, fonts-wqy-microhei | fonts-noto-cjk | fonts-wqy-zenhei"

stage="$(mktemp -d "$out_dir/stage.XXXXXX")"
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/DEBIAN" "$stage/opt" "$stage/usr/bin" "$stage/usr/share/applications" \
  "$stage/usr/share/icons/hicolor/256x256/apps" "$stage/usr/share/icons/hicolor/scalable/apps" \
  "$stage/usr/share/doc/shengui"
cp -a "$bundle/shengui" "$stage/opt/shengui"
ln -s /opt/shengui/shengui "$stage/usr/bin/shengui"
install -m 644 installer/icons/shengui.png "$stage/usr/share/icons/hicolor/256x256/apps/shengui.png"
install -m 644 installer/icons/shengui.svg "$stage/usr/share/icons/hicolor/scalable/apps/shengui.svg"
install -m 644 installer/linux/shengui.desktop "$stage/usr/share/applications/shengui.desktop"
install -m 644 resources/fonts/wqy-microhei.LICENSE.txt "$stage/usr/share/doc/shengui/wqy-microhei.LICENSE.txt"
chmod -R u+rwX,go+rX,go-w "$stage/opt/shengui"

size_kib="$(du -sk --exclude=DEBIAN "$stage" | cut -f1)"
cat > "$stage/DEBIAN/control" <<CONTROL
Package: shengui
Version: $version
Section: misc
Priority: optional
Architecture: $arch
Installed-Size: $size_kib
Depends: $depends
Maintainer: shengui_desktop <shengui@localhost>
Description: 小升规企业培育台账（离线版）
 Offline ledger for the small-to-above-scale enterprise programme of township
 and county offices: encrypted ledger, visits, issues, monthly figures,
 signed sync packages on USB, PDF reports and spreadsheets.
 .
 Run "shengui --self-test" to check an installation.
CONTROL

deb="$out_dir/shengui_${version}_${arch}.deb"
dpkg-deb --root-owner-group "-Z${DEB_COMPRESSION:-xz}" --build "$stage" "$deb" >/dev/null
echo "build-deb: bundle $(du -sh "$bundle/shengui" | cut -f1), package $(du -h "$deb" | cut -f1)"
echo "$deb"
