#!/usr/bin/env bash
# Print the Debian packages a bundle needs, as a Depends: value, derived from the bundle itself:
# every ELF file in it (the program, Python's extension modules, Qt and its kept plugins) names
# the shared libraries it links against (readelf -d, NEEDED); those the bundle does not carry
# are looked up where this system's loader finds them (ldconfig -p), then the package that
# owns each file (dpkg -S). Only direct needs are listed: each package brings its own.
# libc6 gets the build machine's version as a minimum (the bundle needs at least its glibc).
#     installer/deb-depends.sh dist/shengui        →  libc6 (>= 2.36), libcups2, …
# Fails, naming the library, when one cannot be found or belongs to no package.
set -euo pipefail
bundle="${1:?usage: deb-depends.sh BUNDLE_DIR}"
[ -d "$bundle" ] || { echo "deb-depends: no folder $bundle" >&2; exit 2; }

# sonames the bundle carries itself (any file name in it)
declare -A inside=()
while IFS= read -r name; do inside["$name"]=1; done < <(find "$bundle" -type f -printf '%f\n')

# sonames the bundle's ELF files need
declare -A needed=()
while IFS= read -r -d '' file; do
  head -c 4 "$file" 2>/dev/null | grep -q $'\x7fELF' || continue
  while IFS= read -r soname; do needed["$soname"]=1; done < <(
    readelf -d "$file" 2>/dev/null | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
done < <(find "$bundle" -type f -print0)

arch="$(dpkg --print-architecture)"
cache="$(ldconfig -p)"  # once: awk quitting early would end a pipe from ldconfig with SIGPIPE
declare -A packages=()
for soname in "${!needed[@]}"; do
  [ -n "${inside[$soname]:-}" ] && continue
  path="$(awk -v s="$soname" '$1 == s && /x86-64|'"$arch"'/ {print $NF; exit}' <<<"$cache")"
  [ -z "$path" ] && path="$(awk -v s="$soname" '$1 == s {print $NF; exit}' <<<"$cache")"
  if [ -z "$path" ]; then
    echo "deb-depends: $soname is needed by the bundle but not installed here" >&2; exit 1
  fi
  real="$(readlink -f "$path")"
  owner=""
  # merged /usr: dpkg may have recorded the file under /lib or under /usr/lib
  for candidate in "$path" "$real" "${path#/usr}" "/usr$path" "${real#/usr}" "/usr$real"; do
    owner="$( (dpkg -S "$candidate" 2>/dev/null || true) | sed -n '1s/:.*//p')"
    [ -n "$owner" ] && break
  done
  if [ -z "$owner" ]; then
    echo "deb-depends: $soname ($path) belongs to no Debian package" >&2; exit 1
  fi
  packages["$owner"]=1
done

out=()
for p in $(printf '%s\n' "${!packages[@]}" | sort); do
  if [ "$p" = libc6 ]; then
    out+=("libc6 (>= $(dpkg-query -W -f='${Version}' libc6 | sed 's/-.*//'))")
  else
    out+=("$p")
  fi
done
(IFS=,; echo "${out[*]}" | sed 's/,/, /g')
