import Foundation
import XCTest
import GifsmithBatch

/// End-to-end: the built `gifsmith batch` over folders of tiny generated clips, some broken.
final class BatchCLITests: XCTestCase {
    // MARK: - Fixtures

    private var work: String!

    override func setUpWithError() throws {
        try XCTSkipUnless(Tool.batchAvailable, "the gifsmith binary has no `batch` subcommand (not registered yet)")
        work = NSTemporaryDirectory() + "gifsmith-batch-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        if let work { try? FileManager.default.removeItem(atPath: work) }
    }

    /// `good` clips spread over nested folders (four distinct encodes, copied) and the four
    /// kinds of bad input. Returns the keys of the good and the bad ones.
    @discardableResult
    private func makeTree(_ root: String, good: Int, bad: Bool = true, seconds: String = "0.3") throws -> (good: [String], bad: [String: String]) {
        let seeds = try (0..<4).map { i -> String in
            let p = work + "/seed\(i)-\(seconds).mp4"
            if !FileManager.default.fileExists(atPath: p) {
                try Tool.ffmpeg(["-f", "lavfi", "-i", "testsrc=size=64x48:rate=10:duration=\(seconds)", "-vf", "hue=h=\(i * 90)",
                                 "-pix_fmt", "yuv420p", p])
            }
            return p
        }
        var keys: [String] = []
        for i in 0..<good {
            let key = "d\(i % 3)/sub\(i % 2)/clip\(i).mp4"
            try FileManager.default.createDirectory(atPath: root + "/" + (key as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: seeds[i % 4], toPath: root + "/" + key)
            keys.append(key)
        }
        var badKeys: [String: String] = [:]
        guard bad else { return (keys, badKeys) }
        try FileManager.default.createDirectory(atPath: root + "/bad", withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: root + "/bad/zero.mp4", contents: Data())
        badKeys["bad/zero.mp4"] = "empty"
        var rng = SystemRandomNumberGenerator()
        FileManager.default.createFile(atPath: root + "/bad/garbage.mp4", contents: Data((0..<4000).map { _ in UInt8.random(in: 0...255, using: &rng) }))
        badKeys["bad/garbage.mp4"] = "not a video"
        let whole = try Data(contentsOf: URL(fileURLWithPath: seeds[0]))
        FileManager.default.createFile(atPath: root + "/bad/truncated.mp4", contents: whole.prefix(whole.count / 3))
        badKeys["bad/truncated.mp4"] = "truncated"
        try Tool.ffmpeg(["-f", "lavfi", "-i", "sine=duration=0.3", "-c:a", "aac", root + "/bad/audio.mp4"])
        badKeys["bad/audio.mp4"] = "no video stream"
        return (keys, badKeys)
    }

    private func summary(_ r: Tool.Result) throws -> BatchSummary {
        try JSONDecoder().decode(BatchSummary.self, from: Data(r.stdout.utf8))
    }

    private func journalLines(_ out: String) throws -> [JournalRecord] {
        var all: [JournalRecord] = []
        for name in try FileManager.default.contentsOfDirectory(atPath: out) where name.hasPrefix(".gifsmith-journal") {
            let text = try String(contentsOfFile: out + "/" + name, encoding: .utf8)
            for line in text.split(separator: "\n") {
                // Every line written by a run that ended normally or by SIGINT is whole.
                all.append(try JSONDecoder().decode(JournalRecord.self, from: Data(line.utf8)))
            }
        }
        return all
    }

    /// Files under `out` that are neither GIFs nor journals (temporaries left behind).
    private func strayFiles(_ out: String) -> [String] {
        let walker = FileManager.default.enumerator(atPath: out)!
        var stray: [String] = []
        while let rel = walker.nextObject() as? String {
            let name = (rel as NSString).lastPathComponent
            var isDir: ObjCBool = false
            FileManager.default.fileExists(atPath: out + "/" + rel, isDirectory: &isDir)
            if isDir.boolValue { continue }
            if name.hasSuffix(".gif") && !name.hasPrefix(".") { continue }
            if name.hasPrefix(".gifsmith-journal") && name.hasSuffix(".jsonl") { continue }
            stray.append(rel)
        }
        return stray
    }

    // MARK: - Tests

    func testGoodClipsConvertBadOnesAreReportedAndRerunSkips() throws {
        let input = work + "/in", out = work + "/out"
        let (good, bad) = try makeTree(input, good: 36)
        let r = try Tool.gifsmith(["batch", input, "-o", out, "--jobs", "2", "--width", "32", "--json", "-q"])
        XCTAssertEqual(r.status, 65, r.stderr)
        let s = try summary(r)
        XCTAssertEqual(s.total, 40)
        XCTAssertEqual(s.done, 36)
        XCTAssertEqual(s.failed, 4)
        XCTAssertGreaterThan(s.bytesOut, 0)
        for key in good {
            let gif = out + "/" + (key as NSString).deletingPathExtension + ".gif"
            let probe = try Tool.run("/usr/bin/ffprobe", ["-v", "error", "-count_frames", "-select_streams", "v:0",
                                                         "-show_entries", "stream=codec_name,width,height,nb_read_frames", "-of", "csv=p=0", gif])
            XCTAssertEqual(probe.status, 0, "\(gif): \(probe.stderr)")
            XCTAssertEqual(probe.stdout.trimmingCharacters(in: .whitespacesAndNewlines), "gif,32,24,3", key)
        }
        let failures = Dictionary(uniqueKeysWithValues: s.failures.map { ($0.item, $0) })
        XCTAssertEqual(Set(failures.keys), Set(bad.keys))
        for (key, reason) in bad {
            XCTAssertTrue(failures[key]!.error.contains(reason), "\(key): \(failures[key]!.error)")
            XCTAssertEqual(failures[key]!.category, "badInput")
            XCTAssertFalse(FileManager.default.fileExists(atPath: out + "/" + (key as NSString).deletingPathExtension + ".gif"))
        }
        XCTAssertTrue(r.stderr.contains("bad/zero.mp4"), "the failures table names the bad items")
        XCTAssertEqual(strayFiles(out), [])
        let records = try journalLines(out)
        XCTAssertEqual(records.count, 40)
        XCTAssertEqual(Set(records.filter { $0.status == .done }.map(\.item)), Set(good))

        // Rerun: everything done is skipped; the bad ones are tried again and fail again.
        let again = try summary(try Tool.gifsmith(["batch", input, "-o", out, "--width", "32", "--json", "-q"]))
        XCTAssertEqual(again.skipped, 36)
        XCTAssertEqual(again.done, 0)
        XCTAssertEqual(again.failed, 4)

        // A changed input and changed options are redone; --force redoes all.
        try FileManager.default.removeItem(atPath: input + "/" + good[5])
        try FileManager.default.copyItem(atPath: work + "/seed2-0.3.mp4", toPath: input + "/" + good[5])
        let changed = try summary(try Tool.gifsmith(["batch", input, "-o", out, "--width", "32", "--json", "-q"]))
        XCTAssertEqual(changed.done, 1)
        XCTAssertEqual(changed.skipped, 35)
        let wider = try summary(try Tool.gifsmith(["batch", input, "-o", out, "--width", "40", "--json", "-q", "--exclude", "bad/*"]))
        XCTAssertEqual(wider.done, 36)
        XCTAssertEqual(wider.total, 36)
        let forced = try Tool.gifsmith(["batch", input, "-o", out, "--width", "40", "--json", "-q", "--exclude", "bad/*", "--force"])
        XCTAssertEqual(forced.status, 0, forced.stderr)
        XCTAssertEqual(try summary(forced).done, 36)
    }

    func testShardsRunConcurrentlyCoverEverythingOnce() throws {
        let input = work + "/in", out = work + "/out"
        let (good, _) = try makeTree(input, good: 24, bad: false)
        let runs = try (0..<3).map { k in
            try Tool.start(["batch", input, "-o", out, "--shard", "\(k)/3", "--json", "-q"])
        }
        var doneByShard: [[String]] = []
        for run in runs {
            let r = run.wait()
            XCTAssertEqual(r.status, 0, r.stderr)
            doneByShard.append([])
            XCTAssertGreaterThan(try summary(r).done, 0)
        }
        let records = try journalLines(out)
        for name in try FileManager.default.contentsOfDirectory(atPath: out) where name.hasPrefix(".gifsmith-journal") {
            XCTAssertTrue(name.contains("-of-3"), name)
        }
        let done = records.filter { $0.status == .done }.map(\.item)
        XCTAssertEqual(done.count, good.count, "no item done twice")
        XCTAssertEqual(Set(done), Set(good), "the union is everything")
        // Kubernetes' index with the count from the environment gives the same split: all skipped.
        let k8s = try Tool.gifsmith(["batch", input, "-o", out, "--json", "-q"],
                                    environment: ["JOB_COMPLETION_INDEX": "1", "JOB_COMPLETION_COUNT": "3"])
        let s = try summary(k8s)
        XCTAssertEqual(s.shard, "1/3")
        XCTAssertEqual(s.done, 0)
        XCTAssertEqual(s.skipped, s.total)
        XCTAssertEqual(s.total, good.filter { (try? Shard(index: 1, count: 3).contains($0)) == true }.count)
    }

    func testInterruptedBatchLeavesNoPartialsAndRerunFinishes() throws {
        let input = work + "/in", out = work + "/out"
        let (good, _) = try makeTree(input, good: 16, bad: false, seconds: "2")
        let run = try Tool.start(["batch", input, "-o", out, "--jobs", "2", "--json", "-q"])
        // Interrupt once a few items are recorded, while others are mid-conversion.
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            let n = ((try? journalLines(out)) ?? []).count
            if n >= 3 { break }
            usleep(20_000)
        }
        run.process.interrupt()
        let r = run.wait()
        XCTAssertEqual(r.status, 130, r.stderr)
        let first = try summary(r)
        XCTAssertTrue(first.interrupted)
        XCTAssertLessThan(first.done, good.count, "interrupted before the end")
        XCTAssertEqual(strayFiles(out), [], "no partial output")
        // Every recorded item has its GIF; no GIF exists without a record.
        let recorded = Set(try journalLines(out).map(\.item))
        XCTAssertEqual(recorded.count, first.done)
        let rerun = try Tool.gifsmith(["batch", input, "-o", out, "--jobs", "2", "--json", "-q"])
        XCTAssertEqual(rerun.status, 0, rerun.stderr)
        let second = try summary(rerun)
        XCTAssertEqual(second.skipped, first.done)
        XCTAssertEqual(second.done, good.count - first.done)
        let records = try journalLines(out)
        XCTAssertEqual(records.count, good.count, "every good item done exactly once")
        XCTAssertEqual(Set(records.map(\.item)), Set(good))
        XCTAssertEqual(strayFiles(out), [])
    }

