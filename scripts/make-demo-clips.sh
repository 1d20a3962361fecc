#!/bin/sh
# Regenerate the demo clips in cpe_core/static/video (committed; run only to change them).
# Needs an ffmpeg with libvpx: the system's, or the one the imageio-ffmpeg wheel ships
# (pip install imageio-ffmpeg; python -c "import imageio_ffmpeg; print(imageio_ffmpeg.get_ffmpeg_exe())").
set -eu
FFMPEG=${FFMPEG:-ffmpeg}
OUT="$(dirname "$0")/../cpe_core/static/video"
# 180 s (longer than any demo chapter: the player stops at the chapter's own length), ~180 KB.
"$FFMPEG" -loglevel error -y -f lavfi -i "testsrc=size=320x180:rate=2" -t 180 -c:v libvpx -b:v 8k -crf 40 -g 20 -an "$OUT/demo-lesson.webm"
# 5 s course preview (试看), ~30 KB.
"$FFMPEG" -loglevel error -y -f lavfi -i "testsrc=size=320x180:rate=10" -t 5 -c:v libvpx -b:v 50k -an "$OUT/demo-preview.webm"
