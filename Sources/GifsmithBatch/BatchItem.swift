import Foundation

/// One input of a batch and where its GIF goes.
public struct BatchItem: Sendable, Hashable {
    /// The input's path relative to the batch's root ('/'-separated, no leading "./"): the
    /// journal's key and what the shard hash reads, so it must not depend on where the batch runs.
    public var key: String
    /// The path to read.
    public var input: String
    /// The GIF's path.
    public var output: String
    /// Per-item `convert` options as command-line words (from a manifest line), applied after the
    /// batch's own options, so they win.
    public var overrides: [String]

    public init(key: String, input: String, output: String, overrides: [String] = []) {
        self.key = key
        self.input = input
        self.output = output
        self.overrides = overrides
    }
}

/// What `gifsmith batch` reads its items from.
public enum BatchInputKind: String, Sendable {
    case directory, list, manifest
}

/// Finds a batch's items: every video or image under a folder, the paths of a list file, or
/// the lines of a JSONL manifest.
public struct BatchInputs: Sendable {
    /// Extensions a folder walk picks up when no `--include` is given (compared lowercased).
    public static let defaultExtensions: Set<String> = [
        "mp4", "m4v", "mov", "mkv", "webm", "avi", "flv", "wmv", "mpg", "mpeg", "ts", "mts", "m2ts", "3gp",
        "ogv", "y4m", "gif", "apng", "png", "jpg", "jpeg", "webp", "bmp", "tif", "tiff",
    ]

    public var source: String
    public var outputDirectory: String
    /// fnmatch(3) globs. A glob without '/' matches the file name, one with '/' the relative path.
    /// With includes, a file must match one of them (the default extension filter is then off).
    public var include: [String]
    public var exclude: [String]

    public init(source: String, outputDirectory: String, include: [String] = [], exclude: [String] = []) {
        self.source = source
        self.outputDirectory = outputDirectory
        self.include = include
        self.exclude = exclude
    }

