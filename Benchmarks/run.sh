#!/usr/bin/env bash
# Gifsmith `convert` against FFmpeg's two-pass palettegen+paletteuse on the same clips, in one run:
# wall time, peak memory, output bytes, PSNR and SSIM against the source frames. Prints a table per
# clip and size and writes Benchmarks/work/results.csv. Measures; never asserts. See Benchmarks/README.md.
#
#   Benchmarks/run.sh [--quick] [--runs N] [--clips "pan1080 sky1080 mixed720"] [--small-only] [--keep]
#
#   --quick        one run per measurement instead of three
#   --runs N       best of N runs (default 3); a run longer than REPEAT_CAP seconds (default 30) is not
#                  repeated: its noise is small next to its length, and it keeps the whole run short
#   --clips LIST   which clips (default: all three)
#   --small-only   only the 480-wide size (skip full size and the memory check)
#   --keep         keep the full-size GIFs (hundreds of MB) under Benchmarks/work/out
#
# Environment: GIFSMITH (binary, default .build/release/gifsmith), GIFSMITH_ARGS (extra convert
# arguments, e.g. "--backend cpu"), FFMPEG/FFPROBE (default ffmpeg/ffprobe on PATH), REPEAT_CAP.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

runs=3
clip_names="pan1080 sky1080 mixed720"
small_only=0
keep=0
while (($#)); do
    case "$1" in
        --quick) runs=1 ;;
        --runs) runs="$2"; shift ;;
        --clips) clip_names="$2"; shift ;;
        --small-only) small_only=1 ;;
        --keep) keep=1 ;;
        -h|--help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "run.sh: unknown argument '$1' (try --help)" >&2; exit 2 ;;
    esac
    shift
done

script=run.sh
source Benchmarks/lib.sh
GIFSMITH_ARGS="${GIFSMITH_ARGS:-}"
REPEAT_CAP="${REPEAT_CAP:-30}"
require_gifsmith
require_tools ffmpeg "$FFMPEG" "$FFPROBE"
# Peak RSS needs GNU time; the shell keyword cannot report memory. Not installed here on purpose.
gnu_time=""
if [[ -x /usr/bin/time ]] && /usr/bin/time -f %M -o /dev/null true 2>/dev/null; then
    gnu_time=/usr/bin/time
else
    echo "run.sh: GNU time not found (Debian package 'time'): peak memory will read n/a." >&2
fi

work="$root/Benchmarks/work"
out="$work/out"
logs="$work/logs"
# Old GIFs and logs would pass for this run's if a tool failed.
rm -rf "$out" "$logs"
mkdir -p "$out" "$logs"
csv="$work/results.csv"
clips_dir=$(Benchmarks/make-clips.sh)

cores=$(nproc)
cpu=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo 2>/dev/null || true)
echo "Gifsmith vs FFmpeg: $(date -u '+%Y-%m-%d %H:%M UTC'), ${cores} cores (${cpu:-unknown CPU}), $(uname -sr)"
echo "  gifsmith: $GIFSMITH $GIFSMITH_ARGS ($("$GIFSMITH" --version 2>/dev/null | head -1 || echo 'no --version'))"
echo "  ffmpeg:   $("$FFMPEG" -version | head -1 | cut -d' ' -f1-3)"
echo "  best of $runs run(s); runs over ${REPEAT_CAP} s are not repeated; both tools use their default thread count"

echo "check,clip,width,gif_width,gif_height,clip_frames,tool,runs,seconds,seconds_pass1,seconds_pass2,speedup_vs_ffmpeg,bytes,bytes_vs_ffmpeg,psnr_db,ssim,peak_rss_mb,gif_frames,compared_frames" > "$csv"

# ---- measuring ---------------------------------------------------------------------------------

# timed LOG CMD...: runs CMD once with its output in LOG; sets T_SEC (wall seconds) and T_RSS (peak
# RSS in MB, or n/a). Returns CMD's status.
timed() {
    local log=$1; shift
    local rss_file="$log.rss" status=0 start end
    start=$(date +%s%N)
    if [[ -n "$gnu_time" ]]; then
        "$gnu_time" -f %M -o "$rss_file" "$@" >"$log" 2>&1 || status=$?
    else
        "$@" >"$log" 2>&1 || status=$?
    fi
    end=$(date +%s%N)
    T_SEC=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.3f", (b - a) / 1e9 }')
    T_RSS=n/a
    if [[ -n "$gnu_time" && -s "$rss_file" ]]; then
        T_RSS=$(awk '/^[0-9]+$/ { printf "%.1f", $1 / 1024 }' "$rss_file" | tail -1)
        [[ -n "$T_RSS" ]] || T_RSS=n/a
    fi
    rm -f "$rss_file"
    return $status
}

max_rss() { # the larger of two RSS values, n/a-aware
    awk -v a="$1" -v b="$2" 'BEGIN { if (a == "n/a") print b; else if (b == "n/a" || a + 0 >= b + 0) print a; else print b }'
}

