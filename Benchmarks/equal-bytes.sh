#!/usr/bin/env bash
# Gifsmith against FFmpeg, gifsicle --lossy and ImageMagick at equal bytes: for each reference GIF
# (480 wide) it searches Gifsmith settings whose GIF lands within ±TOL% (5) of the reference's
# bytes, then scores both with quality() from lib.sh, as run.sh does (same reference chain, same frame pairing).
# Prints a table and writes Benchmarks/work/equal-bytes.csv. Measures; never asserts. See
# Benchmarks/README.md, "Equal-bytes comparison".
#
#   Benchmarks/equal-bytes.sh [--clips "pan1080 sky1080 mixed720"] [--lossy "30 80 200"] [--tol 5]
#                             [--width 480] [--no-alt]
#
#   --clips LIST   which clips (default: all three; made by make-clips.sh if missing)
#   --lossy LIST   gifsicle -O3 --lossy levels applied to FFmpeg's GIF (default "30 80 200")
#   --tol PCT      the byte tolerance in percent (default 5)
#   --width W      output width (default 480)
#   --no-alt       skip the second search (--lossy alone at 256 colours)
#
# Environment: GIFSMITH (binary, default .build/release/gifsmith), FFMPEG/FFPROBE (ffmpeg/ffprobe),
# GIFSICLE (gifsicle), CONVERT (ImageMagick 6 convert; default convert-im6.q16 if present, else convert),
# GIFSMITH_FROM (what the binary was built from, for the header; default: this checkout's commit).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

clip_names="pan1080 sky1080 mixed720"
gifsicle_levels="30 80 200"
tol=5
width=480
alt=1
while (($#)); do
    case "$1" in
        --clips) clip_names="$2"; shift ;;
        --lossy) gifsicle_levels="$2"; shift ;;
        --tol) tol="$2"; shift ;;
        --width) width="$2"; shift ;;
        --no-alt) alt=0 ;;
        -h|--help) sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "equal-bytes.sh: unknown argument '$1' (try --help)" >&2; exit 2 ;;
    esac
    shift
done

script=equal-bytes.sh
source Benchmarks/lib.sh
GIFSICLE="${GIFSICLE:-gifsicle}"
if [[ -z "${CONVERT:-}" ]]; then
    # Debian's ImageMagick 6 binary by its own name: a plain `convert` may be a wrapper earlier on PATH.
    if command -v convert-im6.q16 >/dev/null 2>&1; then CONVERT=convert-im6.q16; else CONVERT=convert; fi
fi

require_gifsmith
require_tools "ffmpeg, gifsicle, imagemagick" "$FFMPEG" "$FFPROBE" "$GIFSICLE" "$CONVERT"

work="$root/Benchmarks/work"
base="$work/equal-bytes"
out="$base/out"
logs="$base/logs"   # quality() writes its logs here
frames_dir="$base/frames"
rm -rf "$base"
mkdir -p "$out" "$logs"
csv="$work/equal-bytes.csv"
clips_dir=$(Benchmarks/make-clips.sh)
started=$(date +%s)

commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
if [[ -n "$(git status --porcelain 2>/dev/null)" ]]; then commit="$commit with uncommitted changes"; fi
echo "Equal bytes (±${tol}%): $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, $(uname -sr)"
echo "  gifsmith: $GIFSMITH ($("$GIFSMITH" --version 2>/dev/null | head -1 || echo 'no --version')), built from ${GIFSMITH_FROM:-checkout $commit}"
echo "  ffmpeg:   $("$FFMPEG" -version | head -1 | cut -d' ' -f1-3)"
echo "  gifsicle: $("$GIFSICLE" --version | head -1)"
echo "  convert:  $("$CONVERT" -version | head -1 | sed 's/^Version: //')"

echo "clip,width,clip_frames,ref_tool,ref_bytes,ref_psnr_db,ref_ssim,ref_gif_frames,ref_compared_frames,search,gifsmith_args,gifsmith_bytes,bytes_ratio,within_tol,gifsmith_psnr_db,gifsmith_ssim,gifsmith_gif_frames,gifsmith_compared_frames,ssim_higher,psnr_higher,encodes" >"$csv"

# ---- the references ----------------------------------------------------------------------------

ref_ffmpeg() { # CLIP GIF: run.sh's two-pass recipe
    local clip=$1 gif=$2 pal="$out/.palette.png"
    "$FFMPEG" -nostdin -v error -y -i "$clip" -vf "scale=$width:-1:flags=bicubic,palettegen" "$pal"
    "$FFMPEG" -nostdin -v error -y -i "$clip" -i "$pal" \
        -lavfi "scale=$width:-1:flags=bicubic[x];[x][1:v]paletteuse=dither=sierra2_4a" "$gif"
    rm -f "$pal"
}