    public var kind: BatchInputKind {
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: source, isDirectory: &isDir), isDir.boolValue { return .directory }
        let ext = (source as NSString).pathExtension.lowercased()
        return ext == "jsonl" || ext == "ndjson" ? .manifest : .list
    }

    /// The items, sorted by key. Throws `BatchError` when the source cannot be read or a manifest
    /// line is not a JSON object with an "input".
    public func items() throws -> [BatchItem] {
        guard FileManager.default.fileExists(atPath: source) else {
            throw BatchError.inputMissing("\(source): no such file or folder")
        }
        let found: [BatchItem]
        switch kind {
        case .directory: found = try walk()
        case .list: found = try listItems()
        case .manifest: found = try manifestItems()
        }
        return found.sorted { $0.key < $1.key }
    }

    // MARK: - Folder

    private func walk() throws -> [BatchItem] {
        let root = URL(fileURLWithPath: source).standardizedFileURL.resolvingSymlinksInPath().path
        let outRoot = URL(fileURLWithPath: outputDirectory).standardizedFileURL.resolvingSymlinksInPath().path
        guard let walker = FileManager.default.enumerator(atPath: root) else {
            throw BatchError.inputMissing("\(source): cannot list the folder")
        }
        var items: [BatchItem] = []
        while let rel = walker.nextObject() as? String {
            let full = root + "/" + rel
            let name = (rel as NSString).lastPathComponent
            var isDir: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: full, isDirectory: &isDir)
            // Hidden entries (journals, half-written temporaries) and the output tree, when it
            // lies inside the input, are never inputs.
            if name.hasPrefix(".") || full == outRoot || full.hasPrefix(outRoot + "/") {
                if isDir.boolValue { walker.skipDescendants() }
                continue
            }
            if isDir.boolValue { continue }
            guard selected(rel) else { continue }
            items.append(BatchItem(key: rel, input: full, output: outputPath(forKey: rel)))
        }
        return items
    }

    func selected(_ rel: String) -> Bool {
        let name = (rel as NSString).lastPathComponent
        func matches(_ glob: String) -> Bool {
            fnmatch(glob, glob.contains("/") ? rel : name, 0) == 0
        }
        if exclude.contains(where: matches) { return false }
        if include.isEmpty { return Self.defaultExtensions.contains((name as NSString).pathExtension.lowercased()) }
        return include.contains(where: matches)
    }

    // MARK: - List file and manifest

    private func readLines() throws -> [String] {
        guard let data = FileManager.default.contents(atPath: source) else {
            throw BatchError.inputMissing("\(source): cannot be read")
        }
        return String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline).map(String.init)
    }

    /// Relative entries are read relative to the list's own folder, so a list works from any
    /// working directory (a cluster node's is rarely the submitter's).
    private var baseDirectory: String { (URL(fileURLWithPath: source).standardizedFileURL.deletingLastPathComponent().path) }

    private func listItems() throws -> [BatchItem] {
        try readLines().compactMap { raw in
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { return nil }
            let key = Self.key(for: line)
            return BatchItem(key: key, input: resolve(line), output: outputPath(forKey: key))
        }
    }

    private func manifestItems() throws -> [BatchItem] {
        var items: [BatchItem] = []
        for (n, raw) in try readLines().enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty { continue }
            guard let obj = try? JSONDecoder().decode([String: ManifestValue].self, from: Data(line.utf8)) else {
                throw BatchError.usage("\(source):\(n + 1): not a JSON object of strings, numbers and booleans")
            }
            guard case let .string(input)? = obj["input"], !input.isEmpty else {
                throw BatchError.usage("\(source):\(n + 1): no \"input\" path")
            }
            let key = Self.key(for: input)
            var output = outputPath(forKey: key)
            if case let .string(o)? = obj["output"], !o.isEmpty {
                output = o.hasPrefix("/") ? o : outputDirectory + "/" + o
            }
            var words: [String] = []
            for name in obj.keys.sorted() where name != "input" && name != "output" {
                words += Self.words(option: name, value: obj[name]!)
            }
            items.append(BatchItem(key: key, input: resolve(input), output: output, overrides: words))
        }
        return items
    }

    /// A manifest key and value as `convert` words: {"width": 320} → --width 320, {"crop_aspect":
    /// "1:1"} → --crop-aspect 1:1, {"no-optimize": true} → --no-optimize, {"optimize": false} →
    /// --no-optimize. The option's meaning is `convert`'s, checked when the item runs.
    static func words(option name: String, value: ManifestValue) -> [String] {
        let flag = "--" + name.replacingOccurrences(of: "_", with: "-")
        switch value {
        case .null: return []
        case let .bool(b):
            if name == "optimize" { return b ? [] : ["--no-optimize"] }
            return b ? [flag] : []
        case let .int(i): return [flag, String(i)]
        case let .double(d): return [flag, "\(d)"]
        case let .string(s): return [flag, s]
        }
    }

    private func resolve(_ path: String) -> String {
        path.hasPrefix("/") ? path : baseDirectory + "/" + path
    }

    /// A key from a path as written: "./a//b.mp4" → "a/b.mp4", "/data/a.mp4" → "data/a.mp4".
    static func key(for path: String) -> String {
        path.split(separator: "/").filter { $0 != "." && !$0.isEmpty }.joined(separator: "/")
    }

    /// OUT/x/y/clip.gif for x/y/clip.mp4.
    func outputPath(forKey key: String) -> String {
        // ".." in a list entry must not lead the output out of the output folder.
        let safe = key.split(separator: "/").map { $0 == ".." ? "__" : String($0) }.joined(separator: "/")
        let stem = (safe as NSString).deletingPathExtension
        return outputDirectory + "/" + (stem.isEmpty ? safe : stem) + ".gif"
    }
}

/// A manifest value: options are flat, so nothing nests.
enum ManifestValue: Decodable, Equatable {
    case string(String), bool(Bool), int(Int64), double(Double), null

    init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let i = try? c.decode(Int64.self) { self = .int(i) }
        else { self = .double(try c.decode(Double.self)) }
    }
}
