import Foundation

/// One line of the journal: the outcome of one item.
public struct JournalRecord: Codable, Sendable, Equatable {
    public enum Status: String, Codable, Sendable { case done, failed }

    /// Format version (1).
    public var v: Int = 1
    /// The item's key (input path relative to the batch root).
    public var item: String
    public var status: Status
    /// `Fingerprint.input` of the input when it was converted (nil if it could not be read).
    public var inputHash: String?
    /// `Fingerprint.options` of the options it was converted with.
    public var optionsHash: String
    /// The GIF's path, relative to the output folder when inside it.
    public var output: String
    public var inputBytes: Int64
    public var outputBytes: Int64
    /// The reason, for a failed item; `category` is GifsmithError.Category's name.
    public var error: String?
    public var category: String?
    /// For `failed`: whether the input's own bytes caused it (`ResumePolicy.isInputFault`), so
    /// a rerun with the same input and options reports it instead of trying again. Absent in
    /// records from before this key existed: those failures are retried.
    public var inputFault: Bool?
    public var seconds: Double
    /// Seconds since 1970 when the record was written: across several journals (shards) the
    /// latest record of an item wins.
    public var at: Double

    enum CodingKeys: String, CodingKey {
        case v, item, status, output, error, category, seconds, at
        case inputHash = "input_hash", optionsHash = "options_hash"
        case inputBytes = "input_bytes", outputBytes = "output_bytes", inputFault = "input_fault"
    }
}

/// An append-only JSONL journal: one record per finished item, each line written with one
/// write(2) and fsync'd before the item counts as done, so a crash loses at most the item being
/// written. Reading keeps the last record per item and ignores a torn last line.
///
/// Each shard writes its own file (`.gifsmith-journal.jsonl`, or `.gifsmith-journal.K-of-N.jsonl`)
/// so that processes on different machines never append to one file over a network file system;
/// reading merges every `.gifsmith-journal*.jsonl` in the folder, so a batch can be resharded.
public final class Journal: @unchecked Sendable {
    public static let prefix = ".gifsmith-journal"

    public let path: String
    private let fd: Int32
    private let lock = NSLock()

    public static func fileName(shard: Shard?) -> String {
        guard let shard, shard.count > 1 else { return prefix + ".jsonl" }
        return "\(prefix).\(shard.index)-of-\(shard.count).jsonl"
    }

    /// Opens (creating) the journal for appending.
    public init(directory: String, shard: Shard?) throws {
        path = directory + "/" + Self.fileName(shard: shard)
        fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw BatchError.output("\(path): cannot open the journal (\(String(cString: strerror(errno))))")
        }
        // A torn last line (a crash mid-write) must not swallow the next record.
        var st = stat()
        if fstat(fd, &st) == 0, st.st_size > 0, let h = FileHandle(forReadingAtPath: path) {
            try? h.seek(toOffset: UInt64(st.st_size - 1))
            let last = (try? h.read(upToCount: 1)) ?? Data()
            try? h.close()
            if last != Data([0x0a]) { try write(Data([0x0a])) }
        }
    }

    deinit { close(fd) }

    /// Appends one record and makes it durable.
    public func append(_ record: JournalRecord) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var line = try encoder.encode(record)
        line.append(0x0a)
        try lock.withLock { try write(line) }
    }

    private func write(_ data: Data) throws {
        let ok = data.withUnsafeBytes { buf -> Bool in
            var off = 0
            while off < buf.count {
                let n = Foundation.write(fd, buf.baseAddress! + off, buf.count - off)
                if n < 0 { if errno == EINTR { continue }; return false }
                off += n
            }
            return fsync(fd) == 0
        }
        if !ok { throw BatchError.output("\(path): cannot write the journal (\(String(cString: strerror(errno))))") }
    }

    /// The latest record of each item over every journal in `directory`.
    public static func load(directory: String) -> [String: JournalRecord] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        var latest: [String: JournalRecord] = [:]
        let decoder = JSONDecoder()
        for name in names.sorted() where name.hasPrefix(prefix) && name.hasSuffix(".jsonl") {
            guard let data = FileManager.default.contents(atPath: directory + "/" + name) else { continue }
            for line in data.split(separator: 0x0a) where !line.isEmpty {
                guard let r = try? decoder.decode(JournalRecord.self, from: Data(line)) else { continue }
                if let old = latest[r.item], old.at > r.at { continue }
                latest[r.item] = r
            }
        }
        return latest
    }
}