ref_imagemagick() { # CLIP FPS GIF: FFmpeg extracts every frame as PNG (scaled, bicubic), convert makes the GIF
    local clip=$1 fps=$2 gif=$3 k n d args=()
    rm -rf "$frames_dir"
    mkdir -p "$frames_dir"
    "$FFMPEG" -nostdin -v error -y -i "$clip" -vf "scale=$width:-1:flags=bicubic" -fps_mode passthrough "$frames_dir/%04d.png"
    n=$(find "$frames_dir" -name '*.png' | wc -l)
    # GIF delays are whole centiseconds: frame k gets floor((k+1)*100/fps) - floor(k*100/fps), so
    # 30 fps plays 3, 3, 4, ... and the clip keeps its length (a flat -delay 3 would play at 33 fps).
    for ((k = 0; k < n; k++)); do
        d=$(awk -v k="$k" -v f="$fps" 'BEGIN { printf "%d", int((k + 1) * 100 / f + 1e-9) - int(k * 100 / f + 1e-9) }')
        args+=(-delay "$d" "$frames_dir/$(printf %04d $((k + 1))).png")
    done
    "$CONVERT" "${args[@]}" -loop 0 -layers Optimize "$gif"
    rm -rf "$frames_dir"
}

# ---- the Gifsmith search -----------------------------------------------------------------------
# A search family is an ordered list of settings whose bytes grow with the index; bisection on the
# index finds the entry nearest the target. Encodes are cached per clip (bytes do not depend on the
# reference), so later references of the same clip cost few new encodes.

family_size() {
    case "$1" in
        quality) echo 100 ;;
        stability) echo 10 ;;
        per-frame) echo 201 ;;
        unheld-lossy) echo 201 ;;
        lossy) echo 1001 ;;
    esac
}
family_args() { # FAMILY INDEX -> the extra gifsmith arguments
    local s=(10 8 6 5 4 3 2 1 0 off)
    case "$1" in
        quality) echo "--quality $(($2 + 1))" ;;                   # 1...100: colours and lossy together
        stability) echo "--stability ${s[$2]}" ;;                   # 10 = the default; lower/off = more bytes
        per-frame) echo "--palette per-frame --lossy $(((200 - $2) * 10))" ;;  # a local table per frame; lossy 2000...0
        unheld-lossy) echo "--stability 0 --lossy $(((200 - $2) * 5))" ;;     # only unchanged colours held; lossy 1000...0
        lossy) echo "--lossy $(((1000 - $2) * 10))" ;;             # 10000...0 at 256 colours
    esac
}

declare -A cache_bytes=()
declare -A cache_gif=()
encodes=0
# encode CLIP NAME FAMILY INDEX: sets E_BYTES and E_GIF (cached).
encode() {
    local clip=$1 name=$2 fam=$3 idx=$4 key="$3:$4" extra gif
    if [[ -n "${cache_bytes[$key]:-}" ]]; then
        E_BYTES=${cache_bytes[$key]} E_GIF=${cache_gif[$key]}
        return
    fi
    extra=$(family_args "$fam" "$idx")
    gif="$out/$name-gifsmith-$fam-$idx.gif"
    # shellcheck disable=SC2086  # extra is a word list on purpose
    if ! "$GIFSMITH" convert "$clip" -o "$gif" --width "$width" --dither sierra-2-4a --quiet $extra \
        >"$logs/$name-gifsmith-$fam-$idx.log" 2>&1; then
        echo "  gifsmith FAILED: $extra (see $logs/$name-gifsmith-$fam-$idx.log)" >&2
        E_BYTES=0 E_GIF=""
    else
        E_BYTES=$(stat -c %s "$gif") E_GIF=$gif
    fi
    encodes=$((encodes + 1))
    cache_bytes[$key]=$E_BYTES cache_gif[$key]=$gif
}

dist() { awk -v a="$1" -v t="$2" 'BEGIN { d = a / t - 1; if (d < 0) d = -d; printf "%.6f", d }'; }

