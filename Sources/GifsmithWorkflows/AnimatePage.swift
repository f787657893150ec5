import Foundation
import Gifsmith
import GifsmithAPI
import GifsmithMedia
import GifsmithStandIn

/// Seed 001: every illustration of a page → chat-written motion prompt → video → GIF, and a copy
/// of the page with each illustration replaced in place.
public struct AnimatePageOptions: Sendable {
    /// An HTML file, a Markdown file (.md, .markdown) or an http(s) URL.
    public var input: String
    /// Receives index.html (or index.md), images/NAME.gif, images/NAME.orig.EXT and the manifest.
    public var outputDirectory: String
    /// Images whose shorter side is below this many pixels are left alone.
    public var minSize: Int
    /// Ask for videos that end on their first frame, for seamlessly looping GIFs.
    public var loop: Bool
    /// Images animated at the same time.
    public var concurrency: Int
    public var gif: GIFSettings
    /// Redo every image, ignoring finished ones from earlier runs.
    public var force: Bool

    public init(input: String, outputDirectory: String, minSize: Int = 128, loop: Bool = false, concurrency: Int = 2,
                gif: GIFSettings = GIFSettings(fps: FrameRate(10), width: 480), force: Bool = false) {
        self.input = input
        self.outputDirectory = outputDirectory
        self.minSize = minSize
        self.loop = loop
        self.concurrency = concurrency
        self.gif = gif
        self.force = force
    }
}

/// What happened to one image reference of the page.
public struct AnimatePageItem: Sendable, Equatable {
    public enum Status: Sendable, Equatable {
        case done
        /// Finished by an earlier run with the same image bytes and options.
        case reused
        case skipped(String)
        case failed(String)
    }
    /// The reference as written in the page.
    public var source: String
    /// 1-based line of the reference in the page.
    public var line: Int
    public var status: Status
    /// The GIF, relative to the output folder (as written into the page), when done or reused.
    public var gif: String?
    /// The copy of the original image, relative to the output folder.
    public var original: String?
    public var prompt: String?

    /// "done", "reused", "skipped (why)" or "failed (why)".
    public var statusText: String {
        switch status {
        case .done: return "done"
        case .reused: return "reused"
        case let .skipped(why): return "skipped (\(why))"
        case let .failed(why): return "failed (\(why))"
        }
    }
}

/// The whole run: the rewritten page, each reference's outcome, and the usual result.
public struct AnimatePageReport: Sendable {
    /// index.html or index.md in the output folder.
    public var page: String
    public var items: [AnimatePageItem]
    public var result: WorkflowResult
    /// One line per image reference, aligned, for the end of a run.
    public var summary: [String]
}

public enum AnimatePage {
    /// The manifest of finished images in the output folder, read by later runs.
    public static let manifestName = "animate-page.json"

    public static func run(_ options: AnimatePageOptions, session: ServiceSession,
                           progress: @escaping (WorkflowEvent) -> Void = { _ in }) throws -> WorkflowResult {
        try report(options, session: session, progress: progress).result
    }

    /// `run`, with every image's outcome.
    public static func report(_ o: AnimatePageOptions, session: ServiceSession,
                              progress: @escaping (WorkflowEvent) -> Void = { _ in }) throws -> AnimatePageReport {
        let start = Date()
        do {
            return try PageRun(o, session: session, progress: progress, start: start).execute()
        } catch {
            throw WorkflowError.wrap(error)
        }
    }
}

/// Serialises progress events: images are animated on several threads.
private final class EventSink: @unchecked Sendable {
    private let lock = NSLock()
    private let fn: (WorkflowEvent) -> Void
    init(_ fn: @escaping (WorkflowEvent) -> Void) { self.fn = fn }
    func callAsFunction(_ e: WorkflowEvent) { lock.withLock { fn(e) } }
}

/// Results written from worker threads, one slot per index.
private final class Slots<T: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [T?]
    private var next = 0
    init(_ n: Int) { values = Array(repeating: nil, count: n) }
    func take() -> Int { lock.withLock { defer { next += 1 }; return next } }
    func set(_ i: Int, _ v: T) { lock.withLock { values[i] = v } }
    var all: [T?] { lock.withLock { values } }
}

/// The manifest, shared by the workers and rewritten after each finished image so an
/// interrupted run keeps what it finished.
private final class ManifestStore: @unchecked Sendable {
    struct Entry: Codable, Sendable {
        var name: String
        var gif: String
        var original: String
        var source: String
        var prompt: String?
    }
    struct File: Codable { var version: Int; var items: [String: Entry] }

