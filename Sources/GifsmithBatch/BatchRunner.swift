import Foundation
import Gifsmith
import GifsmithCore

/// How a batch runs.
public struct BatchConfiguration: Sendable {
    /// Items converted at once.
    public var jobs: Int
    /// Worker threads per item when its options say 0 (auto): the cores shared among the jobs.
    public var threadsPerItem: Int
    /// Redo every item whatever the journal says.
    public var force: Bool
    /// Try again the items that failed because of their input (see `ResumePolicy`), even if
    /// the input and options are unchanged.
    public var retryFailed: Bool
    /// Only this shard's items; nil for all.
    public var shard: Shard?
    /// Where the journal lives (the output folder).
    public var outputDirectory: String

    public init(outputDirectory: String, jobs: Int = 1, threadsPerItem: Int? = nil, force: Bool = false,
                retryFailed: Bool = false, shard: Shard? = nil) {
        self.outputDirectory = outputDirectory
        self.jobs = max(1, jobs)
        self.threadsPerItem = threadsPerItem ?? max(1, ProcessInfo.processInfo.activeProcessorCount / max(1, jobs))
        self.force = force
        self.retryFailed = retryFailed
        self.shard = shard
    }
}

/// Turns an item's `convert` words (the batch's options then the item's own) into options.
/// Throws for a bad option; the item is then recorded as failed.
public typealias OptionsResolver = @Sendable (_ words: [String]) throws -> ConvertOptions

/// What happened to one item.
public enum ItemOutcome: Sendable, Equatable {
    case done(outputBytes: Int64)
    case skipped
    case failed(error: String, category: String)
    /// Failed in an earlier run because of its input, which has not changed since: not tried
    /// again (`ResumePolicy`), but still a failure of the batch.
    case failedEarlier(error: String, category: String)
    /// Abandoned or never started because the batch was cancelled.
    case cancelled
}

/// Reported once per item as it finishes.
public struct BatchEvent: Sendable {
    public var item: BatchItem
    public var outcome: ItemOutcome
    public var seconds: Double
    /// Items finished so far (including this one) and in all.
    public var finished: Int
    public var total: Int
}

/// Runs a batch: skips what the journal says is done, converts the rest `jobs` at a time, records
/// each outcome in the journal before reporting it, and never lets one item's failure stop the
/// others. Cancelling `cancellation` abandons running items (the Transcoder removes their
/// temporary files) and starts no more; nothing is recorded for them, so a rerun does them.
public final class BatchRunner: Sendable {
    public let items: [BatchItem]
    public let configuration: BatchConfiguration
    public let resolve: OptionsResolver
    /// One backend per choice for the whole batch: concurrent items share one Vulkan device.
    private let backends = SharedBackends()

    public init(items: [BatchItem], configuration: BatchConfiguration, resolve: @escaping OptionsResolver) {
        self.items = items
        self.configuration = configuration
        self.resolve = resolve
    }

    /// This shard's items.
    public var selectedItems: [BatchItem] {
        guard let shard = configuration.shard else { return items }
        return items.filter { shard.contains($0.key) }
    }

    public func run(cancellation: CancellationFlag = CancellationFlag(),
                    progress: @escaping @Sendable (BatchEvent) -> Void = { _ in }) throws -> BatchSummary {
        let began = Date()
        let work = selectedItems
        try FileManager.default.createDirectory(atPath: configuration.outputDirectory, withIntermediateDirectories: true)
        let previous = Journal.load(directory: configuration.outputDirectory)
        let journal = try Journal(directory: configuration.outputDirectory, shard: configuration.shard)
        // A run killed outright (SIGKILL, OOM) left its items' hidden temporary GIFs behind.
        StaleTemporaries.remove(forOutputs: work.map(\.output))

        // Two inputs that map to one GIF (clip.mp4 and clip.mov): the first by key keeps it.
        var owner: [String: String] = [:]
        var clashes: [Int: String] = [:]
        for (i, item) in work.enumerated() {
            if let first = owner[item.output] {
                clashes[i] = "its output \(item.output) is also \(first)'s; rename one or give it an \"output\" in a manifest"
            } else {
                owner[item.output] = item.key
            }
        }

        let clash = clashes
        let state = RunState(total: work.count)
        let lanes = min(configuration.jobs, max(1, work.count))
        let group = DispatchGroup()
        for _ in 0..<lanes {
            group.enter()
            let thread = Thread { [self] in
                defer { group.leave() }
                while let i = state.next() {
                    if cancellation.isCancelled {
                        state.finish(work[i], .cancelled, seconds: 0, bytesIn: 0, progress: progress)
                        continue
                    }
                    let t0 = Date()
                    let (outcome, bytesIn) = process(work[i], clash: clash[i], previous: previous[work[i].key],
                                                     journal: journal, cancellation: cancellation)
                    state.finish(work[i], outcome, seconds: Date().timeIntervalSince(t0), bytesIn: bytesIn, progress: progress)
                }
            }
            // Each item's Transcoder runs its own workers; this thread mostly waits on them.
            thread.stackSize = 4 << 20
            thread.start()
        }
        group.wait()

        var summary = state.summary
        summary.seconds = Date().timeIntervalSince(began)
        summary.interrupted = cancellation.isCancelled
        summary.shard = configuration.shard.map(\.description)
        summary.failures.sort { $0.item < $1.item }
        return summary
    }

