#!/usr/bin/env bash
# Batch throughput: `gifsmith batch` over a folder of short realistic clips against a shell loop
# over FFmpeg's two-pass palettegen+paletteuse on the same clips at the same output sizes, in one
# run. Prints clips per minute, frames per second and the ratio. Measures; never asserts.
#
#   Benchmarks/batch.sh [--width W] [--jobs N] [--ffmpeg-parallel]
#
#   --width W           scale every clip to W wide (height keeps the aspect); default: each clip at
#                       its own size (the clips are 640x360 and 1280x720)
#   --jobs N            gifsmith batch --jobs (default: 2; each job gets cores/jobs threads)
#   --ffmpeg-parallel   also time the FFmpeg loop with one clip per core (xargs -P), the fairest
#                       FFmpeg setup on a many-clip job
#
# The 12 clips (Benchmarks/work/batch-clips/, made once and reused): 2 s cuts from the start and
# the middle of each make-clips.sh clip (pan1080, sky1080, mixed720: real photographs panned and
# cross-faded), at 640x360 and at 1280x720, libx264 -preset medium -crf 20, 30 fps, BT.709.
# Environment: GIFSMITH (default .build/release/gifsmith), FFMPEG, FFPROBE.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

width=""
jobs=2
ff_parallel=0
while (($#)); do
    case "$1" in
        --width) width="$2"; shift ;;
        --jobs) jobs="$2"; shift ;;
        --ffmpeg-parallel) ff_parallel=1 ;;
        -h|--help) sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "batch.sh: unknown argument '$1' (try --help)" >&2; exit 2 ;;
    esac
    shift
done

script=batch.sh
source Benchmarks/lib.sh
require_gifsmith

work="$root/Benchmarks/work"
clips="$work/batch-clips"
mkdir -p "$clips"
sources=$(Benchmarks/make-clips.sh)

x264=(-c:v libx264 -preset medium -crf 20 -pix_fmt yuv420p
      -color_primaries bt709 -color_trc bt709 -colorspace bt709 -color_range tv)
for src in pan1080 sky1080 mixed720; do
    for start in 0 2.5; do
        for size in 640x360 1280x720; do
            name="$src-at${start/./_}s-${size#*x}p"
            out="$clips/$name.mp4"
            [[ -s "$out" ]] && continue
            echo "batch.sh: making $name" >&2
            "$FFMPEG" -nostdin -v error -y -ss "$start" -t 2 -i "$sources/$src.mp4" \
                -vf "scale=$size:flags=lanczos" "${x264[@]}" "$clips/.$name.tmp.mp4"
            mv "$clips/.$name.tmp.mp4" "$out"
        done
    done
done
mapfile -t list < <(ls "$clips"/*.mp4 | sort)
count=${#list[@]}
frames=0
for c in "${list[@]}"; do
    n=$(frame_count "$c")
    frames=$((frames + n))
done

now() { date +%s.%N; }
rate() { awk -v n="$1" -v s="$2" -v k="$3" 'BEGIN { printf "%.1f", n * k / s }'; }

out="$work/batch-out"
rm -rf "$out"
mkdir -p "$out/gifsmith" "$out/ffmpeg" "$out/ffmpeg-par"
scale_args=()
ff_scale="scale=iw:ih:flags=bicubic"
if [[ -n "$width" ]]; then
    scale_args=(--width "$width")
    ff_scale="scale=$width:-1:flags=bicubic"
fi

cores=$(nproc)
echo "Batch throughput: $(date -u '+%Y-%m-%d %H:%M UTC'), $cores cores ($(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)), $(uname -sr)"
if [[ -n "$width" ]]; then size_text="width $width"; else size_text="each clip at its own size"; fi
echo "  $count clips, $frames frames, output $size_text, gifsmith's defaults (sierra-2-4a, scene palettes, stability 10)"
echo "  gifsmith: $GIFSMITH batch --jobs $jobs; ffmpeg: $("$FFMPEG" -version | head -1 | cut -d' ' -f1-3), two passes per clip in a shell loop"

# One gifsmith process for the whole folder.
t0=$(now)
set +e
"$GIFSMITH" batch "$clips" -o "$out/gifsmith" --jobs "$jobs" --force -q --json --dither sierra-2-4a "${scale_args[@]}" \
    > "$out/gifsmith.json" 2> "$out/gifsmith.log"
status=$?
set -e
t1=$(now)
g_sec=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
if ((status != 0)); then echo "batch.sh: gifsmith batch failed ($status); see $out/gifsmith.log" >&2; exit 1; fi

# The usual recipe, one clip after another, as a shell script would run it.
ff_one() { # clip outdir
    local c=$1 dir=$2 name
    name=$(basename "$c" .mp4)
    "$FFMPEG" -nostdin -v error -y -i "$c" -vf "$ff_scale,palettegen" "$dir/$name.png" &&
    "$FFMPEG" -nostdin -v error -y -i "$c" -i "$dir/$name.png" \
        -lavfi "$ff_scale[x];[x][1:v]paletteuse=dither=sierra2_4a" "$dir/$name.gif" &&
    rm -f "$dir/$name.png"
}
t0=$(now)
for c in "${list[@]}"; do ff_one "$c" "$out/ffmpeg"; done
t1=$(now)
f_sec=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')

p_sec=""
if ((ff_parallel)); then
    export -f ff_one
    export FFMPEG ff_scale
    t0=$(now)
    printf '%s\n' "${list[@]}" | xargs -P "$cores" -I{} bash -c 'ff_one "$1" "$2"' _ {} "$out/ffmpeg-par"
    t1=$(now)
    p_sec=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
fi

g_n=$(find "$out/gifsmith" -name '*.gif' | wc -l)
f_n=$(find "$out/ffmpeg" -name '*.gif' | wc -l)
if ((g_n != count || f_n != count)); then
    echo "batch.sh: expected $count GIFs from each tool, got gifsmith $g_n, ffmpeg $f_n" >&2
    exit 1
fi
g_bytes=$(cat "$out"/gifsmith/*.gif | wc -c)
f_bytes=$(cat "$out"/ffmpeg/*.gif | wc -c)

printf '\n%-28s %9s %11s %9s %12s %9s\n' "tool" "seconds" "clips/min" "frames/s" "MB out" "speed"
row() { printf '%-28s %9s %11s %9s %12s %9s\n' "$1" "$2" "$(rate "$count" "$2" 60)" "$(rate "$frames" "$2" 1)" "$3" "$4"; }
row "gifsmith batch --jobs $jobs" "$g_sec" "$(awk -v b="$g_bytes" 'BEGIN { printf "%.1f", b / 1e6 }')" \
    "$(awk -v f="$f_sec" -v g="$g_sec" 'BEGIN { printf "%.1fx", f / g }')"
row "ffmpeg two-pass, loop" "$f_sec" "$(awk -v b="$f_bytes" 'BEGIN { printf "%.1f", b / 1e6 }')" "1.0x"
if [[ -n "$p_sec" ]]; then
    row "ffmpeg two-pass, xargs -P $cores" "$p_sec" "" "$(awk -v f="$f_sec" -v p="$p_sec" 'BEGIN { printf "%.1fx", f / p }')"
    echo "gifsmith vs the parallel FFmpeg loop: $(awk -v p="$p_sec" -v g="$g_sec" 'BEGIN { printf "%.1fx", p / g }')"
fi
echo "speed = the FFmpeg loop's seconds over each row's (the issue's target for gifsmith batch: >= 8x)"
