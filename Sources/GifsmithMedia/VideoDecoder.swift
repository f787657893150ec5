import CFFmpeg
import GifsmithCore

/// Sequential decoder of a source's best video stream.
///
/// Frames come out upright (rotation applied by moving pixels), in presentation order, with
/// `pts` in microseconds from the stream's start (the first frame is at or near 0) and
/// `duration` the distance to the next frame (the last frame: its packet duration, else the
/// previous frame's, else the nominal frame time). Frames whose timestamp does not advance
/// are dropped and counted in `warnings`.
///
/// Damaged input is decoded as far as it goes: undecodable packets are skipped, a read error
/// ends the stream, and `warnings` says what was lost. Only when not a single frame decodes
/// does the initialiser throw `MediaError.corrupt`.
///
/// Pixel output: 8-bit 4:2:0/4:2:2/4:4:4 YUV (planar, NV12/NV21, packed 4:2:2) keeps its
/// layout; 9–16-bit YUV is reduced to 8 bits with round-half-up; everything else (RGB,
/// palette, grey, alpha formats) becomes R, G, B planes, alpha composited over black.
///
/// One decoder is used from one thread at a time; it may be handed between threads.
public final class VideoDecoder: @unchecked Sendable {
    /// What the source is; fixed at open (width/height/pixelFormat come from the first frame).
    public private(set) var info: MediaInfo
    /// Things the user should know about (truncation, skipped packets), complete sentences.
    public private(set) var warnings: [String] = []

    private let input: DemuxInput
    private var codec: UnsafeMutablePointer<AVCodecContext>?
    private var packet: UnsafeMutablePointer<AVPacket>?
    private var decoded: UnsafeMutablePointer<AVFrame>?
    /// One frame of look-ahead: its duration is known once the next frame's pts is.
    private var held: UnsafeMutablePointer<AVFrame>?
    private var hasHeld = false
    private var heldPts: Int64 = 0
    private var heldPacketDuration: Int64 = 0
    private var lastEmittedDuration: Int64 = 0
    private var lastEmittedEnd: Int64 = 0

    /// Packets read while probing the frame rate, decoded before reading more.
    private var queued: [UnsafeMutablePointer<AVPacket>] = []
    private var queueHead = 0

    private let extractor = FrameExtractor()
    private var timeBase = AVRational(num: 1, den: 1_000_000)
    private var startTimestamp: Int64?
    private var nominalFrameDuration: Int64 = 0
    private var rotation = 0
    private var fallback = ColorFallback(matrix: .bt601, range: .limited)

    private var demuxEnded = false
    private var draining = false
    private var decoderEnded = false
    private var seekTarget: Int64?
    private var readError: String?
    private var decodeErrorCount = 0
    private var packetsSent = 0
    private var lastDecodeError = ""
    private var damagedFrames = 0
    private var droppedFrames = 0
    private var warningsWritten = false
    private var emittedSinceSeek = false

