/// Turns presentation timestamps (microseconds) into GIF delays (centiseconds) without drift.
///
/// Each frame ends on the clock: its delay runs from where the previous delay ended to
/// `round(end / 10 ms)` (ties round up, towards later), so rounding errors never accumulate
/// and 24, 25 and 30 fps come out as exact repeating patterns (24 fps: 4,4,5,4,4,4).
///
/// Delays are never below 2 cs, because browsers and most viewers play anything shorter as
/// 10 cs. A frame that would be shorter gets 2 cs and the excess is borrowed from the
/// following frames, so the running total rejoins the clock as soon as frames are long
/// enough (it cannot do so above 50 fps: there every delay is 2 and the GIF plays slower).
///
/// Delays are never above 65535 cs, the field's limit; a longer gap is cut to 65535 and the
/// schedule restarts from `end`, so the cut is not carried into later frames.
///
/// Only the first call's `start` sets the origin; later calls continue from where the
/// previous delay ended, so a gap between one frame's `end` and the next `start` is
/// absorbed rather than lost.
public struct DelayScheduler: Sendable {
    /// Where the delays written so far end, in centiseconds on the source clock.
    private var position: Int64?

    public init() {}

    /// The delay of the frame shown from `start` to `end` (microseconds), in centiseconds.
    public mutating func delay(fromMicroseconds start: Int64, toMicroseconds end: Int64) -> Int {
        let from = position ?? DelayScheduler.centiseconds(start)
        let to = DelayScheduler.centiseconds(end)
        // Both come from Int64 microseconds divided by 10_000, so the difference cannot overflow.
        var d = to - from
        if d < 2 { d = 2 }
        if d > 65535 {
            position = to
            return 65535
        }
        position = from + d
        return Int(d)
    }

    /// `round(us / 10_000)` with ties up, correct for negative timestamps too (floor division).
    static func centiseconds(_ us: Int64) -> Int64 {
        // Half of 10_000 added first; saturate instead of trapping at the extreme of Int64.
        let (biased, overflow) = us.addingReportingOverflow(5_000)
        let n = overflow ? Int64.max : biased
        let q = n / 10_000
        return (n % 10_000 != 0 && n < 0) ? q - 1 : q
    }
}
