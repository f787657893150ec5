import Foundation

/// What a batch run did, for the table on stderr and the `--json` object on stdout.
public struct BatchSummary: Codable, Sendable, Equatable {
    public struct Failure: Codable, Sendable, Equatable {
        public var item: String
        public var error: String
        /// GifsmithError.Category's name ("badInput", "unsupported", ...), or "usage" for a bad
        /// per-item option.
        public var category: String
        /// Not tried in this run: it failed earlier because of its input, which is unchanged.
        public var earlier: Bool

        public init(item: String, error: String, category: String, earlier: Bool = false) {
            self.item = item
            self.error = error
            self.category = category
            self.earlier = earlier
        }
    }

    /// Items in this shard.
    public var total: Int = 0
    public var done: Int = 0
    /// Already done with the same input and options (journal), output present.
    public var skipped: Int = 0
    /// Items that are failed at the end of this run: tried now, or not retried (below).
    public var failed: Int = 0
    /// Of `failed`, those that failed in an earlier run because of their input and were not
    /// tried again because it is unchanged (`ResumePolicy`).
    public var failedEarlier: Int = 0
    /// Not finished because the batch was interrupted; a rerun does them.
    public var cancelled: Int = 0
    /// Input and output bytes of the items converted in this run.
    public var bytesIn: Int64 = 0
    public var bytesOut: Int64 = 0
    public var seconds: Double = 0
    public var interrupted = false
    /// "K/N", or nil when not sharded.
    public var shard: String?
    public var failures: [Failure] = []

    enum CodingKeys: String, CodingKey {
        case total, done, skipped, failed, cancelled, seconds, interrupted, shard, failures
        case bytesIn = "bytes_in", bytesOut = "bytes_out", failedEarlier = "failed_earlier"
    }

    public init() {}

    /// The human table.
    public func table() -> String {
        var s = "gifsmith batch: \(total) item\(total == 1 ? "" : "s")"
        if let shard { s += " in shard \(shard)" }
        s += String(format: ", %.1f s%@\n", seconds, interrupted ? " (interrupted)" : "")
        let rows: [(String, String)] = [
            ("done", "\(done)"), ("skipped", "\(skipped)"),
            ("failed", "\(failed)" + (failedEarlier > 0 ? " (\(failedEarlier) earlier, input unchanged; --retry-failed tries them)" : "")),
            ("not run", "\(cancelled)"),
            ("bytes in", Self.bytes(bytesIn)), ("bytes out", Self.bytes(bytesOut)),
        ]
        for (k, v) in rows { s += "  " + k.padding(toLength: 10, withPad: " ", startingAt: 0) + v + "\n" }
        if !failures.isEmpty {
            let width = min(48, failures.map(\.item.count).max() ?? 4)
            s += "  failures:\n"
            for f in failures {
                s += "    " + f.item.padding(toLength: max(width, f.item.count), withPad: " ", startingAt: 0) + "  "
                    + (f.earlier ? "(earlier) " : "") + f.error + "\n"
            }
        }
        return s
    }

    public func json() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: (try? encoder.encode(self)) ?? Data(), as: UTF8.self)
    }

    static func bytes(_ n: Int64) -> String {
        if n < 1024 { return "\(n) B" }
        if n < 1024 * 1024 { return String(format: "%.1f KiB", Double(n) / 1024) }
        return String(format: "%.1f MiB", Double(n) / 1048576)
    }
}
