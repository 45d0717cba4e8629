#!/usr/bin/env bash
# Fetches real multi-megapixel photos for the pipeline's large-image test (tag "large-images") and the throughput
# benchmark, from Debian wallpaper packages: `apt-get download` the .deb (no root, nothing installed) and `dpkg -x` it
# into the target directory.
#
#   scripts/fetch-test-images.sh [DIR]            # default: target/test-images (relative to the repository root)
#   scripts/fetch-test-images.sh --photos [DIR]   # every package of the photo set (about 100 MB of .debs), for
#                                                 # scripts/bench-throughput.sh
#
# Idempotent: a package already extracted is not downloaded again. Needs apt-get and dpkg (Debian/Ubuntu) and a
# package index (run `apt-get update` once if apt-get cannot find the packages).
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
all=false
if [[ "${1:-}" == "--photos" ]]; then
  all=true
  shift
fi
dest="${1:-$root/target/test-images}"
if $all; then
  # Photographs, mostly: 36 JPEG files of 2 to 24 MP (Debian 12). plasma-workspace-wallpapers is left out: its
  # large JPEGs are renders, and its photos stop at 4 MP.
  packages=(ukui-wallpapers lomiri-wallpapers-16.04 lomiri-wallpapers-20.04 mate-backgrounds)
else
  # Wallpaper packages with multi-megapixel JPEG and PNG files (ukui-wallpapers: 9 files of 1.3-8.9 MB);
  # the first one that downloads is enough.
  packages=(ukui-wallpapers desktop-base)
fi

mkdir -p "$dest"
dest="$(cd "$dest" && pwd)"

for pkg in "${packages[@]}"; do
  marker="$dest/.$pkg.extracted"
  if [[ -f "$marker" ]]; then
    echo "$pkg: already extracted in $dest"
    $all && continue || break
  fi
  work="$(mktemp -d)"
  if (cd "$work" && apt-get download "$pkg" >/dev/null 2>&1); then
    dpkg -x "$work"/*.deb "$dest/$pkg"
    rm -rf "$work"
    touch "$marker"
    echo "$pkg: extracted into $dest/$pkg"
    $all && continue || break
  fi
  rm -rf "$work"
  if $all; then
    echo "$pkg: could not be downloaded with apt-get (run apt-get update?); continuing without it" >&2
  else
    echo "$pkg: could not be downloaded with apt-get; trying the next package" >&2
  fi
done

count=0
while IFS= read -r -d '' f; do
  printf '%10d  %s\n' "$(stat -c %s "$f")" "${f#"$dest"/}"
  count=$((count + 1))
done < <(find "$dest" -type f \( -iname '*.jpg' -o -iname '*.jpeg' -o -iname '*.png' \) -size +100k -print0 | sort -z)
echo "$count image files (over 100 KB) under $dest"
if [[ "$count" -eq 0 ]]; then
  echo "no images fetched" >&2
  exit 1
fi
