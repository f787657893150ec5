import CFFmpeg
import Foundation
import GifsmithMedia

/// PNG and MP4 writers over libavcodec for the stand-in's models.
public enum MediaEncoders {
    /// A PNG of `canvas` (RGB24), through libavcodec's png encoder.
    public static func png(_ canvas: Canvas) throws -> Data {
        guard let codec = avcodec_find_encoder(AV_CODEC_ID_PNG) else { throw StandInError("this FFmpeg has no PNG encoder") }
        var ctx = avcodec_alloc_context3(codec)
        defer { avcodec_free_context(&ctx) }
        guard let c = ctx else { throw StandInError("cannot allocate a PNG encoder") }
        c.pointee.width = Int32(canvas.width)
        c.pointee.height = Int32(canvas.height)
        c.pointee.pix_fmt = AV_PIX_FMT_RGB24
        c.pointee.time_base = AVRational(num: 1, den: 1)
        guard avcodec_open2(c, codec, nil) >= 0 else { throw StandInError("cannot open the PNG encoder") }
        var frame = av_frame_alloc()
        defer { av_frame_free(&frame) }
        guard let f = frame else { throw StandInError("cannot allocate a frame") }
        f.pointee.format = AV_PIX_FMT_RGB24.rawValue
        f.pointee.width = Int32(canvas.width)
        f.pointee.height = Int32(canvas.height)
        guard av_frame_get_buffer(f, 0) >= 0 else { throw StandInError("cannot allocate frame memory") }
        let dst = gs_frame_data(f, 0)!
        let ls = Int(gs_frame_linesize(f, 0))
        canvas.rgb.withUnsafeBufferPointer { src in
            for y in 0..<canvas.height {
                (dst + y * ls).update(from: src.baseAddress! + y * canvas.width * 3, count: canvas.width * 3)
            }
        }
        f.pointee.pts = 0
        var out = Data()
        try encode(c, frame: f) { p in out.append(p.pointee.data, count: Int(p.pointee.size)) }
        try encode(c, frame: nil) { p in out.append(p.pointee.data, count: Int(p.pointee.size)) }
        return out
    }

    private static func encode(_ c: UnsafeMutablePointer<AVCodecContext>, frame: UnsafeMutablePointer<AVFrame>?,
                               _ sink: (UnsafeMutablePointer<AVPacket>) throws -> Void) throws {
        guard avcodec_send_frame(c, frame) >= 0 else { throw StandInError("the encoder refused a frame") }
        var pkt = av_packet_alloc()
        defer { av_packet_free(&pkt) }
        while true {
            let r = avcodec_receive_packet(c, pkt)
            if r == gs_averror_eagain() || r == gs_averror_eof() { return }
            guard r >= 0 else { throw StandInError("encoding failed (\(r))") }
            try sink(pkt!)
            av_packet_unref(pkt)
        }
    }

    /// The encoder the stand-in's videos use: H.264 (libx264) where this FFmpeg has it, else MPEG-4 Part 2.
    public static var videoCodecName: String { avcodec_find_encoder_by_name("libx264") != nil ? "libx264" : "mpeg4" }