    private let lock = NSLock()
    private var items: [String: Entry]
    let path: String

    init(path: String) {
        self.path = path
        let data = FileManager.default.contents(atPath: path)
        let file = data.flatMap { try? JSONDecoder().decode(File.self, from: $0) }
        items = file?.version == 1 ? file!.items : [:]
    }

    subscript(key: String) -> Entry? { lock.withLock { items[key] } }
    /// The name an earlier run gave to the image at `source`, so a changed picture keeps its file names.
    func name(forSource source: String) -> String? { lock.withLock { items.values.first { $0.source == source }?.name } }
    var names: Set<String> { lock.withLock { Set(items.values.map(\.name)) } }

    func record(_ key: String, _ entry: Entry) throws {
        try lock.withLock {
            // The entry this one supersedes (same file names, older picture) goes.
            items = items.filter { $0.value.name != entry.name }
            items[key] = entry
            let enc = JSONEncoder()
            enc.outputFormatting = [.prettyPrinted, .sortedKeys]
            try AtomicFile.write(try enc.encode(File(version: 1, items: items)), to: path)
        }
    }
}

private struct PageRun {
    enum Kind { case html, markdown }

    /// An image fetched and measured, ready to animate.
    struct Prepared: Sendable {
        var key: String
        var bytes: [UInt8]
        /// A readable file of the original (in the page's folder or the work folder).
        var file: String
        var width: Int
        var height: Int
    }

    enum Stage1: Sendable {
        case ready(Prepared)
        case skipped(String)
        case failed(String)
    }

    struct Outcome: Sendable {
        var status: AnimatePageItem.Status
        var gif: String?
        var original: String?
        var prompt: String?
        var transcode: TranscodeResult?
    }

    let o: AnimatePageOptions
    let session: ServiceSession
    let events: EventSink
    let start: Date

    init(_ o: AnimatePageOptions, session: ServiceSession, progress: @escaping (WorkflowEvent) -> Void, start: Date) {
        self.o = o
        self.session = session
        events = EventSink(progress)
        self.start = start
    }