    func testManifestGivesPerItemOptions() throws {
        let input = work + "/in", out = work + "/out"
        let (good, _) = try makeTree(input, good: 3, bad: false)
        let manifest = work + "/in/m.jsonl"
        let lines = [
            #"{"input": "\#(good[0])", "width": 24}"#,
            #"{"input": "\#(good[1])", "output": "named/x.gif", "width": 40, "dither": "bayer", "bayer_scale": 3}"#,
            #"{"input": "\#(good[2])", "dither": "sparkles"}"#,
        ]
        try (lines.joined(separator: "\n") + "\n").write(toFile: manifest, atomically: true, encoding: .utf8)
        let r = try Tool.gifsmith(["batch", manifest, "-o", out, "--width", "16", "--json", "-q"])
        XCTAssertEqual(r.status, 65, r.stderr)
        let s = try summary(r)
        XCTAssertEqual(s.done, 2)
        XCTAssertEqual(s.failures.map(\.item), [good[2]])
        XCTAssertTrue(s.failures[0].error.contains("sparkles"), s.failures[0].error)
        XCTAssertEqual(s.failures[0].category, "usage")
        func width(_ p: String) throws -> String {
            try Tool.run("/usr/bin/ffprobe", ["-v", "error", "-show_entries", "stream=width", "-of", "csv=p=0", p])
                .stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        XCTAssertEqual(try width(out + "/" + (good[0] as NSString).deletingPathExtension + ".gif"), "24")
        XCTAssertEqual(try width(out + "/named/x.gif"), "40")
    }

    func testBatchLevelErrorsHaveTheirExitCodes() throws {
        XCTAssertEqual(try Tool.gifsmith(["batch", work + "/nope", "-o", work + "/out"]).status, 66)
        try FileManager.default.createDirectory(atPath: work + "/in", withIntermediateDirectories: true)
        XCTAssertEqual(try Tool.gifsmith(["batch", work + "/in", "-o", work + "/out", "--shard", "3/3"]).status, 64)
        XCTAssertEqual(try Tool.gifsmith(["batch", work + "/in", "-o", work + "/out", "--width", "0"]).status, 64)
        let empty = try Tool.gifsmith(["batch", work + "/in", "-o", work + "/out", "--json"])
        XCTAssertEqual(empty.status, 0)
        XCTAssertEqual(try summary(empty).total, 0)
    }
}