    /// Opens `path` ("-" or "pipe:0" for stdin; a URL with "://" is passed to FFmpeg) and
    /// decodes the first frame, so an unreadable source fails here rather than mid-pipeline.
    /// `threads` 0 lets FFmpeg choose (frame threading on every core).
    public init(path: String, threads: Int = 0) throws {
        let input = try DemuxInput(path: path)
        self.input = input
        info = MediaInfo.placeholder
        // Every stored property has a value from here on, so a throw below still runs
        // deinit and frees what was allocated.
        let stream = input.videoStream
        let par = stream.pointee.codecpar!
        timeBase = stream.pointee.time_base
        if stream.pointee.start_time != noPTS { startTimestamp = stream.pointee.start_time }

        let codecName = par.pointee.codec_id == AV_CODEC_ID_NONE
            ? "unknown (tag \(fourCC(par.pointee.codec_tag)))"
            : cString(avcodec_get_name(par.pointee.codec_id), or: "unknown")
        guard par.pointee.codec_id != AV_CODEC_ID_NONE, let decoder = avcodec_find_decoder(par.pointee.codec_id) else {
            throw MediaError.unsupportedCodec(path: input.name, codec: codecName)
        }
        guard let ctx = avcodec_alloc_context3(decoder) else {
            throw MediaError.decodeFailed(path: input.name, reason: "out of memory")
        }
        codec = ctx
        var r = avcodec_parameters_to_context(ctx, par)
        guard r >= 0 else { throw MediaError.decodeFailed(path: input.name, reason: avErrorString(r)) }
        ctx.pointee.pkt_timebase = timeBase
        ctx.pointee.thread_count = Int32(max(0, threads))
        ctx.pointee.thread_type = FF_THREAD_FRAME | FF_THREAD_SLICE
        r = avcodec_open2(ctx, decoder, nil)
        guard r >= 0 else {
            throw MediaError.corrupt(path: input.name, detail: "the \(codecName) decoder rejected the stream: \(avErrorString(r))")
        }
        packet = av_packet_alloc()
        decoded = av_frame_alloc()
        held = av_frame_alloc()
        guard packet != nil, decoded != nil, held != nil else {
            throw MediaError.decodeFailed(path: input.name, reason: "out of memory")
        }

        let avgRate = stream.pointee.avg_frame_rate
        let baseRate = stream.pointee.r_frame_rate
        let rate = avgRate.num > 0 && avgRate.den > 0 ? avgRate : baseRate
        nominalFrameDuration = rate.num > 0 && rate.den > 0
            ? av_rescale_q(1, AVRational(num: rate.den, den: rate.num), microsecondsBase) : 0

        // Colour facts the frames may lack: from the stream tags, else by size.
        let pixFmt = AVPixelFormat(rawValue: par.pointee.format)
        let taggedMatrix = ColorTags.matrix(par.pointee.color_space)
        let taggedRange = ColorTags.range(par.pointee.color_range, pixelFormat: pixFmt)
        fallback = ColorFallback(
            matrix: taggedMatrix ?? ColorMatrix.defaultFor(width: Int(par.pointee.width), height: Int(par.pointee.height)),
            range: taggedRange ?? .limited)

        let isVFR = Self.prefetchLooksVariable(input: input, queue: &queued, demuxEnded: &demuxEnded, readError: &readError)

        info = MediaInfo(container: input.formatName, containerLongName: input.formatLongName,
                         codec: codecName, codecLongName: cString(decoder.pointee.long_name, or: codecName),
                         width: 0, height: 0, codedWidth: 0, codedHeight: 0, sampleAspectRatio: Rational(num: 1, den: 1),
                         durationSeconds: nil, frameRate: rationalFrom(rate), estimatedFrameCount: nil,
                         pixelFormat: "", bitDepth: 8, colorMatrix: fallback.matrix, colorMatrixAssumed: taggedMatrix == nil,
                         colorRange: fallback.range, rangeAssumed: taggedRange == nil, chromaSiting: ColorTags.siting,
                         rotationDegrees: 0, hasAudio: input.hasAudio, isStillImage: false, isVariableFrameRate: isVFR,
                         bitRate: par.pointee.bit_rate > 0 ? Int(par.pointee.bit_rate) : nil)

        guard try fillHeld() else {
            throw MediaError.corrupt(path: input.name, detail: noFrameDetail())
        }
        let first = held!
        let turn = streamRotation(stream) ?? frameRotation(first) ?? 0
        rotation = turn
        completeInfo(firstFrame: first, stream: stream, rotation: turn)
    }

    deinit {
        for i in queueHead..<queued.count {
            var p: UnsafeMutablePointer<AVPacket>? = queued[i]
            av_packet_free(&p)
        }
        av_packet_free(&packet)
        av_frame_free(&decoded)
        av_frame_free(&held)
        avcodec_free_context(&codec)
    }

