#!/usr/bin/env bash
# Makes Samples/sample.mp4: 4 s, 640x360, 25 fps H.264 of two real photographs (scikit-image's
# CC0/public-domain "coffee" and "astronaut") with a slow pan and zoom and a cross-fade.
set -euo pipefail
cd "$(dirname "$0")/.."
photos=$(scripts/photos.sh)
ffmpeg -v error -y \
    -loop 1 -i "$photos/coffee.png" -loop 1 -i "$photos/astronaut.png" \
    -filter_complex "\
[0:v]scale=1280:-2,zoompan=z='1.0+0.0015*on':x='iw/2-(iw/zoom/2)+on*0.6':y='ih/2-(ih/zoom/2)':d=1:s=640x360:fps=25,trim=end_frame=60,setsar=1[a];\
[1:v]scale=1280:-2,zoompan=z='1.25-0.002*on':x='iw/2-(iw/zoom/2)':y='ih/3-(ih/zoom/2)+on*0.5':d=1:s=640x360:fps=25,trim=end_frame=60,setsar=1[b];\
[a][b]xfade=transition=fade:duration=0.8:offset=1.6,format=yuv420p[v]" \
    -map "[v]" -c:v libx264 -preset slow -crf 24 -movflags +faststart -color_primaries bt709 -color_trc bt709 -colorspace bt709 \
    Samples/sample.mp4
ls -l Samples/sample.mp4
