#!/usr/bin/env bash
# Makes the benchmark clips in Benchmarks/work/clips/ (git-ignored) from real photographs
# (scikit-image's public-domain/CC0 images, see scripts/photos.sh). Clips already there are
# reused; delete the folder to remake them. Prints the folder.
#   pan1080      1920x1080 30 fps 5 s: slow pan+zoom across motorcycle_left, cross-faded to chelsea
#   sky1080      1920x1080 30 fps 5 s: smooth dim-blue-to-orange sky drifting, with a rising rocket
#                photo over it (large smooth gradients: banding shows)
#   mixed720     1280x720  30 fps 5 s: pan across coffee, cross-faded to a pan across astronaut
#   pan1080-20s  pan1080 looped four times (20 s), for the memory-versus-length check
# All H.264 yuv420p tagged bt709, libx264 -preset medium -crf 20.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
clips="$root/Benchmarks/work/clips"
mkdir -p "$clips"
photos=$("$root/scripts/photos.sh")

x264=(-c:v libx264 -preset medium -crf 20 -pix_fmt yuv420p
      -color_primaries bt709 -color_trc bt709 -colorspace bt709 -color_range tv -movflags +faststart)

# Writes to a temporary name first so an interrupted run never leaves a half clip to be reused.
make_clip() {
    local name=$1; shift
    local out="$clips/$name.mp4"
    if [[ -s "$out" ]]; then return; fi
    echo "make-clips: $name" >&2
    ffmpeg -v error -y "$@" "${x264[@]}" "$clips/.$name.tmp.mp4"
    mv "$clips/.$name.tmp.mp4" "$out"
}

# Photos are upscaled to 2x the output width before zoompan: zoompan crops on whole input
# pixels, so a finer input grid makes the slow pan move in half-pixel steps instead of juddering.
make_clip pan1080 \
    -loop 1 -i "$photos/motorcycle_left.png" -loop 1 -i "$photos/chelsea.png" \
    -filter_complex "\
[0:v]scale=3840:-2:flags=lanczos,zoompan=z='1.05+0.0012*on':x='iw/2-(iw/zoom/2)+on*1.6-120':y='ih/2-(ih/zoom/2)+on*0.3':d=1:s=1920x1080:fps=30,trim=end_frame=100,setsar=1[a];\
[1:v]scale=3840:-2:flags=lanczos,zoompan=z='1.30-0.0015*on':x='iw/2-(iw/zoom/2)':y='ih/2-(ih/zoom/2)-on*0.8':d=1:s=1920x1080:fps=30,trim=end_frame=80,setsar=1[b];\
[a][b]xfade=transition=fade:duration=1:offset=2.333333,trim=end_frame=150,format=yuv420p[v]" \
    -map "[v]" -r 30

# The sky: one tall gradient frame rendered once (geq is per-pixel slow), then a crop window
# drifting down it; the rocket photo rises slowly across it in a small window.
sky_png="$clips/.sky-gradient.png"
if [[ ! -s "$clips/sky1080.mp4" ]]; then
    ffmpeg -v error -y -f lavfi -i "color=c=black:s=1920x1400:d=1,format=gbrp" -frames:v 1 \
        -vf "geq=r='12+(230-12)*pow(Y/H,1.6)':g='22+(140-22)*pow(Y/H,2.2)':b='70+(60-70)*Y/H+50*sin(3.14159*Y/H)*(1-Y/H)'" \
        -pix_fmt rgb24 "$sky_png"
fi
make_clip sky1080 \
    -loop 1 -framerate 30 -i "$sky_png" -loop 1 -framerate 30 -i "$photos/rocket.jpg" \
    -filter_complex "\
[0:v]crop=1920:1080:0:'40+t*30',setsar=1[sky];\
[1:v]scale=480:-2:flags=lanczos,format=rgba,colorchannelmixer=aa=0.9[r];\
[sky][r]overlay=x='1300+t*12':y='620-t*60':format=rgb,trim=end_frame=150,format=yuv420p[v]" \
    -map "[v]" -r 30
rm -f "$sky_png"

make_clip mixed720 \
    -loop 1 -i "$photos/coffee.png" -loop 1 -i "$photos/astronaut.png" \
    -filter_complex "\
[0:v]scale=2560:-2:flags=lanczos,zoompan=z='1.0+0.0015*on':x='iw/2-(iw/zoom/2)+on*1.2':y='ih/2-(ih/zoom/2)':d=1:s=1280x720:fps=30,trim=end_frame=95,setsar=1[a];\
[1:v]scale=2560:-2:flags=lanczos,zoompan=z='1.25-0.002*on':x='iw/2-(iw/zoom/2)':y='ih/3-(ih/zoom/2)+on*1.0':d=1:s=1280x720:fps=30,trim=end_frame=85,setsar=1[b];\
[a][b]xfade=transition=fade:duration=1:offset=2.166667,trim=end_frame=150,format=yuv420p[v]" \
    -map "[v]" -r 30

# Stream copy: the 20 s clip has exactly the same frames as the 5 s one, four times.
if [[ ! -s "$clips/pan1080-20s.mp4" ]]; then
    echo "make-clips: pan1080-20s" >&2
    ffmpeg -v error -y -stream_loop 3 -i "$clips/pan1080.mp4" -c copy -movflags +faststart "$clips/.pan1080-20s.tmp.mp4"
    mv "$clips/.pan1080-20s.tmp.mp4" "$clips/pan1080-20s.mp4"
fi

echo "$clips"