# search CLIP NAME FAMILY TARGET: bisection; sets S_IDX (nearest entry evaluated), S_BYTES, S_GIF,
# S_IN (1 if within tolerance), S_EDGE (low/high when the target is outside the family's range).
search() {
    local clip=$1 name=$2 fam=$3 target=$4 lo hi mid n best="" bd d key
    n=$(family_size "$fam")
    lo=0 hi=$((n - 1)) S_EDGE=""
    encode "$clip" "$name" "$fam" "$hi"
    if ((E_BYTES > 0 && E_BYTES < target)); then S_EDGE=high; fi
    if ((n > 1)) && [[ -z "$S_EDGE" ]]; then
        encode "$clip" "$name" "$fam" "$lo"
        if ((E_BYTES > target)); then S_EDGE=low; fi
        if [[ -z "$S_EDGE" ]]; then
            while ((hi - lo > 1)); do
                mid=$(((lo + hi) / 2))
                encode "$clip" "$name" "$fam" "$mid"
                if ((E_BYTES < target)); then lo=$mid; else hi=$mid; fi
            done
        fi
    fi
    for key in "${!cache_bytes[@]}"; do # the nearest of everything this family has encoded
        [[ "$key" == "$fam:"* ]] || continue
        ((${cache_bytes[$key]} > 0)) || continue
        d=$(dist "${cache_bytes[$key]}" "$target")
        if [[ -z "$best" ]] || awk -v a="$d" -v b="$bd" 'BEGIN { exit !(a < b) }'; then best=${key#*:} bd=$d; fi
    done
    S_IDX=$best S_BYTES=${cache_bytes[$fam:$best]} S_GIF=${cache_gif[$fam:$best]}
    S_IN=$(awk -v d="$bd" -v t="$tol" 'BEGIN { print (d <= t / 100 + 1e-12) ? 1 : 0 }')
}

# ---- the comparison ----------------------------------------------------------------------------

rows="$base/rows.txt"
: >"$rows"
for name in $clip_names; do
    clip="$clips_dir/$name.mp4"
    if [[ ! -f "$clip" ]]; then
        echo "equal-bytes.sh: no clip '$name' in $clips_dir (known: pan1080 sky1080 mixed720)" >&2
        exit 2
    fi
    fps_frac=$("$FFPROBE" -v error -select_streams v:0 -show_entries stream=r_frame_rate -of csv=p=0 "$clip")
    fps=${fps_frac%/1}
    clip_frames=$(frame_count "$clip")
    cache_bytes=() cache_gif=()
    echo
    echo "$name: ${clip_frames} frames @ ${fps} fps -> width $width"

    # The references: tool, GIF.
    refs=()
    ref_ffmpeg "$clip" "$out/$name-ffmpeg.gif"
    refs+=("ffmpeg:$out/$name-ffmpeg.gif")
    for level in $gifsicle_levels; do
        "$GIFSICLE" -O3 --lossy="$level" "$out/$name-ffmpeg.gif" -o "$out/$name-gifsicle$level.gif"
        refs+=("gifsicle-lossy$level:$out/$name-gifsicle$level.gif")
    done
    ref_imagemagick "$clip" "$fps" "$out/$name-imagemagick.gif"
    refs+=("imagemagick:$out/$name-imagemagick.gif")

    for ref in "${refs[@]}"; do
        tool=${ref%%:*} ref_gif=${ref#*:}
        ref_bytes=$(stat -c %s "$ref_gif")
        quality "$ref_gif" "$clip" "$fps" "$clip_frames" "$name-$tool"
        r_psnr=$Q_PSNR r_ssim=$Q_SSIM r_gf=$Q_GIF_FRAMES r_cf=$Q_FRAMES

        # Primary search: --quality; past its ends, the settings that go further that way.
        before=$encodes
        search "$clip" "$name" quality "$ref_bytes"
        fam=quality
        if ((!S_IN)) && [[ "$S_EDGE" == high ]]; then
            search "$clip" "$name" stability "$ref_bytes"; fam=stability
            # Between two of its steps (0 and 1 lie far apart: at 1 the stabilizer's second rule starts
            # holding pixels), lossy LZW on top of step 0 fills the gap; past its top, per-frame
            # palettes reach further.
            if ((!S_IN)) && [[ -z "$S_EDGE" ]]; then search "$clip" "$name" unheld-lossy "$ref_bytes"; fam=unheld-lossy; fi
            if ((!S_IN)) && [[ "$S_EDGE" == high ]]; then search "$clip" "$name" per-frame "$ref_bytes"; fam=per-frame; fi
        elif ((!S_IN)) && [[ "$S_EDGE" == low ]]; then
            search "$clip" "$name" lossy "$ref_bytes"; fam=lossy
        fi
        searches=("$fam:$S_IDX:$S_BYTES:$S_GIF:$S_IN:$((encodes - before))")
        # Second search: --lossy alone at 256 colours, for references below the default's bytes.
        if ((alt)) && [[ "$fam" != lossy ]]; then
            before=$encodes
            encode "$clip" "$name" lossy 1000
            if ((ref_bytes < E_BYTES * (100 + tol) / 100)); then
                p_bytes=$S_BYTES
                search "$clip" "$name" lossy "$ref_bytes"
                # The same bytes as the primary's pick is the same GIF (lossy 0 = --quality 90...100).
                ((S_BYTES == p_bytes)) || searches+=("lossy:$S_IDX:$S_BYTES:$S_GIF:$S_IN:$((encodes - before))")
            fi
        fi

        kind=primary
        for s in "${searches[@]}"; do
            IFS=: read -r fam idx g_bytes g_gif g_in n_enc <<<"$s"
            extra=$(family_args "$fam" "$idx")
            quality "$g_gif" "$clip" "$fps" "$clip_frames" "$name-gifsmith-$fam-$idx"
            ratio=$(awk -v a="$g_bytes" -v b="$ref_bytes" 'BEGIN { printf "%.3f", a / b }')
            within=$( ((g_in)) && echo yes || echo "NO")
            higher=$(awk -v a="$Q_SSIM" -v b="$r_ssim" 'BEGIN { print (a + 0 > b + 0) ? "yes" : "no" }')
            phigher=$(awk -v a="$Q_PSNR" -v b="$r_psnr" 'BEGIN { print (a + 0 > b + 0) ? "yes" : "no" }')
            args="--width $width --dither sierra-2-4a $extra"
            echo "$name,$width,$clip_frames,$tool,$ref_bytes,$r_psnr,$r_ssim,$r_gf,$r_cf,$kind,$args,$g_bytes,$ratio,$within,$Q_PSNR,$Q_SSIM,$Q_GIF_FRAMES,$Q_FRAMES,$higher,$phigher,$n_enc" >>"$csv"
            printf '%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s\n' "$name" "$tool" "$ref_bytes" "$r_ssim" "$r_psnr" \
                "$g_bytes" "$ratio" "$within" "$Q_SSIM" "$Q_PSNR" "$extra" "$higher" "$kind" >>"$rows"
            printf '  %-18s %10s  SSIM %.4f  PSNR %6.2f | gifsmith %-22s %10s (%s%s)  SSIM %.4f  PSNR %6.2f  higher SSIM: %s\n' \
                "$tool" "$ref_bytes" "$r_ssim" "$r_psnr" "$extra" "$g_bytes" "$ratio" "$( ((g_in)) || echo ', OUTSIDE ±'"$tol"'%')" \
                "$Q_SSIM" "$Q_PSNR" "$higher"
            kind=alternative
        done
    done
    # Only the GIFs that were compared are kept.
    find "$out" -name "$name-gifsmith-*.gif" -print0 | while IFS= read -r -d '' f; do
        [[ -f "$logs/$(basename "$f" .gif).ssim.txt" ]] || rm -f "$f"
    done
done

# ---- the table ---------------------------------------------------------------------------------
echo
echo "Equal bytes (±${tol}%), width $width: PSNR in dB, SSIM as run.sh measures them"
echo
echo "| clip | reference | ref bytes | ref SSIM | ref PSNR | Gifsmith bytes (ratio) | Gifsmith SSIM | Gifsmith PSNR | Gifsmith arguments | higher SSIM |"
echo "|---|---|---|---|---|---|---|---|---|---|"
awk -F'|' -v tol="$tol" '
    function commas(n,   s, r) { s = sprintf("%d", n); r = ""; while (length(s) > 3) { r = "," substr(s, length(s) - 2) r; s = substr(s, 1, length(s) - 3) } return s r }
    {
        within = ($8 == "yes") ? "" : ", outside ±" tol "%"
        p = ($13 == "primary")
        printf "| %s | %s | %s | %s | %s | %s (%s%s) | %.4f | %.2f | `%s`%s | %s |\n",
            p ? $1 : "", p ? $2 : "", p ? commas($3) : "", p ? sprintf("%.4f", $4) : "", p ? sprintf("%.2f", $5) : "", commas($6), $7, within, $9, $10, $11, ($13 == "primary") ? "" : " (alt.)", ($8 == "yes") ? $12 : $12 " (bytes not matched)"
    }' "$rows"
echo
echo "Gifsmith arguments are added to: gifsmith convert CLIP -o OUT.gif --width $width --dither sierra-2-4a --quiet"
echo "CSV: $csv  ($encodes Gifsmith encodes, $(($(date +%s) - started)) s)"
