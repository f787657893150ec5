#ifndef GIFSMITH_CFFMPEG_SHIM_H
#define GIFSMITH_CFFMPEG_SHIM_H
#include <libavformat/avformat.h>
#include <libavcodec/avcodec.h>
#include <libavutil/avutil.h>
#include <libavutil/imgutils.h>
#include <libavutil/pixdesc.h>
#include <libavutil/display.h>
#include <libavutil/error.h>
#include <libswscale/swscale.h>

// Swift cannot import function-like macros; these wrap the ones we need.
static inline int gs_averror(int e) { return AVERROR(e); }
static inline int gs_averror_eof(void) { return AVERROR_EOF; }
static inline int gs_averror_eagain(void) { return AVERROR(EAGAIN); }
static inline long long gs_av_nopts_value(void) { return (long long)AV_NOPTS_VALUE; }
static inline int gs_av_time_base(void) { return AV_TIME_BASE; }
static inline int gs_averror_invaliddata(void) { return AVERROR_INVALIDDATA; }
static inline int gs_averror_decoder_not_found(void) { return AVERROR_DECODER_NOT_FOUND; }
static inline int gs_averror_stream_not_found(void) { return AVERROR_STREAM_NOT_FOUND; }
// AVFrame.data/linesize are fixed-size C arrays, which Swift sees as tuples.
static inline uint8_t *gs_frame_data(const AVFrame *f, int i) { return f->data[i]; }
static inline int gs_frame_linesize(const AVFrame *f, int i) { return f->linesize[i]; }
#endif
