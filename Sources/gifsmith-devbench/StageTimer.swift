import Dispatch
import Foundation

/// Timing of one stage: `frames` frames in `seconds` of wall time.
struct StageReport: Codable {
    var frames: Int
    var seconds: Double
    var fps: Double
    var msPerFrame: Double

    init(frames: Int, seconds: Double) {
        self.frames = frames
        self.seconds = seconds
        fps = seconds > 0 ? Double(frames) / seconds : 0
        msPerFrame = frames > 0 ? seconds * 1000 / Double(frames) : 0
    }

    /// The same time for `factor` frames a unit (a run timed in calls of `factor` frames each).
    func scaled(by factor: Int) -> StageReport {
        StageReport(frames: frames * factor, seconds: seconds)
    }
}

/// The first error thrown by any worker thread.
final class ErrorBox: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Error?
    func set(_ e: Error) { lock.withLock { if stored == nil { stored = e } } }
    var error: Error? { lock.withLock { stored } }
}

enum StageTimer {
    static func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

    /// Runs `body(thread, frame)` for frames 0..<frames, spread over `threads` threads (thread t
    /// takes frames t, t+threads, …), in whole passes until at least `seconds` have passed.
    static func run(frames: Int, threads: Int, seconds: Double,
                    body: @Sendable (_ thread: Int, _ frame: Int) throws -> Void) throws -> StageReport {
        let start = now()
        var done = 0
        repeat {
            try pass(frames: frames, threads: threads, body: body)
            done += frames
        } while Double(now() - start) / 1e9 < seconds
        return StageReport(frames: done, seconds: Double(now() - start) / 1e9)
    }

    static func pass(frames: Int, threads: Int, body: @Sendable (Int, Int) throws -> Void) throws {
        if threads <= 1 {
            for i in 0..<frames { try body(0, i) }
            return
        }
        let errors = ErrorBox()
        DispatchQueue.concurrentPerform(iterations: threads) { t in
            var i = t
            while i < frames, errors.error == nil {
                do { try body(t, i) } catch { errors.set(error); return }
                i += threads
            }
        }
        if let e = errors.error { throw e }
    }
}