    // MARK: - Public API

    /// The next frame in presentation order, or nil at the end of the stream.
    public func nextFrame() throws -> PlanarFrame? {
        while hasHeld {
            if try receiveFrame() {
                let frame = decoded!
                let pts = relativePts(frame, after: heldPts)
                if pts <= heldPts {
                    droppedFrames += 1
                    av_frame_unref(frame)
                    continue
                }
                if let target = seekTarget, pts <= target {
                    // The held frame is over before the seek target: it is never shown.
                    replaceHeld(with: frame, pts: pts)
                    continue
                }
                seekTarget = nil
                let out = try emitHeld(duration: pts - heldPts)
                replaceHeld(with: frame, pts: pts)
                return out
            }
            // End of stream: the held frame is the last one.
            let duration = heldPacketDuration > 0 ? heldPacketDuration
                : (lastEmittedDuration > 0 ? lastEmittedDuration : nominalFrameDuration)
            hasHeld = false
            if let target = seekTarget, heldPts + max(duration, 1) <= target {
                seekTarget = nil
                av_frame_unref(held!)
                finishWarnings()
                return nil
            }
            seekTarget = nil
            let out = try emitHeld(duration: duration)
            av_frame_unref(held!)
            finishWarnings()
            return out
        }
        finishWarnings()
        return nil
    }

    /// Positions the decoder so that the next frame returned is the one shown at `target`
    /// microseconds (its pts is at most one frame before the target), by seeking to the
    /// keyframe before it and decoding forward. On a pipe only forward seeks work.
    public func seek(toMicroseconds target: Int64) throws {
        let goal = max(0, target)
        var repositioned = false
        if !input.isPipe {
            // Containers that seek inexactly can land after the target; step back until the
            // first frame is at or before it.
            for backoff: Int64 in [0, 1_000_000, 5_000_000, -1] {
                let aim = backoff < 0 ? 0 : max(0, goal - backoff)
                guard try seekDemuxer(toMicroseconds: aim) else { break }
                repositioned = true
                if !hasHeld || heldPts <= goal || aim == 0 { break }
            }
        }
        if !repositioned {
            // Forward-only fallback: keep decoding and drop what lies before the target.
            let position = hasHeld ? heldPts : lastEmittedEnd
            guard goal >= position else {
                throw MediaError.seekFailed(path: input.name, seconds: Double(goal) / 1e6,
                                            reason: input.isPipe ? "the input is a pipe, which cannot go backwards"
                                                                 : "the container does not support seeking")
            }
        }
        seekTarget = goal
        emittedSinceSeek = false
    }

    // MARK: - Demuxing and decoding

    /// Returns false when the demuxer refused (the caller falls back to decoding forward).
    private func seekDemuxer(toMicroseconds aim: Int64) throws -> Bool {
        let start = startTimestamp ?? 0
        let ts = start &+ av_rescale_q(aim, microsecondsBase, timeBase)
        var r = av_seek_frame(input.context, input.videoStreamIndex, ts, AVSEEK_FLAG_BACKWARD)
        if r < 0 {
            r = avformat_seek_file(input.context, input.videoStreamIndex, Int64.min, ts, ts, 0)
        }
        guard r >= 0 else { return false }
        avcodec_flush_buffers(codec)
        for i in queueHead..<queued.count {
            var p: UnsafeMutablePointer<AVPacket>? = queued[i]
            av_packet_free(&p)
        }
        queued.removeAll()
        queueHead = 0
        av_frame_unref(held!)
        hasHeld = false
        demuxEnded = false
        draining = false
        decoderEnded = false
        readError = nil
        warningsWritten = false
        _ = try fillHeld()
        return true
    }

    /// Decodes until one frame sits in `held`; false at end of stream.
    private func fillHeld() throws -> Bool {
        guard try receiveFrame() else { return false }
        let frame = decoded!
        let pts = relativePts(frame, after: nil)
        replaceHeld(with: frame, pts: pts)
        return true
    }

