import Foundation
import GifsmithCore
import GifsmithMedia

/// Decodes and samples on a thread of its own, a bounded number of frames ahead of the pixel stages.
final class FrameSource: @unchecked Sendable {
    private enum Item {
        case frame(TimedFrame)
        case failed(Error)
    }

    /// The decoder while the thread runs; released as soon as it ends, so that a second pass's
    /// decoder never coexists with this one's frame pools (bounded memory).
    private final class Holder: @unchecked Sendable {
        var decoder: VideoDecoder?
        var warnings: [String] = []
        init(_ decoder: VideoDecoder) { self.decoder = decoder }
    }

    private let queue: BoundedQueue<Item>
    private let thread: Thread
    private let finished = DispatchSemaphore(value: 0)
    private let holder: Holder

    init(decoder: VideoDecoder, sampler: FrameSampler, capacity: Int, cancellation: CancellationFlag) {
        let queue = BoundedQueue<Item>(capacity: capacity)
        self.queue = queue
        let holder = Holder(decoder)
        self.holder = holder
        let box = UncheckedBox(sampler)
        let finished = self.finished
        thread = Thread {
            var sampler = box.value
            let decoder = holder.decoder!
            defer {
                holder.warnings = decoder.warnings
                holder.decoder = nil
                queue.close()
                finished.signal()
            }
            do {
                while !cancellation.isCancelled, let frame = try decoder.nextFrame() {
                    let past = sampler.isPastEnd(frame.pts)
                    for t in sampler.push(frame) where !queue.put(.frame(t)) { return }
                    if past { break }
                }
                if cancellation.isCancelled { return }
                for t in sampler.finish() where !queue.put(.frame(t)) { return }
            } catch {
                queue.put(.failed(error))
            }
        }
        thread.name = "gifsmith-decode"
        thread.stackSize = 1 << 22
        thread.start()
    }

    /// Up to `count` frames in order; fewer at the end; empty when done.
    func next(_ count: Int) throws -> [TimedFrame] {
        var out: [TimedFrame] = []
        while out.count < count, let item = queue.take() {
            switch item {
            case let .frame(f): out.append(f)
            case let .failed(e): throw e
            }
        }
        return out
    }

    /// Stops the decoding thread and waits for it, so the decoder is never used after the job returns.
    func stop() {
        queue.close()
        finished.wait()
        finished.signal()
    }

    /// What the decoder reported (truncation, damaged packets). Complete once `stop()` returned.
    var warnings: [String] {
        stop()
        return holder.warnings
    }
}
