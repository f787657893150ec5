import Foundation

/// One shard of a batch: item i belongs to shard `index` of `count` when
/// FNV-1a-64(relative path) mod count == index. The hash depends only on the path, so every
/// process computes the same split without talking to the others: shards never overlap and
/// together cover every item.
public struct Shard: Sendable, Hashable, CustomStringConvertible {
    /// 0-based, below `count`.
    public var index: Int
    public var count: Int

    public init(index: Int, count: Int) throws {
        guard count >= 1, index >= 0, index < count else {
            throw BatchError.usage("shard \(index)/\(count) is not valid: the count must be 1 or more and the index 0...count-1")
        }
        self.index = index
        self.count = count
    }

    /// Parses "K/N" (K 0-based).
    public init(parsing text: String) throws {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let k = Int(parts[0]), let n = Int(parts[1]) else {
            throw BatchError.usage("--shard '\(text)' is not K/N (e.g. 3/16; K counts from 0)")
        }
        try self.init(index: k, count: n)
    }

    /// The shard the environment asks for: Kubernetes Indexed Jobs set `JOB_COMPLETION_INDEX`
    /// (the count comes from `countOption`, `JOB_COMPLETION_COUNT` or `GIFSMITH_SHARD_COUNT`, since
    /// Kubernetes does not export it); Slurm job arrays set `SLURM_ARRAY_TASK_ID` and
    /// `SLURM_ARRAY_TASK_COUNT` (the index is taken relative to `SLURM_ARRAY_TASK_MIN`, so
    /// `--array=1-16` works as well as `0-15`). Nil when neither is set.
    public static func fromEnvironment(_ env: [String: String], countOption: Int?) throws -> Shard? {
        if let raw = env["JOB_COMPLETION_INDEX"] {
            guard let k = Int(raw) else { throw BatchError.usage("JOB_COMPLETION_INDEX '\(raw)' is not a number") }
            let countText = countOption.map(String.init) ?? env["JOB_COMPLETION_COUNT"] ?? env["GIFSMITH_SHARD_COUNT"]
            guard let countText, let n = Int(countText) else {
                throw BatchError.usage("JOB_COMPLETION_INDEX is set but the shard count is not: pass --shard-count N (the Job's completions) or set JOB_COMPLETION_COUNT")
            }
            return try Shard(index: k, count: n)
        }
        if let raw = env["SLURM_ARRAY_TASK_ID"] {
            guard let id = Int(raw) else { throw BatchError.usage("SLURM_ARRAY_TASK_ID '\(raw)' is not a number") }
            let min = env["SLURM_ARRAY_TASK_MIN"].flatMap { Int($0) } ?? 0
            let countText = countOption.map(String.init) ?? env["SLURM_ARRAY_TASK_COUNT"]
            guard let countText, let n = Int(countText) else {
                throw BatchError.usage("SLURM_ARRAY_TASK_ID is set but SLURM_ARRAY_TASK_COUNT is not: pass --shard-count N")
            }
            return try Shard(index: id - min, count: n)
        }
        return nil
    }

    public func contains(_ relativePath: String) -> Bool {
        Int(Self.fnv1a64(relativePath) % UInt64(count)) == index
    }

    /// FNV-1a, 64-bit, over the UTF-8 bytes (wrapping multiply is the algorithm).
    public static func fnv1a64(_ text: String) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in text.utf8 {
            h ^= UInt64(b)
            h = h &* 0x0000_0100_0000_01b3
        }
        return h
    }

    public var description: String { "\(index)/\(count)" }
}