    private func replaceHeld(with frame: UnsafeMutablePointer<AVFrame>, pts: Int64) {
        let h = held!
        av_frame_unref(h)
        heldPacketDuration = frame.pointee.pkt_duration > 0
            ? av_rescale_q(frame.pointee.pkt_duration, timeBase, microsecondsBase) : 0
        av_frame_move_ref(h, frame)
        heldPts = pts
        hasHeld = true
    }

    /// Microseconds from the stream start. Frames without any timestamp follow the previous
    /// one by the nominal frame time.
    private func relativePts(_ frame: UnsafeMutablePointer<AVFrame>, after previous: Int64?) -> Int64 {
        let ts = frame.pointee.best_effort_timestamp
        guard ts != noPTS else {
            guard let previous else { return 0 }
            return previous + max(nominalFrameDuration, 1)
        }
        if startTimestamp == nil { startTimestamp = ts }
        return av_rescale_q(ts &- startTimestamp!, timeBase, microsecondsBase)
    }

    /// Pulls one decoded frame into `decoded`; false when the decoder is fully drained.
    private func receiveFrame() throws -> Bool {
        guard let ctx = codec, let frame = decoded else { return false }
        var consecutiveErrors = 0
        while !decoderEnded {
            let r = avcodec_receive_frame(ctx, frame)
            if r == 0 {
                if frame.pointee.decode_error_flags != 0 || frame.pointee.flags & AV_FRAME_FLAG_CORRUPT != 0 {
                    damagedFrames += 1
                }
                return true
            }
            if r == gs_averror_eof() {
                decoderEnded = true
                break
            }
            if r != gs_averror_eagain() {
                noteDecodeError(r)
                consecutiveErrors += 1
                // A decoder that keeps failing without wanting input is treated as needing input.
                if consecutiveErrors < 16 { continue }
            }
            consecutiveErrors = 0
            if draining {
                // A drained decoder answers EOF; anything else means it will give no more.
                decoderEnded = true
                break
            }
            if let pkt = nextPacket() {
                packetsSent += 1
                let s = avcodec_send_packet(ctx, pkt)
                av_packet_unref(pkt)
                if s < 0 && s != gs_averror_eagain() && s != gs_averror_eof() { noteDecodeError(s) }
            } else {
                _ = avcodec_send_packet(ctx, nil)
                draining = true
            }
        }
        return false
    }

    private func noteDecodeError(_ code: Int32) {
        decodeErrorCount += 1
        lastDecodeError = avErrorString(code)
    }

    /// The next packet of the video stream: first those queued while probing, then the demuxer.
    private func nextPacket() -> UnsafeMutablePointer<AVPacket>? {
        guard let pkt = packet else { return nil }
        if queueHead < queued.count {
            av_packet_move_ref(pkt, queued[queueHead])
            var p: UnsafeMutablePointer<AVPacket>? = queued[queueHead]
            av_packet_free(&p)
            queueHead += 1
            if queueHead == queued.count {
                queued.removeAll()
                queueHead = 0
            }
            return pkt
        }
        return Self.readVideoPacket(input: input, into: pkt, demuxEnded: &demuxEnded, readError: &readError) ? pkt : nil
    }

    /// Reads until a packet of the video stream arrives; false at end of input or on a read
    /// error (kept in `readError`: the data after it is lost, what came before is decoded).
    private static func readVideoPacket(input: DemuxInput, into pkt: UnsafeMutablePointer<AVPacket>,
                                        demuxEnded: inout Bool, readError: inout String?) -> Bool {
        var retries = 0
        while !demuxEnded {
            let r = av_read_frame(input.context, pkt)
            if r >= 0 {
                if pkt.pointee.stream_index == input.videoStreamIndex { return true }
                av_packet_unref(pkt)
                continue
            }
            if r == gs_averror_eagain() && retries < 1000 {
                retries += 1
                continue
            }
            demuxEnded = true
            if r != gs_averror_eof() { readError = avErrorString(r) }
        }
        return false
    }

