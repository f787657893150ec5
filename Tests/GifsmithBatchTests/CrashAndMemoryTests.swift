import Foundation
import XCTest
@testable import GifsmithBatch

/// A batch killed outright (SIGKILL, no chance to clean up) and rerun, and its peak memory
/// against its length.
final class CrashAndMemoryTests: XCTestCase {
    private var work: String!

    override func setUpWithError() throws {
        try XCTSkipUnless(Tool.batchAvailable, "the gifsmith binary has no `batch` subcommand")
        work = NSTemporaryDirectory() + "gifsmith-crash-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        if let work { try? FileManager.default.removeItem(atPath: work) }
    }

    /// `count` clips (copies of four encodes) in two folders; returns their keys.
    private func makeClips(_ root: String, count: Int, size: String, seconds: String) throws -> [String] {
        let seeds = try (0..<4).map { i -> String in
            let p = work + "/seed\(i)-\(size)-\(seconds).mp4"
            if !FileManager.default.fileExists(atPath: p) {
                try Tool.ffmpeg(["-f", "lavfi", "-i", "testsrc=size=\(size):rate=10:duration=\(seconds)", "-vf", "hue=h=\(i * 90)",
                                 "-pix_fmt", "yuv420p", p])
            }
            return p
        }
        var keys: [String] = []
        for i in 0..<count {
            let key = "f\(i % 2)/clip\(i).mp4"
            try FileManager.default.createDirectory(atPath: root + "/f\(i % 2)", withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: seeds[i % 4], toPath: root + "/" + key)
            keys.append(key)
        }
        return keys
    }

    /// Every journal line, each of which must parse (one write(2) per line: a kill cannot tear it).
    private func records(_ out: String) throws -> [JournalRecord] {
        // A kill before the batch made its folder leaves nothing to read.
        guard FileManager.default.fileExists(atPath: out) else { return [] }
        return try BatchResults.journal(out)
    }

    /// Every file under `out`, relative.
    private func files(_ out: String) -> [String] {
        var found: [String] = []
        guard let walker = FileManager.default.enumerator(atPath: out) else { return [] }
        while let rel = walker.nextObject() as? String {
            var isDir: ObjCBool = false
            FileManager.default.fileExists(atPath: out + "/" + rel, isDirectory: &isDir)
            if !isDir.boolValue { found.append(rel) }
        }
        return found.sorted()
    }

    private func gif(_ key: String) -> String { (key as NSString).deletingPathExtension + ".gif" }

    func testStaleTemporaryNames() {
        XCTAssertEqual(StaleTemporaries.targetName(ofTemporary: ".clip.gif.gifsmith-a1B2c3"), "clip.gif")
        XCTAssertEqual(StaleTemporaries.targetName(ofTemporary: ".a.gifsmith-b.gif.gifsmith-ZZZZZZ"), "a.gifsmith-b.gif")
        XCTAssertNil(StaleTemporaries.targetName(ofTemporary: "clip.gif.gifsmith-a1B2c3"), "not hidden")
        XCTAssertNil(StaleTemporaries.targetName(ofTemporary: ".clip.gif.gifsmith-a1B2c"), "five characters")
        XCTAssertNil(StaleTemporaries.targetName(ofTemporary: ".clip.gif.gifsmith-a1B2c3d"), "seven characters")
        XCTAssertNil(StaleTemporaries.targetName(ofTemporary: ".clip.gif.gifsmith-a1B2.3"), "not alphanumeric")
        XCTAssertNil(StaleTemporaries.targetName(ofTemporary: ".gifsmith-journal.jsonl"))
        XCTAssertNil(StaleTemporaries.targetName(ofTemporary: ".gifsmith-abcdef"), "no name")
    }

