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

    private var clips: TestClips { TestClips(work: work) }

    // MARK: - Tests

    /// The issue's scale check: 200 items in nested folders, 180 good (nine codecs and
    /// containers, copied) and 20 bad (four of each kind, spread over the folders).
    func testTwoHundredItemsGoodOnesConvertBadOnesAreReportedAndRerunSkips() throws {
        let input = work + "/in", out = work + "/out"
        let seeds = try clips.codecSeeds()
        let folders = ["", "d0", "d0/sub0", "d1/sub1", "d2/sub0/deep", "d2/sub1"]
        var good: [String: TestClips.Seed] = [:], bad: [String: TestClips.Bad] = [:]
        for i in 0..<200 {
            let folder = folders[(i + i / 10) % folders.count]
            let dir = folder.isEmpty ? "" : folder + "/"
            if i % 10 == 7 {
                let n = i / 10, kind = TestClips.Bad.allCases[n % 5]
                let key = "\(dir)broken\(i).\(kind.ext(n / 5))"
                try clips.writeBad(kind, variant: n / 5, to: input + "/" + key)
                bad[key] = kind
            } else {
                let seed = seeds[good.count % seeds.count]
                let key = "\(dir)clip\(i).\(seed.ext)"
                try clips.place(seed.path, at: input + "/" + key)
                good[key] = seed
            }
        }
        XCTAssertEqual(good.count, 180)
        XCTAssertEqual(Set(bad.values).count, 5)

        let r = try Tool.gifsmith(["batch", input, "-o", out, "--jobs", "2", "--width", "32", "--json", "-q"])
        XCTAssertEqual(r.status, 65, "some items failed: \(r.stderr)")
        let s = try BatchResults.summary(r)
        XCTAssertEqual([s.total, s.done, s.failed, s.failedEarlier, s.skipped, s.cancelled], [200, 180, 20, 0, 0, 0])
        XCTAssertGreaterThan(s.bytesOut, 0)

        // Every good GIF is whole and decodes, frame by frame, to the clip's frames at the
        // asked width; and copies of one clip give the same bytes.
        let keys = good.keys.sorted()
        let decoded = try BatchResults.decodeGIFs(keys.map { BatchResults.gif(out, $0) })
        var bytesBySeed: [String: Data] = [:]
        for (key, d) in zip(keys, decoded) {
            let seed = good[key]!, gif = BatchResults.gif(out, key)
            XCTAssertTrue(BatchResults.isWholeGIF(gif), key)
            XCTAssertEqual(d.width, 32, key)
            XCTAssertEqual(Double(d.height), 32 * Double(seed.height) / Double(seed.width), accuracy: 1, key)
            XCTAssertEqual(d.frames, seed.frames, key)
            let data = FileManager.default.contents(atPath: gif)
            if let first = bytesBySeed[seed.path] { XCTAssertEqual(data, first, "\(key) differs from another copy of its clip") }
            else { bytesBySeed[seed.path] = data }
        }

        // Every bad one is reported with its reason and category, and has no GIF.
        let failures = Dictionary(uniqueKeysWithValues: s.failures.map { ($0.item, $0) })
        XCTAssertEqual(Set(failures.keys), Set(bad.keys))
        for (key, kind) in bad {
            guard let f = failures[key] else { continue }
            XCTAssertTrue(f.error.contains(kind.reason), "\(key) (\(kind)): \(f.error)")
            XCTAssertEqual(f.category, kind.category, key)
            XCTAssertFalse(f.earlier, key)
            XCTAssertFalse(FileManager.default.fileExists(atPath: BatchResults.gif(out, key)), key)
            XCTAssertTrue(r.stderr.contains(key), "the failures table names \(key)")
        }
        XCTAssertEqual(BatchResults.strayFiles(out), [])
        let records = try BatchResults.journal(out)
        XCTAssertEqual(records.count, 200)
        XCTAssertEqual(Set(records.filter { $0.status == .done }.map(\.item)), Set(good.keys))
        for rec in records where rec.status == .failed {
            XCTAssertEqual(rec.category, bad[rec.item]?.category, rec.item)
            XCTAssertEqual(rec.inputFault, true, "\(rec.item): the input's own bytes are at fault")
        }

        // Rerun: the good ones are skipped; the bad ones, unchanged, are not tried again (no new
        // journal lines) but are still reported, and still make the exit code 65.
        let rerun = try Tool.gifsmith(["batch", input, "-o", out, "--jobs", "2", "--width", "32", "--json", "-q"])
        XCTAssertEqual(rerun.status, 65, rerun.stderr)
        let again = try BatchResults.summary(rerun)
        XCTAssertEqual([again.skipped, again.done, again.failed, again.failedEarlier], [180, 0, 20, 20])
        XCTAssertEqual(again.failures.map(\.item), s.failures.map(\.item))
        XCTAssertEqual(again.failures.map(\.error), s.failures.map(\.error))
        XCTAssertTrue(again.failures.allSatisfy(\.earlier))
        XCTAssertEqual(try BatchResults.journal(out).count, 200)
        XCTAssertTrue(rerun.stderr.contains("20 earlier"), rerun.stderr)

        // Changed options redo one folder's items, bad ones included; --force redoes them again.
        let subset = "d1/*"
        let inSubset = { (key: String) in key.hasPrefix("d1/") }
        let goodThere = good.keys.filter(inSubset).count, badThere = bad.keys.filter(inSubset).count
        XCTAssertGreaterThan(badThere, 0)
        let wider = try Tool.gifsmith(["batch", input, "-o", out, "--width", "40", "--include", subset, "--json", "-q"])
        XCTAssertEqual(wider.status, 65, wider.stderr)
        let w = try BatchResults.summary(wider)
        XCTAssertEqual([w.total, w.done, w.failed, w.failedEarlier], [goodThere + badThere, goodThere, badThere, 0])
        let forced = try Tool.gifsmith(["batch", input, "-o", out, "--width", "40", "--include", subset, "--force", "--json", "-q"])
        XCTAssertEqual(forced.status, 65, forced.stderr)
        let f = try BatchResults.summary(forced)
        XCTAssertEqual([f.done, f.skipped, f.failed, f.failedEarlier], [goodThere, 0, badThere, 0])
    }

    func testShardsRunConcurrentlyCoverEverythingOnce() throws {
        let input = work + "/in", out = work + "/out"
        let good = try clips.mp4Tree(input, count: 24)
        let runs = try (0..<3).map { k in
            try Tool.start(["batch", input, "-o", out, "--shard", "\(k)/3", "--json", "-q"])
        }
        var doneByShard: [[String]] = []
        for run in runs {
            let r = run.wait()
            XCTAssertEqual(r.status, 0, r.stderr)
            doneByShard.append([])
            XCTAssertGreaterThan(try BatchResults.summary(r).done, 0)
        }
        let records = try BatchResults.journal(out)
        for name in try FileManager.default.contentsOfDirectory(atPath: out) where name.hasPrefix(".gifsmith-journal") {
            XCTAssertTrue(name.contains("-of-3"), name)
        }
        let done = records.filter { $0.status == .done }.map(\.item)
        XCTAssertEqual(done.count, good.count, "no item done twice")
        XCTAssertEqual(Set(done), Set(good), "the union is everything")
        // Kubernetes' index with the count from the environment gives the same split: all skipped.
        let k8s = try Tool.gifsmith(["batch", input, "-o", out, "--json", "-q"],
                                    environment: ["JOB_COMPLETION_INDEX": "1", "JOB_COMPLETION_COUNT": "3"])
        let s = try BatchResults.summary(k8s)
        XCTAssertEqual(s.shard, "1/3")
        XCTAssertEqual(s.done, 0)
        XCTAssertEqual(s.skipped, s.total)
        XCTAssertEqual(s.total, good.filter { (try? Shard(index: 1, count: 3).contains($0)) == true }.count)
    }

    func testInterruptedBatchLeavesNoPartialsAndRerunFinishes() throws {
        let input = work + "/in", out = work + "/out"
        let good = try clips.mp4Tree(input, count: 16, seconds: "2")
        let run = try Tool.start(["batch", input, "-o", out, "--jobs", "2", "--json", "-q"])
        // Interrupt once a few items are recorded, while others are mid-conversion.
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            let n = ((try? BatchResults.journal(out)) ?? []).count
            if n >= 3 { break }
            usleep(20_000)
        }
        run.process.interrupt()
        let r = run.wait()
        XCTAssertEqual(r.status, 130, r.stderr)
        let first = try BatchResults.summary(r)
        XCTAssertTrue(first.interrupted)
        XCTAssertLessThan(first.done, good.count, "interrupted before the end")
        XCTAssertEqual(BatchResults.strayFiles(out), [], "no partial output")
        // Every recorded item has its GIF; no GIF exists without a record.
        let recorded = Set(try BatchResults.journal(out).map(\.item))
        XCTAssertEqual(recorded.count, first.done)
        let rerun = try Tool.gifsmith(["batch", input, "-o", out, "--jobs", "2", "--json", "-q"])
        XCTAssertEqual(rerun.status, 0, rerun.stderr)
        let second = try BatchResults.summary(rerun)
        XCTAssertEqual(second.skipped, first.done)
        XCTAssertEqual(second.done, good.count - first.done)
        let records = try BatchResults.journal(out)
        XCTAssertEqual(records.count, good.count, "every good item done exactly once")
        XCTAssertEqual(Set(records.map(\.item)), Set(good))
        XCTAssertEqual(BatchResults.strayFiles(out), [])
    }

    func testManifestGivesPerItemOptions() throws {
        let input = work + "/in", out = work + "/out"
        let good = try clips.mp4Tree(input, count: 3)
        let manifest = work + "/in/m.jsonl"
        let lines = [
            #"{"input": "\#(good[0])", "width": 24}"#,
            #"{"input": "\#(good[1])", "output": "named/x.gif", "width": 40, "dither": "bayer", "bayer_scale": 3}"#,
            #"{"input": "\#(good[2])", "dither": "sparkles"}"#,
        ]
        try (lines.joined(separator: "\n") + "\n").write(toFile: manifest, atomically: true, encoding: .utf8)
        let r = try Tool.gifsmith(["batch", manifest, "-o", out, "--width", "16", "--json", "-q"])
        XCTAssertEqual(r.status, 65, r.stderr)
        let s = try BatchResults.summary(r)
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
        XCTAssertEqual(try BatchResults.summary(empty).total, 0)
    }
}