    /// Writes `count` frames from `frame(i)` as an MP4 at `fps` to `path` (even sizes required).
    public static func mp4(path: String, width: Int, height: Int, fps: Int, count: Int, frame render: (Int) -> Canvas) throws {
        guard width % 2 == 0, height % 2 == 0 else { throw StandInError("video sizes must be even, not \(width)x\(height)") }
        var fmt: UnsafeMutablePointer<AVFormatContext>? = nil
        guard avformat_alloc_output_context2(&fmt, nil, "mp4", path) >= 0, let oc = fmt else { throw StandInError("cannot create an MP4 muxer") }
        defer {
            if oc.pointee.pb != nil { avio_closep(&oc.pointee.pb) }
            avformat_free_context(oc)
        }
        let codec = avcodec_find_encoder_by_name("libx264") ?? avcodec_find_encoder(AV_CODEC_ID_MPEG4)
        guard let codec else { throw StandInError("this FFmpeg has neither libx264 nor mpeg4") }
        var ctx = avcodec_alloc_context3(codec)
        defer { avcodec_free_context(&ctx) }
        guard let c = ctx else { throw StandInError("cannot allocate a video encoder") }
        c.pointee.width = Int32(width)
        c.pointee.height = Int32(height)
        c.pointee.pix_fmt = AV_PIX_FMT_YUV420P
        c.pointee.time_base = AVRational(num: 1, den: Int32(fps))
        c.pointee.framerate = AVRational(num: Int32(fps), den: 1)
        c.pointee.gop_size = Int32(fps * 2)
        c.pointee.max_b_frames = 0
        c.pointee.color_range = AVCOL_RANGE_MPEG
        c.pointee.colorspace = AVCOL_SPC_BT470BG
        c.pointee.thread_count = 1
        if oc.pointee.oformat.pointee.flags & AVFMT_GLOBALHEADER != 0 {
            c.pointee.flags |= Int32(AV_CODEC_FLAG_GLOBAL_HEADER)
        }
        var opts: OpaquePointer? = nil
        if String(cString: codec.pointee.name) == "libx264" {
            av_dict_set(&opts, "preset", "ultrafast", 0)
            av_dict_set(&opts, "crf", "16", 0)
        } else {
            c.pointee.bit_rate = Int64(width * height * fps * 2)
        }
        silenceFFmpegLogging()  // libx264 reports its settings on stderr otherwise
        let opened = avcodec_open2(c, codec, &opts)
        av_dict_free(&opts)
        guard opened >= 0 else { throw StandInError("cannot open the \(String(cString: codec.pointee.name)) encoder") }
        guard let st = avformat_new_stream(oc, nil) else { throw StandInError("cannot add a video stream") }
        avcodec_parameters_from_context(st.pointee.codecpar, c)
        st.pointee.time_base = c.pointee.time_base
        guard avio_open(&oc.pointee.pb, path, AVIO_FLAG_WRITE) >= 0 else { throw StandInError("cannot write \(path)") }
        guard avformat_write_header(oc, nil) >= 0 else { throw StandInError("cannot write the MP4 header") }
        var frame = av_frame_alloc()
        defer { av_frame_free(&frame) }
        guard let f = frame else { throw StandInError("cannot allocate a frame") }
        f.pointee.format = AV_PIX_FMT_YUV420P.rawValue
        f.pointee.width = Int32(width)
        f.pointee.height = Int32(height)
        guard av_frame_get_buffer(f, 0) >= 0 else { throw StandInError("cannot allocate frame memory") }
        let write: (UnsafeMutablePointer<AVPacket>) throws -> Void = { p in
            // Every frame lasts one tick; without it the muxer trims the last frame off the edit list.
            p.pointee.duration = 1
            av_packet_rescale_ts(p, c.pointee.time_base, st.pointee.time_base)
            p.pointee.stream_index = st.pointee.index
            guard av_interleaved_write_frame(oc, p) >= 0 else { throw StandInError("cannot write a video packet") }
        }
        for i in 0..<count {
            guard av_frame_make_writable(f) >= 0 else { throw StandInError("frame not writable") }
            let canvas = render(i)
            fillYUV420(f, canvas)
            f.pointee.pts = Int64(i)
            try encode(c, frame: f, write)
        }
        try encode(c, frame: nil, write)
        guard av_write_trailer(oc) >= 0 else { throw StandInError("cannot finish the MP4") }
    }

    /// BT.601 limited-range RGB → YUV 4:2:0, chroma from the 2×2 average.
    private static func fillYUV420(_ f: UnsafeMutablePointer<AVFrame>, _ c: Canvas) {
        let yp = gs_frame_data(f, 0)!, up = gs_frame_data(f, 1)!, vp = gs_frame_data(f, 2)!
        let yl = Int(gs_frame_linesize(f, 0)), ul = Int(gs_frame_linesize(f, 1)), vl = Int(gs_frame_linesize(f, 2))
        let w = c.width, h = c.height
        c.rgb.withUnsafeBufferPointer { p in
            for y in 0..<h {
                for x in 0..<w {
                    let o = (y * w + x) * 3
                    let r = Int(p[o]), g = Int(p[o + 1]), b = Int(p[o + 2])
                    yp[y * yl + x] = UInt8((66 * r + 129 * g + 25 * b + 128) >> 8 + 16)
                }
            }
            for y in 0..<(h / 2) {
                for x in 0..<(w / 2) {
                    var r = 0, g = 0, b = 0
                    for dy in 0..<2 {
                        for dx in 0..<2 {
                            let o = ((2 * y + dy) * w + 2 * x + dx) * 3
                            r += Int(p[o]); g += Int(p[o + 1]); b += Int(p[o + 2])
                        }
                    }
                    r = (r + 2) >> 2; g = (g + 2) >> 2; b = (b + 2) >> 2
                    up[y * ul + x] = UInt8(clamping: ((-38 * r - 74 * g + 112 * b + 128) >> 8) + 128)
                    vp[y * vl + x] = UInt8(clamping: ((112 * r - 94 * g - 18 * b + 128) >> 8) + 128)
                }
            }
        }
    }
}