    func execute() throws -> AnimatePageReport {
        guard o.minSize >= 0 else { throw WorkflowError(.usage, "--min-size must not be negative") }
        guard o.concurrency >= 1 else { throw WorkflowError(.usage, "--concurrency must be at least 1") }
        let work = try Steps.scratch()
        defer { try? FileManager.default.removeItem(atPath: work) }

        let (bytes, kind, locator) = try loadPage(work: work)
        var refs: [PageImageRef]
        switch kind {
        case .html:
            refs = PageParser.html(bytes) { src in
                if !src.isEmpty { events(.warning("cannot find <img src=\"\(src)\"> in the page's text; left alone")) }
            }
        case .markdown:
            refs = PageParser.markdown(bytes)
        }
        guard !refs.isEmpty else {
            throw WorkflowError(.usage, "\(o.input) holds no images (no <img src> or ![alt](src)); nothing to animate")
        }
        events(.step("found \(refs.count) image reference\(refs.count == 1 ? "" : "s") in \(o.input)"))

        let out = o.outputDirectory
        do {
            try FileManager.default.createDirectory(atPath: out + "/images", withIntermediateDirectories: true)
        } catch {
            throw WorkflowError(.output, "cannot create \(out)/images: \(error.localizedDescription)")
        }
        let manifest = ManifestStore(path: out + "/" + AnimatePage.manifestName)

        // Stage 1: resolve, fetch, measure and hash each distinct address.
        var distinct: [String] = []
        var indexOf: [String: Int] = [:]
        for r in refs where indexOf[address(r)] == nil {
            indexOf[address(r)] = distinct.count
            distinct.append(address(r))
        }
        let firstRef = distinct.map { a in refs.first { address($0) == a }! }
        let stage1 = Slots<Stage1>(distinct.count)
        parallel(distinct.count) { i in stage1.set(i, prepare(firstRef[i], locator: locator, work: work, index: i)) }
        let prepared = stage1.all.map { $0 ?? .failed("not processed") }

        // Stage 2: one job per distinct image (same bytes, same GIF), named once, up front.
        var keys: [String] = []
        var byKey: [String: Prepared] = [:]
        var names: [String: String] = [:]
        var sources: [String: String] = [:]
        var taken = manifest.names
        var usedNow = Set<String>()
        for (i, p) in prepared.enumerated() {
            guard case let .ready(item) = p, byKey[item.key] == nil else { continue }
            keys.append(item.key)
            byKey[item.key] = item
            sources[item.key] = distinct[i]
            if let entry = manifest[item.key] {
                names[item.key] = entry.name
            } else if let name = manifest.name(forSource: distinct[i]), !usedNow.contains(name) {
                names[item.key] = name
            } else {
                let stem = PageNames.stem(distinct[i])
                var name = stem
                var n = 2
                while taken.contains(name) { name = "\(stem)-\(n)"; n += 1 }
                taken.insert(name)
                names[item.key] = name
            }
            usedNow.insert(names[item.key]!)
        }
        let outcomes = Slots<Outcome>(keys.count)
        let (jobKeys, jobItems, jobNames, jobSources) = (keys, byKey, names, sources)
        parallel(jobKeys.count) { i in
            let key = jobKeys[i]
            outcomes.set(i, animate(jobItems[key]!, name: jobNames[key]!, source: jobSources[key]!, manifest: manifest, output: out))
        }
        var outcomeByKey: [String: Outcome] = [:]
        for (i, oc) in outcomes.all.enumerated() { outcomeByKey[keys[i]] = oc ?? Outcome(status: .failed("not processed")) }

        // The page, rewritten in place: only the replaced attribute values change.
        var items: [AnimatePageItem] = []
        var edits: [(Range<Int>, String)] = []
        for r in refs {
            var item = AnimatePageItem(source: r.src, line: r.line, status: .failed("not processed"))
            switch prepared[indexOf[address(r)]!] {
            case let .skipped(why): item.status = .skipped(why)
            case let .failed(why): item.status = .failed(why)
            case let .ready(p):
                let oc = outcomeByKey[p.key]!
                item.status = oc.status
                item.gif = oc.gif
                item.original = oc.original
                item.prompt = oc.prompt
                if let gif = oc.gif {
                    let value = kind == .html ? escapeAttribute(gif) : gif
                    edits.append((r.srcRange, value))
                    if let s = r.srcsetRange { edits.append((s, value)) }
                }
            }
            items.append(item)
        }
        let page = out + "/" + (kind == .html ? "index.html" : "index.md")
        var text = bytes
        for (range, value) in edits.sorted(by: { $0.0.lowerBound > $1.0.lowerBound }) {
            text.replaceSubrange(range, with: Array(value.utf8))
        }
        try AtomicFile.write(Data(text), to: page)

        let summary = summaryLines(items)
        events(.step("summary:"))
        for line in summary { events(.step(line)) }

        let worked = items.filter { $0.status == .done || $0.status == .reused }
        if worked.isEmpty {
            let failures = items.compactMap { if case let .failed(why) = $0.status { return "\($0.source): \(why)" } else { return nil } }
            if !failures.isEmpty {
                throw WorkflowError(.remote, "no image could be animated: " + failures.joined(separator: "; "))
            }
            throw WorkflowError(.usage, "\(o.input) has no illustration to animate: "
                + items.map { "\($0.source) \($0.statusText)" }.joined(separator: "; "))
        }
        var outputs = [page]
        var seen = Set<String>()
        for item in worked {
            for f in [item.gif, item.original].compactMap({ $0 }) where seen.insert(f).inserted { outputs.append(out + "/" + f) }
        }
        outputs.append(manifest.path)
        let lastGIF = keys.compactMap { outcomeByKey[$0]?.transcode }.last
        let result = WorkflowResult(outputs: outputs, gif: lastGIF, loopDifference: nil, prompt: nil,
                                    elapsedSeconds: Date().timeIntervalSince(start))
        return AnimatePageReport(page: page, items: items, result: result, summary: summary)
    }

    /// The address an image is fetched from: the largest `srcset` candidate when there is one.
    func address(_ r: PageImageRef) -> String { r.srcsetLargest ?? r.src }

