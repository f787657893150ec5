import GifsmithCore

/// A source frame chosen for output, with the span of output time it covers (microseconds from the
/// output's start).
struct TimedFrame {
    var frame: PlanarFrame
    var start: Int64
    var end: Int64
}

/// Trims to [start, start+duration) and, with a frame rate, resamples onto a regular grid by
/// dropping or repeating frames; without one it keeps the source's (possibly variable) timing, but
/// drops a frame that would start less than 2 cs after the one before (GIF delays under 2 cs play
/// slowly in browsers): a 60 fps source keeps every other frame, a 25 fps one every frame.
///
/// Needs one frame of look-ahead: a frame's span ends where the next one starts.
struct FrameSampler {
    private let trimStart: Int64
    private let trimEnd: Int64?
    private let rate: FrameRate?
    private var pending: PlanarFrame?
    private var gridIndex: Int64 = 0
    private var lastInterval: Int64 = 40_000
    private var emittedAny = false
    /// Without a grid: the last kept frame, held until the next kept one fixes its end.
    private var held: TimedFrame?
    static let minimumInterval: Int64 = 20_000

    init(start: Double?, duration: Double?, rate: FrameRate?) {
        let first = Int64(((start ?? 0) * 1_000_000).rounded())
        trimStart = first
        trimEnd = duration.map { first + Int64(($0 * 1_000_000).rounded()) }
        self.rate = rate
    }

    /// Feeds the next decoded frame (in presentation order); returns the frames now ready.
    mutating func push(_ frame: PlanarFrame) -> [TimedFrame] {
        guard let previous = pending else {
            pending = frame
            return []
        }
        // Out-of-order or duplicate timestamps (broken streams): keep the earlier frame's slot.
        if frame.pts <= previous.pts {
            return []
        }
        lastInterval = frame.pts - previous.pts
        pending = frame
        return emit(previous, until: frame.pts)
    }

    /// Flushes the last frame at end of stream.
    mutating func finish() -> [TimedFrame] {
        var out: [TimedFrame] = []
        if let last = pending {
            pending = nil
            let length = last.duration > 0 ? last.duration : lastInterval
            out = emit(last, until: last.pts + length)
        }
        if let h = held {
            held = nil
            out.append(h)
        }
        return out
    }

    /// True once the trim end has been passed: the caller may stop decoding.
    func isPastEnd(_ pts: Int64) -> Bool {
        guard let trimEnd else { return false }
        return pts >= trimEnd
    }

    private mutating func emit(_ frame: PlanarFrame, until sourceEnd: Int64) -> [TimedFrame] {
        // The part of the clip this frame covers, clipped to the trim window, relative to trimStart.
        let lo = max(frame.pts, trimStart) - trimStart
        var hi = sourceEnd - trimStart
        if let trimEnd { hi = min(hi, trimEnd - trimStart) }
        guard hi > lo else { return [] }

        guard let rate else {
            emittedAny = true
            let candidate = TimedFrame(frame: frame, start: lo, end: hi)
            guard var kept = held else {
                held = candidate
                return []
            }
            if candidate.start - kept.start < Self.minimumInterval {
                kept.end = candidate.end
                held = kept
                return []
            }
            held = candidate
            return [kept]
        }
        // Every grid point t_k in [lo, hi) shows this frame. Consecutive grid points showing the same
        // frame become one GIF frame with a longer delay: the same picture, fewer bytes.
        var out: [TimedFrame] = []
        while true {
            let t = rate.microseconds(ofFrame: gridIndex)
            if t >= hi { break }
            if let trimEnd, t >= trimEnd - trimStart { break }
            let next = rate.microseconds(ofFrame: gridIndex + 1)
            let end = trimEnd.map { min(next, $0 - trimStart) } ?? next
            if t >= lo || !emittedAny {
                if out.isEmpty {
                    out.append(TimedFrame(frame: frame, start: t, end: end))
                } else {
                    out[0].end = end
                }
                emittedAny = true
            }
            gridIndex += 1
        }
        return out
    }
}