    private func process(_ item: BatchItem, clash: String?, previous: JournalRecord?, journal: Journal,
                         cancellation: CancellationFlag) -> (ItemOutcome, Int64) {
        let began = Date()
        let inputBytes = Self.fileSize(item.input) ?? 0
        let inputHash = Fingerprint.input(path: item.input)
        var optionsHash = ""

        func record(_ outcome: ItemOutcome, inputFault: Bool = false) -> (ItemOutcome, Int64) {
            var r = JournalRecord(item: item.key, status: .done, inputHash: inputHash, optionsHash: optionsHash,
                                  output: journalPath(item.output), inputBytes: inputBytes, outputBytes: 0, error: nil, category: nil,
                                  seconds: Date().timeIntervalSince(began), at: Date().timeIntervalSince1970)
            switch outcome {
            case let .done(bytes): r.outputBytes = bytes
            case let .failed(error, category):
                r.status = .failed
                r.error = error
                r.category = category
                r.inputFault = inputFault
            case .skipped, .failedEarlier, .cancelled: return (outcome, 0)
            }
            do {
                try journal.append(r)
            } catch {
                // The GIF is there but unrecorded: a rerun redoes it, which is safe; say so.
                return (.failed(error: "converted, but \(error)", category: "output"), inputBytes)
            }
            return (outcome, inputBytes)
        }

        if let clash { return record(.failed(error: clash, category: "usage")) }
        var options: ConvertOptions
        do {
            options = try resolve(item.overrides)
        } catch {
            return record(.failed(error: String(describing: error), category: "usage"))
        }
        if options.threads == 0 { options.threads = configuration.threadsPerItem }
        optionsHash = Fingerprint.options(options)

        switch ResumePolicy.decide(previous: previous, inputHash: inputHash, optionsHash: optionsHash,
                                   output: journalPath(item.output), outputBytes: Self.fileSize(item.output),
                                   force: configuration.force, retryFailed: configuration.retryFailed) {
        case .skipDone: return (.skipped, 0)
        // Nothing new to record: the journal's record still says why.
        case let .failedEarlier(p): return (.failedEarlier(error: p.error ?? "failed", category: p.category ?? "badInput"), 0)
        case .convert: break
        }
        let dir = (item.output as NSString).deletingLastPathComponent
        do {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        } catch {
            return record(.failed(error: "\(dir): cannot create the folder (\(error.localizedDescription))", category: "output"))
        }
        do {
            let result = try Transcoder(options: options, shared: backends).convert(input: item.input, output: item.output,
                                                                                      cancellation: cancellation)
            return record(.done(outputBytes: result.bytes))
        } catch let e as GifsmithError {
            if e.category == .cancelled || cancellation.isCancelled { return (.cancelled, 0) }
            return record(.failed(error: e.description, category: "\(e.category)"), inputFault: ResumePolicy.isInputFault(e))
        } catch {
            return record(.failed(error: String(describing: error), category: "internal"))
        }
    }

    /// Outputs inside the output folder are recorded relative to it, so the journal stays valid
    /// when the folder is mounted elsewhere (another cluster node, another working directory).
    func journalPath(_ output: String) -> String {
        let dir = configuration.outputDirectory.hasSuffix("/") ? configuration.outputDirectory : configuration.outputDirectory + "/"
        return output.hasPrefix(dir) ? String(output.dropFirst(dir.count)) : output
    }

    static func fileSize(_ path: String) -> Int64? {
        var st = stat()
        guard stat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { return nil }
        return Int64(st.st_size)
    }
}

/// The shared cursor and tallies of a run.
private final class RunState: @unchecked Sendable {
    private let lock = NSLock()
    private var cursor = 0
    private var finished = 0
    let total: Int
    private(set) var summary = BatchSummary()

    init(total: Int) {
        self.total = total
        summary.total = total
    }

    func next() -> Int? {
        lock.withLock {
            guard cursor < total else { return nil }
            defer { cursor += 1 }
            return cursor
        }
    }

    func finish(_ item: BatchItem, _ outcome: ItemOutcome, seconds: Double, bytesIn: Int64,
                progress: @Sendable (BatchEvent) -> Void) {
        let n: Int = lock.withLock {
            finished += 1
            switch outcome {
            case let .done(bytes):
                summary.done += 1
                summary.bytesOut += bytes
                summary.bytesIn += bytesIn
            case .skipped: summary.skipped += 1
            case let .failed(error, category):
                summary.failed += 1
                summary.failures.append(.init(item: item.key, error: error, category: category))
            case let .failedEarlier(error, category):
                summary.failed += 1
                summary.failedEarlier += 1
                summary.failures.append(.init(item: item.key, error: error, category: category, earlier: true))
            case .cancelled: summary.cancelled += 1
            }
            return finished
        }
        progress(BatchEvent(item: item, outcome: outcome, seconds: seconds, finished: n, total: total))
    }
}
