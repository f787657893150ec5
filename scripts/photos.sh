#!/usr/bin/env bash
# Prints a folder holding real photographs (public-domain/CC0 images that ship in the scikit-image
# wheel from PyPI), unpacking them once into .build/photos. Used to make the sample and benchmark clips.
set -euo pipefail
dest="${PHOTOS_DIR:-$(cd "$(dirname "$0")/.." && pwd)/.build/photos}"
if [[ ! -f "$dest/coffee.png" ]]; then
    tmp=$(mktemp -d)
    trap 'rm -rf "$tmp"' EXIT
    python3 -m pip download --quiet --no-deps --only-binary=:all: -d "$tmp" scikit-image >&2
    mkdir -p "$dest"
    python3 - "$tmp"/scikit_image-*.whl "$dest" <<'PY'
import sys, zipfile, os
whl, dest = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(whl) as z:
    for name in ("astronaut.png", "coffee.png", "chelsea.png", "motorcycle_left.png", "rocket.jpg", "hubble_deep_field.jpg"):
        with open(os.path.join(dest, name), "wb") as f:
            f.write(z.read("skimage/data/" + name))
PY
fi
echo "$dest"
