import Foundation

/// A thread-safe FIFO with a capacity: the producer blocks when it is full, so a fast decoder can
/// never run ahead of the pixel stages by more than `capacity` frames (bounded memory).
final class BoundedQueue<Element>: @unchecked Sendable {
    private var items: [Element] = []
    private var closed = false
    private let capacity: Int
    private let condition = NSCondition()

    init(capacity: Int) { self.capacity = max(1, capacity) }

    /// Returns false if the queue was closed (the consumer gave up).
    @discardableResult
    func put(_ item: Element) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while items.count >= capacity && !closed { condition.wait() }
        if closed { return false }
        items.append(item)
        condition.broadcast()
        return true
    }

    /// Blocks until an item arrives; nil once closed and drained.
    func take() -> Element? {
        condition.lock()
        defer { condition.unlock() }
        while items.isEmpty && !closed { condition.wait() }
        if items.isEmpty { return nil }
        let item = items.removeFirst()
        condition.broadcast()
        return item
    }

    func close() {
        condition.lock()
        closed = true
        condition.broadcast()
        condition.unlock()
    }
}

/// A flag that a signal handler or another task sets and the pipeline polls between frames.
public final class CancellationFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    public init() {}
    public func cancel() { lock.withLock { value = true } }
    public var isCancelled: Bool { lock.withLock { value } }
}

/// Runs `body(i, worker)` for i in 0..<count on `workers` threads; `worker` identifies the thread's
/// private state (0..<workers). Rethrows the first error after all threads stop.
func parallelFor(_ count: Int, workers: Int, _ body: (Int, Int) throws -> Void) throws {
    if count == 0 { return }
    let lanes = max(1, min(workers, count))
    if lanes == 1 {
        for i in 0..<count { try body(i, 0) }
        return
    }
    let state = ParallelForState(count: count)
    withoutActuallyEscaping(body) { body in
        let box = UncheckedBox(body)
        DispatchQueue.concurrentPerform(iterations: lanes) { lane in
            while let i = state.claim() {
                do { try box.value(i, lane) } catch { state.fail(error) }
            }
        }
    }
    if let error = state.firstError { throw error }
}

/// The shared counter and first error of one `parallelFor`.
private final class ParallelForState: @unchecked Sendable {
    private let lock = NSLock()
    private var next = 0
    private let count: Int
    private(set) var firstError: Error?

    init(count: Int) { self.count = count }

    /// The next index to work on, or nil when all are taken or one has failed.
    func claim() -> Int? {
        lock.withLock {
            if firstError != nil || next >= count { return nil }
            defer { next += 1 }
            return next
        }
    }

    func fail(_ error: Error) {
        lock.withLock { if firstError == nil { firstError = error } }
    }
}

/// Carries a non-Sendable value across a thread boundary where the caller guarantees exclusive use.
struct UncheckedBox<T>: @unchecked Sendable {
    var value: T
    init(_ value: T) { self.value = value }
}

/// Per-index result slots written by parallel workers (each index by exactly one worker). Raw memory,
/// because a Swift array in a class would trip exclusivity checks under concurrent element writes.
final class Slots<T>: @unchecked Sendable {
    private let base: UnsafeMutablePointer<T?>
    let count: Int
    init(count: Int) {
        self.count = count
        base = .allocate(capacity: max(count, 1))
        base.initialize(repeating: nil, count: count)
    }
    deinit {
        base.deinitialize(count: count)
        base.deallocate()
    }
    subscript(i: Int) -> T? {
        get {
            precondition(i >= 0 && i < count, "slot \(i) of \(count)")
            return base[i]
        }
        set {
            precondition(i >= 0 && i < count, "slot \(i) of \(count)")
            base[i] = newValue
        }
    }
    func take() -> [T] { (0..<count).map { base[$0]! } }
}
