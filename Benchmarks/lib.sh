# Shared by the benchmark scripts (run.sh, batch.sh, equal-bytes.sh): tool locations, the checks
# that they are there, and the quality measurement, so that every script measures the same way.
# Source it after `cd` to the repository root, with `script` set to the caller's name for messages.

GIFSMITH="${GIFSMITH:-.build/release/gifsmith}"
FFMPEG="${FFMPEG:-ffmpeg}"
FFPROBE="${FFPROBE:-ffprobe}"

# require_gifsmith: stops with a message when there is no gifsmith binary to measure.
require_gifsmith() {
    if [[ ! -x "$GIFSMITH" ]]; then
        echo "$script: no gifsmith binary at '$GIFSMITH'. Build it first with 'make build' (or set GIFSMITH=path)." >&2
        exit 1
    fi
}

# require_tools PACKAGES TOOL...: stops with a message naming the Debian packages when a tool is missing.
require_tools() {
    local packages=$1 tool
    shift
    for tool in "$@"; do
        if ! command -v "$tool" >/dev/null 2>&1; then
            echo "$script: '$tool' not found; run 'scripts/bootstrap.sh --test' (Debian packages $packages)." >&2
            exit 1
        fi
    done
}

frame_count() { # packets = frames for both H.264 in MP4 and GIF, without decoding
    "$FFPROBE" -v error -select_streams v:0 -count_packets -show_entries stream=nb_read_packets -of csv=p=0 "$1"
}

# quality GIF CLIP FPS CLIP_FRAMES TAG: sets Q_PSNR Q_SSIM Q_FRAMES (compared) Q_GIF_FRAMES Q_W Q_H.
# The reference is the source scaled to the GIF's own size with the same bicubic filter, converted
# to RGB as BT.709 limited range (how the clips are tagged) with accurate rounding: swscale's default
# YUV->RGB path reads about 1 level low per channel against the exact BT.709 formula, which would
# favour any output made through that same path (FFmpeg's own): on sky1080 at 480 wide that moved
# both tools' PSNR by about 5 dB, in opposite directions. Frames are paired by index on an exact
# 1/fps grid: GIF delays are whole centiseconds (3,3,4,... at 30 fps), so raw timestamps would pair
# frame k with k-1 about every third frame. If a tool merged or dropped frames, the GIF is first
# resampled onto the source grid from its own timestamps instead, and the count shows it.
quality() {
    local gif=$1 clip=$2 fps=$3 clip_frames=$4 tag=$5
    local size gif_frames gif_chain
    size=$("$FFPROBE" -v error -select_streams v:0 -show_entries stream=width,height -of csv=p=0 "$gif")
    Q_W=${size%,*} Q_H=${size#*,}
    gif_frames=$(frame_count "$gif")
    Q_GIF_FRAMES=$gif_frames
    if [[ "$gif_frames" == "$clip_frames" ]]; then
        gif_chain="settb=1/($fps),setpts=N"
    else
        echo "  note: $tag has $gif_frames frames, the clip $clip_frames: resampled onto the clip's ${fps} fps grid to compare"
        gif_chain="fps=$fps:round=near,settb=1/($fps),setpts=N"
    fi
    local psnr_log="$logs/$tag.psnr.txt" ssim_log="$logs/$tag.ssim.txt" log="$logs/$tag.quality.log"
    if ! "$FFMPEG" -nostdin -v info -nostats -i "$gif" -i "$clip" -lavfi "\
[0:v]$gif_chain,format=rgb24,split[g1][g2];\
[1:v]settb=1/($fps),setpts=N,scale=$Q_W:$Q_H:flags=bicubic+accurate_rnd+full_chroma_int:in_color_matrix=bt709:in_range=tv,format=rgb24,split[r1][r2];\
[g1][r1]psnr=stats_file='$psnr_log':shortest=1[o1];[g2][r2]ssim=stats_file='$ssim_log':shortest=1[o2]" \
        -map "[o1]" -map "[o2]" -f null - >"$log" 2>&1; then
        echo "  quality check failed for $tag, see $log"
        Q_PSNR=n/a Q_SSIM=n/a Q_FRAMES=0
        return
    fi
    Q_PSNR=$(sed -n 's/.*PSNR .* average:\([0-9.inf]*\).*/\1/p' "$log" | tail -1)
    Q_SSIM=$(sed -n 's/.*SSIM .* All:\([0-9.]*\).*/\1/p' "$log" | tail -1)
    Q_FRAMES=$(wc -l <"$ssim_log" | tr -d ' ')
    [[ -n "$Q_PSNR" ]] || Q_PSNR=n/a
    [[ -n "$Q_SSIM" ]] || Q_SSIM=n/a
}