    /// Reads up to 64 video packets ahead (kept for decoding) and calls the stream variable
    /// frame rate when their sorted timestamps are unevenly spaced beyond rounding.
    private static func prefetchLooksVariable(input: DemuxInput, queue: inout [UnsafeMutablePointer<AVPacket>],
                                              demuxEnded: inout Bool, readError: inout String?) -> Bool {
        var stamps: [Int64] = []
        var bytes = 0
        while queue.count < 64 && bytes < 64 << 20 {
            guard let pkt = av_packet_alloc() else { break }
            guard readVideoPacket(input: input, into: pkt, demuxEnded: &demuxEnded, readError: &readError) else {
                var p: UnsafeMutablePointer<AVPacket>? = pkt
                av_packet_free(&p)
                break
            }
            queue.append(pkt)
            bytes += Int(pkt.pointee.size)
            let ts = pkt.pointee.pts != noPTS ? pkt.pointee.pts : pkt.pointee.dts
            if ts != noPTS { stamps.append(ts) }
        }
        stamps.sort()
        // Packets come in decode order: with B-frames the last few presentation times of the
        // window belong to packets not read yet, which would look like a gap. Reordering never
        // reaches back more than 16 frames, so the top 16 stamps are left out.
        if stamps.count > 24 { stamps.removeLast(16) }
        var deltas: [Int64] = []
        for i in 1..<max(1, stamps.count) where stamps[i] > stamps[i - 1] {
            deltas.append(stamps[i] - stamps[i - 1])
        }
        guard deltas.count >= 2, let lo = deltas.min(), let hi = deltas.max() else { return false }
        // Millisecond time bases round 29.97 fps to 33/34 ticks: that is not variable.
        return hi - lo > max(2, lo / 8)
    }

    // MARK: - Output

    private func emitHeld(duration: Int64) throws -> PlanarFrame {
        // Rotation moves pixels into new tight planes anyway: borrow only upright pictures.
        var frame = try extractor.extract(held!, fallback: fallback, name: input.name, borrow: rotation == 0)
        frame.pts = heldPts
        frame.duration = duration
        if rotation != 0 { frame = PlaneRotation.rotate(frame, clockwise: rotation) }
        lastEmittedDuration = duration
        lastEmittedEnd = heldPts + duration
        emittedSinceSeek = true
        return frame
    }

