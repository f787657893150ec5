#!/usr/bin/env bash
# Installs the Debian packages Gifsmith needs that are missing, and nothing else.
#   scripts/bootstrap.sh              build and run (FFmpeg libraries, the Vulkan loader, the shader compiler, libcurl, libxml2)
#   scripts/bootstrap.sh --test       also what the tests and benchmarks use (ffmpeg CLI, ImageMagick, Pillow,
#                                     Mesa's lavapipe software Vulkan device for the CPU==Vulkan tests,
#                                     headless Chromium to render the bench report, gifsicle for the
#                                     equal-bytes comparison, libjxl-devtools for the bench's
#                                     butteraugli/ssimulacra columns)
#   scripts/bootstrap.sh --validate   also the Khronos validation layers
# Needs a Swift 6 toolchain on PATH (swift.org); Debian does not package one.
set -euo pipefail

packages=(pkg-config libavformat-dev libavcodec-dev libavutil-dev libswscale-dev libvulkan-dev glslang-tools libcurl4-openssl-dev libxml2-dev)
case "${1:-}" in
    --test) packages+=(ffmpeg imagemagick python3-pil mesa-vulkan-drivers chromium gifsicle libjxl-devtools) ;;
    --validate) packages+=(ffmpeg imagemagick python3-pil mesa-vulkan-drivers chromium gifsicle libjxl-devtools vulkan-validationlayers) ;;
esac

missing=()
for p in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$p")
    fi
done

if ((${#missing[@]})); then
    echo "bootstrap: installing ${missing[*]}" >&2
    sudo=""
    if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! command -v swift >/dev/null 2>&1; then
    echo "bootstrap: no 'swift' on PATH; install a Swift 6 toolchain from swift.org" >&2
    exit 1
fi