    func testKilledAtRandomPointsThenRerunDoesEveryItemOnce() throws {
        let input = work + "/in", out = work + "/out"
        let good = try makeClips(input, count: 24, size: "96x64", seconds: "1")
        try FileManager.default.createDirectory(atPath: input + "/bad", withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: input + "/bad/zero.mp4", contents: Data())
        FileManager.default.createFile(atPath: input + "/bad/garbage.mp4", contents: Data((0..<3000).map { UInt8(truncatingIfNeeded: $0 &* 7919 >> 3) }))
        let args = ["batch", input, "-o", out, "--jobs", "2", "--width", "48", "--json", "-q"]

        // Kill at random moments: mostly SIGKILL (nothing can clean up), once SIGINT.
        var rng = SystemRandomNumberGenerator()
        var log: [String] = []
        var leftovers = 0
        func temporaries() -> [String] {
            files(out).filter { StaleTemporaries.targetName(ofTemporary: ($0 as NSString).lastPathComponent) != nil }
        }
        for round in 0..<6 {
            let signal = round == 3 ? SIGINT : SIGKILL
            let before = temporaries()
            let run = try Tool.start(args)
            // SIGINT comes once the process is past its start-up (loading its libraries takes some
            // 50 ms for a debug build, and a signal before the trap exists ends it by the default action).
            let delay = UInt32.random(in: (signal == SIGINT ? 150_000 : 30_000)...350_000, using: &rng)
            usleep(delay)
            kill(run.process.processIdentifier, signal)
            let r = run.wait()
            let now = temporaries()
            leftovers += now.count
            log.append("round \(round): \(signal == SIGKILL ? "SIGKILL" : "SIGINT") after \(delay / 1000) ms, status \(r.status), \(now.count) temporaries left")
            if signal == SIGINT {
                if run.process.terminationReason == .uncaughtSignal {
                    // Still starting up when the signal came (a loaded machine): this run wrote
                    // nothing, and earlier rounds' leftovers wait for the next run.
                    XCTAssertEqual(Set(now), Set(before), "a process stopped during start-up leaves nothing of its own")
                } else {
                    XCTAssertTrue(r.status == 130 || r.status == 65, "SIGINT: \(r.status) \(r.stderr)")
                    XCTAssertEqual(now, [], "SIGINT removes its temporaries")
                }
            }
            // After any kill, every line of the journal parses and names a known item.
            let keys = Set(good + ["bad/zero.mp4", "bad/garbage.mp4"])
            for rec in try records(out) { XCTAssertTrue(keys.contains(rec.item), rec.item) }
        }

        // A planted leftover of an item goes; a look-alike of something that is not an item stays.
        try FileManager.default.createDirectory(atPath: out + "/f0", withIntermediateDirectories: true)
        let planted = out + "/f0/.clip0.gif.gifsmith-Xy12Zw"
        let foreign = out + "/f0/.notanitem.gif.gifsmith-Xy12Zw"
        FileManager.default.createFile(atPath: planted, contents: Data("GIF89a partial".utf8))
        FileManager.default.createFile(atPath: foreign, contents: Data("someone else's".utf8))

        let final = try Tool.gifsmith(args)
        XCTAssertEqual(final.status, 65, "the bad items fail: \(final.stderr)\n\(log.joined(separator: "\n"))")
        XCTAssertFalse(FileManager.default.fileExists(atPath: planted), "a stale temporary of an item is removed")
        XCTAssertTrue(FileManager.default.fileExists(atPath: foreign), "a file that is not an item's is left alone")
        try FileManager.default.removeItem(atPath: foreign)

        // Every good item done exactly once over all the runs; the bad ones only ever failed.
        let all = try records(out)
        var doneCount: [String: Int] = [:]
        for r in all where r.status == .done { doneCount[r.item, default: 0] += 1 }
        XCTAssertEqual(Set(doneCount.keys), Set(good), log.joined(separator: "\n"))
        XCTAssertEqual(doneCount.filter { $0.value != 1 }, [:], "done more than once\n" + log.joined(separator: "\n"))
        XCTAssertEqual(Set(all.filter { $0.status == .failed }.map(\.item)), ["bad/zero.mp4", "bad/garbage.mp4"])

        // Exactly the GIFs of the good items and the journals: no partial, temporary or orphaned file.
        let expected = Set(good.map(gif))
        let present = files(out).filter { !$0.hasPrefix(".gifsmith-journal") }
        XCTAssertEqual(Set(present), expected, log.joined(separator: "\n"))
        // Each recorded size is the file's, and each GIF is whole (FFmpeg counts its 10 frames).
        let latest = Journal.load(directory: out)
        for key in good {
            let path = out + "/" + gif(key)
            let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.int64Value
            XCTAssertEqual(size, latest[key]?.outputBytes, key)
            let probe = try Tool.run("/usr/bin/ffprobe", ["-v", "error", "-count_frames", "-select_streams", "v:0",
                                                         "-show_entries", "stream=nb_read_frames", "-of", "csv=p=0", path])
            XCTAssertEqual(probe.stdout.trimmingCharacters(in: .whitespacesAndNewlines), "10", "\(key): \(probe.stderr)")
        }
        // And a further rerun has nothing left to do.
        let again = try JSONDecoder().decode(BatchSummary.self, from: Data(try Tool.gifsmith(args).stdout.utf8))
        XCTAssertEqual(again.skipped, good.count)
        XCTAssertEqual(again.done, 0)
        print("kill/rerun: " + log.joined(separator: "; ") + "; \(leftovers) temporaries seen after kills")
    }

    func testPeakMemoryDoesNotGrowWithTheBatch() throws {
        // 60 clips are three times 20: a per-item leak of even a few frames would show.
        let small = work + "/small", large = work + "/large"
        _ = try makeClips(small, count: 20, size: "320x240", seconds: "0.4")
        _ = try makeClips(large, count: 60, size: "320x240", seconds: "0.4")
        let rss20 = try peakRSS(["batch", small, "-o", work + "/out-small", "--jobs", "2", "-q"])
        let rss60 = try peakRSS(["batch", large, "-o", work + "/out-large", "--jobs", "2", "-q"])
        print("peak RSS: 20 clips \(rss20 / 1024) MiB, 60 clips \(rss60 / 1024) MiB")
        XCTAssertLessThanOrEqual(Double(rss60), Double(rss20) * 1.25,
                                 "peak RSS grew from \(rss20) KiB (20 clips) to \(rss60) KiB (60 clips)")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: work + "/out-large/f1").count, 30)
    }

    /// Runs the binary and returns its own peak resident set (KiB), from wait4's rusage: exact for
    /// that one child, whatever else this process has run.
    private func peakRSS(_ args: [String]) throws -> Int {
        var pid: pid_t = 0
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let argv = ([Tool.binary] + args).map { strdup($0) } + [nil]
        defer { for p in argv { free(p) } }
        let rc = posix_spawn(&pid, Tool.binary, &actions, nil, argv, environ)
        guard rc == 0 else { throw NSError(domain: "posix_spawn", code: Int(rc)) }
        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) < 0 {
            guard errno == EINTR else { throw NSError(domain: "wait4", code: Int(errno)) }
        }
        XCTAssertEqual(status, 0, "gifsmith \(args.joined(separator: " ")) exited with wait status \(status)")
        return usage.ru_maxrss
    }
}