# One gifsmith run: sets R_SEC R_P1 R_P2 R_RSS R_OK.
run_gifsmith() {
    local clip=$1 width=$2 gif=$3 tag=$4
    R_OK=1 R_LOGS="$logs/$tag.gifsmith.log"
    # shellcheck disable=SC2086  # GIFSMITH_ARGS is a word list on purpose
    timed "$logs/$tag.gifsmith.log" "$GIFSMITH" convert "$clip" -o "$gif" --width "$width" \
        --dither sierra-2-4a --quiet $GIFSMITH_ARGS || R_OK=0
    R_SEC=$T_SEC R_P1="" R_P2="" R_RSS=$T_RSS
}

# One FFmpeg two-pass run (the usual recipe): time is both passes, memory the larger of the two.
run_ffmpeg() {
    local clip=$1 width=$2 gif=$3 tag=$4
    local pal="$out/$tag.palette.png"
    R_OK=1 R_LOGS="$logs/$tag.ffmpeg-pass1.log"
    timed "$logs/$tag.ffmpeg-pass1.log" "$FFMPEG" -nostdin -v error -y -i "$clip" \
        -vf "scale=$width:-1:flags=bicubic,palettegen" "$pal" || R_OK=0
    R_P1=$T_SEC
    local rss1=$T_RSS
    if ((R_OK)); then
        R_LOGS="$R_LOGS $logs/$tag.ffmpeg-pass2.log"
        timed "$logs/$tag.ffmpeg-pass2.log" "$FFMPEG" -nostdin -v error -y -i "$clip" -i "$pal" \
            -lavfi "scale=$width:-1:flags=bicubic[x];[x][1:v]paletteuse=dither=sierra2_4a" "$gif" || R_OK=0
        R_P2=$T_SEC
    else
        T_SEC=0 T_RSS=n/a R_P2=""
    fi
    R_SEC=$(awk -v a="$R_P1" -v b="$T_SEC" 'BEGIN { printf "%.3f", a + b }')
    R_RSS=$(max_rss "$rss1" "$T_RSS")
    rm -f "$pal"
}


# ---- the comparison ----------------------------------------------------------------------------

print_table() { # rows in $rows_file: tool runs sec p1 p2 bytes psnr ssim rss compared w h gif_frames
    local title=$1 rows_file=$2 ff_sec ff_bytes
    ff_sec=$(awk '$1 == "ffmpeg" { print $3 }' "$rows_file")
    ff_bytes=$(awk '$1 == "ffmpeg" { print $6 }' "$rows_file")
    echo
    echo "$title"
    printf '  %-9s %4s %9s %8s %13s %7s %8s %7s %8s %10s %7s %10s\n' \
        tool runs seconds speed bytes ratio "PSNR dB" SSIM "peak MB" compared "GIF" size
    printf '  %-9s %4s %9s %8s %13s %7s %8s %7s %8s %10s %7s %10s\n' \
        "" "" "" "(ff/x)" "" "(x/ff)" "" "" "" "frames" "frames" ""
    awk -v ffs="$ff_sec" -v ffb="$ff_bytes" -v cf="$clip_frames" '
        function ratio(a, b) { return (a == "" || b == "" || a + 0 == 0 || a == "n/a" || b == "n/a") ? "n/a" : sprintf("%.2f", b / a) }
        function commas(n,   s, r) { s = sprintf("%d", n); r = ""; while (length(s) > 3) { r = "," substr(s, length(s) - 2) r; s = substr(s, 1, length(s) - 3) } return s r }
        {
            speed = ($3 == "n/a") ? "n/a" : ratio($3, ffs) "x"
            bratio = ($6 == "n/a") ? "n/a" : ratio(ffb, $6)
            bytes = ($6 == "n/a") ? "n/a" : commas($6)
            psnr = ($7 == "n/a" || $7 == "inf") ? $7 : sprintf("%.2f", $7)
            ssim = ($8 == "n/a") ? $8 : sprintf("%.4f", $8)
            printf "  %-9s %4s %9s %8s %13s %7s %8s %7s %8s %10s %7s %10s\n", $1, $2, $3, speed, bytes, bratio, psnr, ssim, $9, $10 "/" cf, $13, $11 "x" $12
        }' "$rows_file"
}

