#!/usr/bin/env bash
# Measures the Vulkan backend on a lent GPU machine (no Swift, no FFmpeg, no internet there).
#
#   scripts/device-bench.sh prepare   here: builds the static gifsmith-devbench, puts it (xz) and a
#                                     1080p .y4m clip in .devbench/, the Vulkan loader .debs in
#                                     .gl/, and git-ignores both (they travel as `carry`).
#   scripts/device-bench.sh run       on the device: unpacks .gl/*.deb, finds the NVIDIA driver,
#                                     runs the bench at 480 wide and full size, cpu and vulkan,
#                                     and writes JSON and a log to $OUT (or ./.devbench/out).
#
# Benchmarks/README.md ("GPU benchmark on a lent machine") has the exact device call.
# Environment for prepare: CLIP (source video, default Benchmarks/work/clips/pan1080.mp4),
# FRAMES (most frames to keep, default 10), BUDGET_MIB (carried total, default 60).
# Environment for run: FRAMES_PER_STAGE (default 100), CONFIGS (lines "WIDTH DITHER THREADS").
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-}
DIR=.devbench
GL=.gl

prepare() {
    local clip=${CLIP:-Benchmarks/work/clips/pan1080.mp4}
    local frames=${FRAMES:-10} budget=${BUDGET_MIB:-60}
    [ -f "$clip" ] || { echo "no clip $clip (Benchmarks/make-clips.sh makes it)" >&2; exit 2; }
    mkdir -p "$DIR" "$GL"
    for d in "$DIR" "$GL"; do
        grep -qxF "/$d/" .git/info/exclude 2>/dev/null || echo "/$d/" >> .git/info/exclude
    done

    swift build -c release --product gifsmith-devbench --static-swift-stdlib --scratch-path .build-h6
    local bin
    bin=$(swift build -c release --product gifsmith-devbench --static-swift-stdlib --scratch-path .build-h6 --show-bin-path)/gifsmith-devbench
    # Static Foundation brings ICU's data (about 37 MB of the 58 MB stripped): xz takes the
    # binary to about 15 MB; `run` unpacks it to /tmp.
    local tmp=/tmp/gifsmith-devbench.$$
    cp "$bin" "$tmp"
    strip "$tmp" 2>/dev/null || true
    if ldd "$tmp" | grep -E 'libswift|libav|libFoundation|libdispatch|libcurl' ; then
        echo "the binary still needs the libraries above: not static enough to travel" >&2; exit 2
    fi
    rm -f "$DIR/gifsmith-devbench" "$DIR/gifsmith-devbench.xz"
    xz -9 -T0 -c "$tmp" > "$DIR/gifsmith-devbench.xz"
    rm -f "$tmp"

    # The Vulkan loader (and the GL/EGL dispatch libraries), as the device README says.
    if ! ls "$GL"/libvulkan1_*.deb >/dev/null 2>&1; then
        mkdir -p /tmp/amd64/partial
        local o=(-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 -oDir::State::Lists=/tmp/amd64)
        apt-get "${o[@]}" update >/dev/null
        (cd "$GL" && apt-get "${o[@]}" download libvulkan1 libegl1 libglvnd0 libopengl0 libgl1 libglx0 libgles2)
    fi

    # As many 1080p frames as fit in the budget with the binary and the loader.
    local used frame_bytes w h fit
    used=$(du -cb "$DIR/gifsmith-devbench.xz" "$GL" | tail -1 | cut -f1)
    IFS=x read -r w h < <(ffprobe -v error -select_streams v:0 -show_entries stream=width,height -of csv=p=0:s=x "$clip")
    frame_bytes=$(( w * h + 2 * ((w + 1) / 2) * ((h + 1) / 2) + 6 ))
    fit=$(( (budget * 1048576 - used - 4096) / frame_bytes ))
    if [ "$fit" -lt "$frames" ]; then frames=$fit; fi
    [ "$frames" -ge 1 ] || { echo "the binary and loader leave no room for a frame in ${budget} MiB" >&2; exit 2; }
    ffmpeg -v error -y -i "$clip" -frames:v "$frames" -pix_fmt yuv420p -strict -1 "$DIR/clip.y4m"
    rm -rf "$DIR/out"
    echo "prepared: $frames frames of ${w}x${h}"
    du -sh "$DIR"/* "$GL"
    du -csh "$DIR" "$GL" | tail -1
}

run() {
    local out=${OUT:-$DIR/out}
    mkdir -p "$out"
    exec > >(tee "$out/log.txt") 2>&1
    # The loader, unpacked into / as the device README says (only where none is installed).
    if ! ldconfig -p | grep -q 'libvulkan.so.1'; then
        for f in "$GL"/*.deb; do dpkg -x "$f" /; done
        ldconfig
    fi
    local icd=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
    if [ -z "${VK_DRIVER_FILES:-}" ] && [ -f "$icd" ] \
        && ! ls /etc/vulkan/icd.d/nvidia_icd*.json /usr/share/vulkan/icd.d/nvidia_icd*.json >/dev/null 2>&1; then
        export VK_DRIVER_FILES=$icd VK_ICD_FILENAMES=$icd
        export __EGL_VENDOR_LIBRARY_FILENAMES=/usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json
    fi
    echo "VK_DRIVER_FILES=${VK_DRIVER_FILES:-} $(uname -m) $(nproc) cores"
    nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm --format=csv 2>/dev/null || true
    local bin=/tmp/gifsmith-devbench
    if command -v xz >/dev/null; then
        xz -dc "$DIR/gifsmith-devbench.xz" > "$bin"
    else
        python3 -c 'import lzma,sys; sys.stdout.buffer.write(lzma.open(sys.argv[1]).read())' "$DIR/gifsmith-devbench.xz" > "$bin"
    fi
    chmod +x "$bin"
    ldd "$bin" || true
    # width dither threads, one JSON each ($OUT takes at most 8 files: 6 runs + the log).
    local configs=${CONFIGS:-"480 sierra-2-4a 1
480 sierra-2-4a 8
0 sierra-2-4a 1
0 sierra-2-4a 8
480 bayer 8
0 bayer 8"}
    local frames=${FRAMES_PER_STAGE:-100} status=0 rc width dither threads name
    while read -r width dither threads; do
        [ -n "$width" ] || continue
        name="w${width}-${dither}-t${threads}"
        echo "== $name"
        rc=0
        "$bin" "$DIR/clip.y4m" --width "$width" --backends cpu,vulkan --dither "$dither" \
            --frames "$frames" --threads "$threads" --json > "$out/$name.json" || rc=$?
        echo "exit $rc"
        if [ "$rc" -gt "$status" ]; then status=$rc; fi
    done <<< "$configs"
    return "$status"
}

case "$mode" in
    prepare) prepare ;;
    run) run ;;
    *) echo "usage: $0 prepare|run" >&2; exit 2 ;;
esac
