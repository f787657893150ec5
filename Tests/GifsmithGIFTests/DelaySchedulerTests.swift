import GifsmithGIF
import XCTest

final class DelaySchedulerTests: XCTestCase {
    /// Timestamps of `count + 1` frame boundaries at `num/den` fps, in whole microseconds as
    /// a demuxer would give them.
    private func timestamps(num: Int64, den: Int64, count: Int, start: Int64 = 0) -> [Int64] {
        (0 ... Int64(count)).map { start + ($0 * 1_000_000 * den + num / 2) / num }
    }

    private func delays(_ ts: [Int64]) -> [Int] {
        var s = DelayScheduler()
        return (0 ..< ts.count - 1).map { s.delay(fromMicroseconds: ts[$0], toMicroseconds: ts[$0 + 1]) }
    }

    /// round(us / 10 ms), ties up, for non-negative values.
    private func cs(_ us: Int64) -> Int { Int((us + 5000) / 10000) }

    func testStandardRatesTrackTheClockExactly() {
        for (num, den) in [(Int64(24), Int64(1)), (25, 1), (30, 1), (30000, 1001), (24000, 1001), (50, 1)] {
            for count in [1, 2, 7, 100, 1000] {
                let ts = timestamps(num: num, den: den, count: count)
                let d = delays(ts)
                XCTAssertTrue(d.allSatisfy { $0 >= 2 }, "\(num)/\(den)")
                XCTAssertEqual(d.reduce(0, +), cs(ts.last!) - cs(ts.first!), "\(num)/\(den) fps, \(count) frames")
                // Every prefix is on the clock too (never drifts, not just at the end).
                var sum = 0
                for k in 0 ..< d.count {
                    sum += d[k]
                    XCTAssertEqual(sum, cs(ts[k + 1]), "\(num)/\(den) frame \(k)")
                }
            }
        }
    }

    func testKnownPatterns() {
        // 24 fps: boundaries at 0, 4.17, 8.33, 12.5 (tie → 13), 16.67, 20.83, 25 cs.
        XCTAssertEqual(delays(timestamps(num: 24, den: 1, count: 6)), [4, 4, 5, 4, 4, 4])
        XCTAssertEqual(delays(timestamps(num: 30, den: 1, count: 6)), [3, 4, 3, 3, 4, 3])
        XCTAssertEqual(delays(timestamps(num: 25, den: 1, count: 3)), [4, 4, 4])
    }

    /// 60 fps cannot be shown in GIF: every delay is the 2 cs floor, and the schedule stays
    /// at or ahead of the clock rather than collapsing to 1 cs (which viewers show as 10).
    func testSixtyFpsIsFlooredAtTwo() {
        let ts = timestamps(num: 60, den: 1, count: 60)
        let d = delays(ts)
        XCTAssertEqual(d, [Int](repeating: 2, count: 60))
    }

    /// A short frame borrows from the following ones; the total rejoins the clock.
    func testShortFrameBorrowsFromNext() {
        // Boundaries (ms): 0, 100, 105, 110, 200, 300.
        let ts: [Int64] = [0, 100_000, 105_000, 110_000, 200_000, 300_000]
        let d = delays(ts)
        // 10; 105ms→11 (ties up) but floor 2 → position 12; 110ms→11 but floor 2 → 14; 20→6; 30→10.
        XCTAssertEqual(d, [10, 2, 2, 6, 10])
        XCTAssertEqual(d.reduce(0, +), 30)
    }

    func testNonZeroAndNegativeStart() {
        var s = DelayScheduler()
        // -15 ms rounds to -1 cs (ties up: -1.5 → -1), 25 ms to 3 (2.5 → 3).
        XCTAssertEqual(s.delay(fromMicroseconds: -15_000, toMicroseconds: 25_000), 4)
        XCTAssertEqual(s.delay(fromMicroseconds: 25_000, toMicroseconds: 65_000), 4)
        var t = DelayScheduler()
        let base: Int64 = 3_600_000_000  // one hour in
        let ts = timestamps(num: 30000, den: 1001, count: 300, start: base)
        var sum = 0
        for k in 0 ..< 300 { sum += t.delay(fromMicroseconds: ts[k], toMicroseconds: ts[k + 1]) }
        XCTAssertEqual(sum, cs(ts[300]) - cs(ts[0]))
    }

    func testLongGapIsCappedWithoutCarry() {
        var s = DelayScheduler()
        XCTAssertEqual(s.delay(fromMicroseconds: 0, toMicroseconds: 1_000_000_000), 65535)
        // The excess is not carried: the next frame gets its own length.
        XCTAssertEqual(s.delay(fromMicroseconds: 1_000_000_000, toMicroseconds: 1_000_100_000), 10)
    }

    func testBackwardsTimestampsStillGiveTheFloor() {
        var s = DelayScheduler()
        XCTAssertEqual(s.delay(fromMicroseconds: 100_000, toMicroseconds: 50_000), 2)
    }
}