any_failed=0
for name in $clip_names; do
    clip="$clips_dir/$name.mp4"
    if [[ ! -f "$clip" ]]; then
        echo "run.sh: no clip '$name' in $clips_dir (known: pan1080 sky1080 mixed720)" >&2
        exit 2
    fi
    read -r clip_w fps_frac < <("$FFPROBE" -v error -select_streams v:0 -show_entries stream=width,r_frame_rate \
        -of csv=p=0 "$clip" | tr ',' ' ')
    fps=${fps_frac%/1}
    clip_frames=$(frame_count "$clip")
    widths=480
    if ((!small_only)) && ((clip_w != 480)); then widths="480 $clip_w"; fi

    for width in $widths; do
        rows_file="$work/.rows"
        : >"$rows_file"
        declare -A best_sec=() best_p1=() best_p2=() peak=() done_runs=() failed=()
        for tool in gifsmith ffmpeg; do
            best_sec[$tool]="" peak[$tool]=n/a done_runs[$tool]=0 failed[$tool]=0
        done
        # The tools alternate run by run, so a burst of load from elsewhere hits both alike.
        for ((r = 1; r <= runs; r++)); do
            for tool in gifsmith ffmpeg; do
                ((failed[$tool])) && continue
                if ((r > 1)); then
                    # Not repeated: a long run's noise is small next to its length.
                    awk -v s="${best_sec[$tool]}" -v cap="$REPEAT_CAP" 'BEGIN { exit !(s > cap) }' && continue
                fi
                tag="$name-$width-$tool"
                gif="$out/$tag.gif"
                "run_$tool" "$clip" "$width" "$gif" "$tag"
                if ((!R_OK)); then
                    echo "  $tool FAILED on $name at width $width; log: $R_LOGS"
                    tail -n 5 $R_LOGS | sed 's/^/    /' || true
                    failed[$tool]=1
                    any_failed=1
                    continue
                fi
                done_runs[$tool]=$r
                peak[$tool]=$(max_rss "${peak[$tool]}" "$R_RSS")
                if [[ -z "${best_sec[$tool]}" ]] || awk -v a="$R_SEC" -v b="${best_sec[$tool]}" 'BEGIN { exit !(a < b) }'; then
                    best_sec[$tool]=$R_SEC best_p1[$tool]=$R_P1 best_p2[$tool]=$R_P2
                fi
            done
        done
        for tool in gifsmith ffmpeg; do
            tag="$name-$width-$tool"
            gif="$out/$tag.gif"
            if ((failed[$tool])); then
                echo "$tool 0 n/a - - n/a n/a n/a n/a 0 ? ? n/a" >>"$rows_file"
                echo "compare,$name,$width,,,$clip_frames,$tool,0,,,,,,,,,,," >>"$csv"
                continue
            fi
            bytes=$(stat -c %s "$gif")
            quality "$gif" "$clip" "$fps" "$clip_frames" "$tag"
            echo "$tool ${done_runs[$tool]} ${best_sec[$tool]} ${best_p1[$tool]:--} ${best_p2[$tool]:--} $bytes $Q_PSNR $Q_SSIM ${peak[$tool]} $Q_FRAMES $Q_W $Q_H $Q_GIF_FRAMES" >>"$rows_file"
            if ((!keep)) && ((width != 480)); then rm -f "$gif"; fi
        done
        print_table "$name  ${clip_w}px ${clip_frames} frames @ ${fps} fps  ->  width $width" "$rows_file"
        awk -v name="$name" -v width="$width" -v cf="$clip_frames" '
            $1 == "ffmpeg" { ffs = $3; ffb = $6 } { row[NR] = $0 }
            END {
                for (i = 1; i <= NR; i++) {
                    split(row[i], f, " ")
                    if (f[3] == "n/a") continue
                    sp = (ffs != "" && ffs != "n/a" && f[3] > 0) ? sprintf("%.3f", ffs / f[3]) : ""
                    br = (ffb != "" && ffb != "n/a" && ffb > 0) ? sprintf("%.4f", f[6] / ffb) : ""
                    p1 = (f[4] == "-") ? "" : f[4]; p2 = (f[5] == "-") ? "" : f[5]
                    printf "compare,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s\n",
                        name, width, f[11], f[12], cf, f[1], f[2], f[3], p1, p2, sp, f[6], br, f[7], f[8], f[9], f[13], f[10]
                }
            }' "$rows_file" >>"$csv"
        rm -f "$rows_file"
        unset best_sec best_p1 best_p2 peak done_runs failed
    done
done

# ---- memory against clip length ----------------------------------------------------------------
# The same 1080p clip, 5 s and looped to 20 s, converted at full size: frames stream through, so peak
# memory should not grow with the length (a tool that buffered the clip would need ~4x).
if ((!small_only)); then
    echo
    echo "Memory against clip length (gifsmith, full size, one run each)"
    printf '  %-14s %7s %9s %9s %13s\n' clip frames seconds "peak MB" bytes
    for name in pan1080 pan1080-20s; do
        clip="$clips_dir/$name.mp4"
        frames=$(frame_count "$clip")
        width=$("$FFPROBE" -v error -select_streams v:0 -show_entries stream=width -of csv=p=0 "$clip")
        tag="memory-$name"
        gif="$out/$tag.gif"
        if run_gifsmith "$clip" "$width" "$gif" "$tag" && ((R_OK)); then
            bytes=$(stat -c %s "$gif")
            printf '  %-14s %7s %9s %9s %13s\n' "$name" "$frames" "$R_SEC" "$R_RSS" "$bytes"
            echo "memory,$name,$width,,,$frames,gifsmith,1,$R_SEC,,,,$bytes,,,,$R_RSS,," >>"$csv"
        else
            echo "  gifsmith FAILED on $name; its log: $logs/$tag.gifsmith.log"
            any_failed=1
            printf '  %-14s %7s %9s %9s %13s\n' "$name" "$frames" FAILED n/a n/a
        fi
        rm -f "$gif"
    done
fi

echo
echo "CSV: $csv"
if ((any_failed)); then
    echo "run.sh: some runs FAILED (see above); their rows are empty" >&2
    exit 1
fi