    func loadPage(work: String) throws -> ([UInt8], Kind, PageLocator) {
        let input = o.input
        let lower = input.lowercased()
        if lower.hasPrefix("http://") || lower.hasPrefix("https://") {
            guard let url = URL(string: input) else { throw WorkflowError(.usage, "\(input) is not a valid URL") }
            events(.step("downloading \(HTTPClient.describe(input))"))
            let d = try session.config.http.download(input, to: work + "/page", maxBytes: 20 << 20,
                                                     acceptedTypes: ["text/", "application/xhtml"])
            let bytes = [UInt8](FileManager.default.contents(atPath: d.path) ?? Data())
            let md = d.contentType.contains("markdown") || [".md", ".markdown"].contains { url.path.lowercased().hasSuffix($0) }
            return (bytes, md ? .markdown : .html, PageLocator(folder: nil, pageURL: url))
        }
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: input, isDirectory: &isDir), !isDir.boolValue else {
            throw WorkflowError(.usage, "page \(input) does not exist")
        }
        guard let data = FileManager.default.contents(atPath: input) else { throw WorkflowError(.usage, "cannot read page \(input)") }
        let ext = (input as NSString).pathExtension.lowercased()
        let kind: Kind = ["md", "markdown", "mdown", "mkd"].contains(ext) ? .markdown : .html
        let folder = ((URL(fileURLWithPath: input).deletingLastPathComponent().path) as NSString).resolvingSymlinksInPath
        return ([UInt8](data), kind, PageLocator(folder: folder, pageURL: nil))
    }

    /// Icons and logos by name: class, id, alt or address mentioning them.
    static let decorWords = ["icon", "logo", "sprite", "avatar", "emoji"]

    func prepare(_ r: PageImageRef, locator: PageLocator, work: String, index: Int) -> Stage1 {
        let src = address(r)
        let label = src.count > 80 ? String(src.prefix(77)) + "..." : src
        for field in ["class", "id", "alt"] {
            if let v = r.attributes[field]?.lowercased(), let w = PageRun.decorWords.first(where: { v.contains($0) }) {
                return .skipped("\(field) mentions \"\(w)\": an icon or logo")
            }
        }
        let lowerSrc = src.lowercased()
        if let w = PageRun.decorWords.first(where: { lowerSrc.contains($0) }) { return .skipped("its address mentions \"\(w)\": an icon or logo") }
        let bare = lowerSrc.split(whereSeparator: { $0 == "?" || $0 == "#" }).first.map(String.init) ?? lowerSrc
        if bare.hasSuffix(".svg") || bare.hasSuffix(".svgz") || lowerSrc.hasPrefix("data:image/svg") { return .skipped("SVG (drawings, not photos)") }

        let source: PageImageSource
        do {
            source = try locator.resolve(src)
        } catch {
            switch error {
            case let .refused(why):
                events(.warning(why))
                return .skipped(why)
            case let .skipped(why):
                return src.isEmpty ? .skipped(why) : .failed(why)
            }
        }
        let file: String
        do {
            switch source {
            case let .local(path):
                file = path
            case let .remote(url):
                events(.step("downloading \(HTTPClient.describe(url))"))
                file = work + "/fetched-\(index)"
                let d = try session.config.http.download(url, to: file, maxBytes: 50 << 20, acceptedTypes: ["image/"])
                if d.contentType.contains("svg") { return .skipped("SVG (drawings, not photos)") }
            case let .inline(data, mime):
                if mime.contains("svg") { return .skipped("SVG (drawings, not photos)") }
                file = work + "/inline-\(index)"
                try AtomicFile.write(data, to: file)
            }
        } catch {
            return .failed("\(WorkflowError.wrap(error))")
        }
        guard let data = FileManager.default.contents(atPath: file) else { return .failed("cannot read \(label)") }
        let bytes = [UInt8](data)
        let size: (Int, Int)
        if let frame = try? StillImage.load(file) {
            size = (frame.width, frame.height)
        } else if let w = r.attributes["width"].flatMap({ Int($0) }), let h = r.attributes["height"].flatMap({ Int($0) }), min(w, h) < o.minSize {
            return .skipped("\(w)x\(h) by its attributes, below --min-size \(o.minSize)")
        } else {
            return .failed("cannot decode \(label) as an image")
        }
        if min(size.0, size.1) < o.minSize {
            return .skipped("\(size.0)x\(size.1), below --min-size \(o.minSize)")
        }
        // The video model's limit (1:2.5 ... 2.5:1) in integers: 2 * long <= 5 * short.
        if 2 * max(size.0, size.1) > 5 * min(size.0, size.1) {
            return .skipped("\(size.0)x\(size.1): the video model takes aspect ratios from 1:2.5 to 2.5:1 only")
        }
        return .ready(Prepared(key: SHA256.hex(bytes + Array(fingerprint.utf8)), bytes: bytes, file: file, width: size.0, height: size.1))
    }

    /// Everything besides the image bytes that changes the GIF.
    var fingerprint: String {
        let fps = o.gif.fps.map { "\($0.numerator)/\($0.denominator)" } ?? "source"
        return "|animate-page v1|loop=\(o.loop)|fps=\(fps)|width=\(o.gif.width.map(String.init) ?? "source")|colors=\(o.gif.colors)|model=\(KlingModel.v16Pro)|duration=5"
    }

    func animate(_ p: Prepared, name: String, source: String, manifest: ManifestStore, output: String) -> Outcome {
        let gif = "images/\(name).gif"
        let original = "images/\(name).orig.\(PageNames.ext(p.bytes, src: source))"
        if !o.force, let entry = manifest[p.key], entry.gif == gif,
           FileManager.default.fileExists(atPath: output + "/" + entry.gif), FileManager.default.fileExists(atPath: output + "/" + entry.original) {
            events(.step("[\(name)] reusing \(entry.gif) from an earlier run"))
            return Outcome(status: .reused, gif: entry.gif, original: entry.original, prompt: entry.prompt)
        }
        do {
            let input = try uploadable(p, name: name)
            defer { if input != p.file { try? FileManager.default.removeItem(atPath: input) } }
            let tagged = events
            let r = try Animate.run(AnimateOptions(image: input, output: output + "/" + gif, loop: o.loop, gif: o.gif), session: session) { e in
                if case let .step(s) = e { tagged(.step("[\(name)] \(s)")) } else { tagged(e) }
            }
            try AtomicFile.write(Data(p.bytes), to: output + "/" + original)
            try manifest.record(p.key, .init(name: name, gif: gif, original: original, source: source, prompt: r.prompt))
            return Outcome(status: .done, gif: gif, original: original, prompt: r.prompt, transcode: r.gif)
        } catch {
            let message = "\(WorkflowError.wrap(error))"
            events(.warning("[\(name)] failed: \(message)"))
            return Outcome(status: .failed(message))
        }
    }

    /// The video model takes PNG or JPEG with sides of at least 300 px: other formats and
    /// smaller pictures become a PNG, scaled up (nearest neighbour) when needed.
    func uploadable(_ p: Prepared, name: String) throws -> String {
        if (try? InputImage(path: p.file)) != nil { return p.file }
        let frame = try StillImage.load(p.file)
        var canvas = Canvas(frame)
        let short = min(canvas.width, canvas.height)
        if short < InputImage.minSide {
            // Round up so the shorter side reaches the minimum: ceil(side * 300 / short).
            let w = (canvas.width * InputImage.minSide + short - 1) / short
            let h = (canvas.height * InputImage.minSide + short - 1) / short
            canvas = canvas.resized(width: w, height: h)
        }
        let path = NSTemporaryDirectory() + "gifsmith-page-\(getpid())-\(name)-\(UInt32.random(in: 0...UInt32.max)).png"
        try AtomicFile.write(try MediaEncoders.png(canvas), to: path)
        return path
    }

    /// Runs `body(0..<n)` on up to `o.concurrency` threads.
    func parallel(_ n: Int, _ body: @escaping @Sendable (Int) -> Void) {
        guard n > 0 else { return }
        let counter = Slots<Bool>(0)
        let group = DispatchGroup()
        for _ in 0..<min(n, o.concurrency) {
            group.enter()
            let t = Thread {
                while true {
                    let i = counter.take()
                    if i >= n { break }
                    body(i)
                }
                group.leave()
            }
            // Decoding and GIF encoding run on these threads; the default secondary-thread stack is small.
            t.stackSize = 8 << 20
            t.start()
        }
        group.wait()
    }

    func escapeAttribute(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "\"", with: "&quot;")
            .replacingOccurrences(of: "'", with: "&#39;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }

    func summaryLines(_ items: [AnimatePageItem]) -> [String] {
        let srcWidth = min(48, items.map { $0.source.count }.max() ?? 0)
        return items.map { item in
            var src = item.source.count > 48 ? String(item.source.prefix(45)) + "..." : item.source
            src += String(repeating: " ", count: max(0, srcWidth - src.count))
            let status = item.statusText + (item.gif.map { " → \($0)" } ?? "")
            return "  line \(item.line)\t\(src)  \(status)"
        }
    }
}