    private func completeInfo(firstFrame f: UnsafeMutablePointer<AVFrame>, stream: UnsafeMutablePointer<AVStream>, rotation turn: Int) {
        let ctx = input.context
        let par = stream.pointee.codecpar!
        let format = AVPixelFormat(rawValue: f.pointee.format)
        let w = Int(f.pointee.width)
        let h = Int(f.pointee.height)
        let swap = turn == 90 || turn == 270
        info.codedWidth = w
        info.codedHeight = h
        info.width = swap ? h : w
        info.height = swap ? w : h
        info.rotationDegrees = turn
        info.pixelFormat = cString(av_get_pix_fmt_name(format), or: "unknown")
        if let desc = av_pix_fmt_desc_get(format) {
            info.bitDepth = Int(desc.pointee.comp.0.depth)
        }
        let sar = par.pointee.sample_aspect_ratio
        info.sampleAspectRatio = sar.num > 0 && sar.den > 0 ? rationalFrom(sar) : Rational(num: 1, den: 1)

        // The first frame's own tags win over the container's, as they will for every frame.
        if let m = ColorTags.matrix(f.pointee.colorspace) {
            fallback.matrix = m
            info.colorMatrixAssumed = false
        }
        if let r = ColorTags.range(f.pointee.color_range, pixelFormat: format) {
            fallback.range = r
            info.rangeAssumed = false
        }
        if par.pointee.color_space == AVCOL_SPC_UNSPECIFIED && f.pointee.colorspace == AVCOL_SPC_UNSPECIFIED {
            // Untagged: judge by the coded size, which is what the encoder saw.
            fallback.matrix = ColorMatrix.defaultFor(width: w, height: h)
        }
        switch extractor.plan(for: format) {
        case .yuv:
            info.colorMatrix = fallback.matrix
            info.colorRange = fallback.range
            info.chromaSiting = ColorTags.siting
            if turn != 0, case let .yuv(_, _, _, sx, sy) = extractor.plan(for: format), (swap ? sy : sx) > 0 {
                info.chromaSiting = .center
            }
        default:
            // RGB output: the matrix is irrelevant; the range is full by construction.
            info.colorMatrix = fallback.matrix
            info.colorRange = .full
            info.rangeAssumed = false
        }

        if stream.pointee.duration != noPTS && stream.pointee.duration > 0 {
            info.durationSeconds = seconds(stream.pointee.duration, timeBase)
        } else if ctx.pointee.duration != noPTS && ctx.pointee.duration > 0 {
            info.durationSeconds = Double(ctx.pointee.duration) / Double(gs_av_time_base())
        }
        let name = input.formatName
        info.isStillImage = name == "image2" || name.hasSuffix("_pipe") || stream.pointee.nb_frames == 1
        if info.isStillImage {
            info.estimatedFrameCount = 1
            info.isVariableFrameRate = false
        } else if stream.pointee.nb_frames > 0 {
            info.estimatedFrameCount = Int(stream.pointee.nb_frames)
        } else if let d = info.durationSeconds, let fps = info.frameRate.value {
            info.estimatedFrameCount = Int((d * fps).rounded())
        }
    }

    // MARK: - Warnings

    private func noFrameDetail() -> String {
        if let readError { return "reading failed: \(readError)" }
        if decodeErrorCount > 0 { return "\(decodeErrorCount) packet(s) failed to decode: \(lastDecodeError)" }
        if packetsSent > 0 { return "\(packetsSent) packet(s) were read but none decoded into a picture" }
        return "the video stream holds no packets"
    }

    private func finishWarnings() {
        guard !warningsWritten else { return }
        warningsWritten = true
        let name = input.name
        let end = formatSeconds(Double(lastEmittedEnd) / 1e6)
        var found: [String] = []
        if let readError {
            found.append("\(name): stream is truncated after \(end) (\(readError)); the decodable part was kept.")
        } else if emittedSinceSeek, let expected = headerDuration(),
                  Double(lastEmittedEnd) / 1e6 < expected - max(0.5, 3 * Double(nominalFrameDuration) / 1e6) {
            found.append("\(name): stream is truncated after \(end) (the header says \(formatSeconds(expected))); the decodable part was kept.")
        }
        if decodeErrorCount > 0 {
            found.append("\(name): \(decodeErrorCount) packet(s) could not be decoded and were skipped (\(lastDecodeError)); the file may be damaged.")
        }
        if damagedFrames > 0 {
            found.append("\(name): \(damagedFrames) frame(s) were damaged and partly concealed by the decoder.")
        }
        if droppedFrames > 0 {
            found.append("\(name): \(droppedFrames) frame(s) with repeated or backwards timestamps were dropped.")
        }
        // After a seek the stream may end again; say each thing once.
        for w in found where !warnings.contains(w) { warnings.append(w) }
    }

    /// The stream's length as the container header states it (not estimated from bit rate).
    private func headerDuration() -> Double? {
        let stream = input.videoStream
        guard stream.pointee.duration != noPTS, stream.pointee.duration > 0,
              input.context.pointee.duration_estimation_method == AVFMT_DURATION_FROM_STREAM
        else { return nil }
        return seconds(stream.pointee.duration, timeBase)
    }
}
