import CFFmpeg

/// FFmpeg prints to stderr by default; a library must not. Swift initialises a global `let`
/// exactly once, thread-safely, so this runs once per process however many decoders open.
private let ffmpegLoggingSilenced: Void = {
    av_log_set_level(AV_LOG_QUIET)
}()

/// Silences FFmpeg's own logging for the whole process (idempotent). Anything using libav* calls it.
public func silenceFFmpegLogging() {
    _ = ffmpegLoggingSilenced
}

let noPTS: Int64 = Int64(gs_av_nopts_value())
let microsecondsBase = AVRational(num: 1, den: 1_000_000)

/// FFmpeg's text for an error code ("Invalid data found when processing input").
func avErrorString(_ code: Int32) -> String {
    let capacity = Int(AV_ERROR_MAX_STRING_SIZE) + 1
    return withUnsafeTemporaryAllocation(of: CChar.self, capacity: capacity) { buf -> String in
        buf.initialize(repeating: 0)
        guard av_strerror(code, buf.baseAddress, capacity) >= 0 else { return "FFmpeg error \(code)" }
        return String(cString: buf.baseAddress!)
    }
}

func cString(_ p: UnsafePointer<CChar>?, or fallback: String) -> String {
    guard let p else { return fallback }
    return String(cString: p)
}

/// Clockwise degrees (0, 90, 180, 270) that make a picture with this display matrix upright.
///
/// `av_display_rotation_get` returns the counter-clockwise angle the matrix applies; FFmpeg's
/// own player and CLI rotate by its negation, rounded to a quarter turn. Mirroring in the
/// matrix is ignored, as the FFmpeg 5.1 CLI ignores it.
func clockwiseQuarterTurns(displayMatrix: UnsafePointer<Int32>) -> Int {
    let ccw = av_display_rotation_get(displayMatrix)
    guard ccw.isFinite else { return 0 }
    let quarter = Int((-ccw / 90).rounded())
    return ((quarter % 4) + 4) % 4 * 90
}

/// The rotation stored on a stream (MP4/MOV `tkhd` matrix, MKV projection), nil when none.
func streamRotation(_ stream: UnsafeMutablePointer<AVStream>) -> Int? {
    var size: Int = 0
    guard let data = av_stream_get_side_data(stream, AV_PKT_DATA_DISPLAYMATRIX, &size),
          size >= 9 * MemoryLayout<Int32>.size
    else { return nil }
    return data.withMemoryRebound(to: Int32.self, capacity: 9) { clockwiseQuarterTurns(displayMatrix: $0) }
}

/// The rotation attached to a decoded frame (JPEG EXIF orientation), nil when none.
func frameRotation(_ frame: UnsafeMutablePointer<AVFrame>) -> Int? {
    guard let sd = av_frame_get_side_data(frame, AV_FRAME_DATA_DISPLAYMATRIX),
          sd.pointee.size >= 9 * MemoryLayout<Int32>.size,
          let data = sd.pointee.data
    else { return nil }
    return data.withMemoryRebound(to: Int32.self, capacity: 9) { clockwiseQuarterTurns(displayMatrix: $0) }
}

func rationalFrom(_ r: AVRational) -> Rational { Rational(num: Int(r.num), den: Int(r.den)) }

/// Seconds of `ts` in time base `tb`, for messages and metadata only.
func seconds(_ ts: Int64, _ tb: AVRational) -> Double {
    Double(ts) * Double(tb.num) / Double(tb.den)
}

/// A codec tag as its four characters ("avc1"), non-printable bytes as [n].
func fourCC(_ tag: UInt32) -> String {
    var out = ""
    for i in 0..<4 {
        let byte = UInt8(truncatingIfNeeded: tag >> (8 * UInt32(i)))
        if byte >= 0x20 && byte < 0x7f {
            out.unicodeScalars.append(Unicode.Scalar(byte))
        } else {
            out += "[\(byte)]"
        }
    }
    return out
}
