import Foundation
import Gifsmith
import GifsmithCore
import XCTest
@testable import GifsmithBatch

final class UnitTests: XCTestCase {
    func testSHA256KnownAnswers() {
        XCTAssertEqual(SHA256.hex([UInt8]()), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(SHA256.hex(Array("abc".utf8)), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        // Two blocks (56 bytes pushes the length into a second block).
        XCTAssertEqual(SHA256.hex(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)),
                       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        XCTAssertEqual(SHA256.hex([UInt8](repeating: 0x61, count: 1_000_000)),
                       "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    func testFNV1a64KnownAnswers() {
        XCTAssertEqual(Shard.fnv1a64(""), 0xcbf2_9ce4_8422_2325)
        XCTAssertEqual(Shard.fnv1a64("a"), 0xaf63_dc4c_8601_ec8c)
        XCTAssertEqual(Shard.fnv1a64("foobar"), 0x8594_4171_f739_67e8)
    }

    func testShardsPartitionKeys() throws {
        let keys = (0..<500).map { "dir\($0 % 7)/clip\($0).mp4" }
        let n = 5
        var seen: [String: Int] = [:]
        for k in 0..<n {
            let s = try Shard(index: k, count: n)
            for key in keys where s.contains(key) {
                XCTAssertNil(seen[key], "\(key) in two shards")
                seen[key] = k
            }
        }
        XCTAssertEqual(seen.count, keys.count)
        // Roughly even: no shard empty or holding more than twice its share.
        for k in 0..<n {
            let c = seen.values.filter { $0 == k }.count
            XCTAssert(c > 0 && c < 2 * keys.count / n, "shard \(k) has \(c)")
        }
    }

    func testShardFromEnvironment() throws {
        XCTAssertEqual(try Shard.fromEnvironment(["JOB_COMPLETION_INDEX": "2"], countOption: 4), try Shard(index: 2, count: 4))
        XCTAssertEqual(try Shard.fromEnvironment(["JOB_COMPLETION_INDEX": "1", "JOB_COMPLETION_COUNT": "3"], countOption: nil),
                       try Shard(index: 1, count: 3))
        XCTAssertThrowsError(try Shard.fromEnvironment(["JOB_COMPLETION_INDEX": "1"], countOption: nil))
        XCTAssertEqual(try Shard.fromEnvironment(["SLURM_ARRAY_TASK_ID": "16", "SLURM_ARRAY_TASK_MIN": "1", "SLURM_ARRAY_TASK_COUNT": "16"],
                                                 countOption: nil), try Shard(index: 15, count: 16))
        XCTAssertNil(try Shard.fromEnvironment([:], countOption: nil))
        XCTAssertThrowsError(try Shard(parsing: "4/4"))
        XCTAssertThrowsError(try Shard(parsing: "x"))
        XCTAssertEqual(try Shard(parsing: "3/16"), try Shard(index: 3, count: 16))
    }

    func testManifestWords() throws {
        XCTAssertEqual(BatchInputs.words(option: "width", value: .int(320)), ["--width", "320"])
        XCTAssertEqual(BatchInputs.words(option: "crop_aspect", value: .string("1:1")), ["--crop-aspect", "1:1"])
        XCTAssertEqual(BatchInputs.words(option: "optimize", value: .bool(false)), ["--no-optimize"])
        XCTAssertEqual(BatchInputs.words(option: "no-optimize", value: .bool(true)), ["--no-optimize"])
        XCTAssertEqual(BatchInputs.words(option: "fps", value: .double(12.5)), ["--fps", "12.5"])
    }

    func testManifestValuesDecode() throws {
        let v = try JSONDecoder().decode([String: ManifestValue].self, from: Data(#"{"a":"x","b":true,"c":3,"d":2.5,"e":null}"#.utf8))
        XCTAssertEqual(v, ["a": .string("x"), "b": .bool(true), "c": .int(3), "d": .double(2.5), "e": .null])
    }

    func testKeysAndOutputsStayInsideTheOutputFolder() {
        XCTAssertEqual(BatchInputs.key(for: "./a//b/c.mp4"), "a/b/c.mp4")
        let inputs = BatchInputs(source: "x", outputDirectory: "/out")
        XCTAssertEqual(inputs.outputPath(forKey: "a/b/c.mp4"), "/out/a/b/c.gif")
        XCTAssertEqual(inputs.outputPath(forKey: "../c.mp4"), "/out/__/c.gif")
    }

    func testGlobs() {
        let inputs = BatchInputs(source: "x", outputDirectory: "/out", include: [], exclude: ["*.mov", "skip/*"])
        XCTAssertTrue(inputs.selected("a/b.mp4"))
        XCTAssertFalse(inputs.selected("a/b.mov"))
        XCTAssertFalse(inputs.selected("skip/b.mp4"))
        XCTAssertFalse(inputs.selected("a/notes.txt"))
        let only = BatchInputs(source: "x", outputDirectory: "/out", include: ["clip*.mkv"])
        XCTAssertTrue(only.selected("d/clip1.mkv"))
        XCTAssertFalse(only.selected("d/a.mp4"))
    }

    func testJournalLastRecordWinsAndTornLineIsIgnored() throws {
        let dir = NSTemporaryDirectory() + "gifsmith-journal-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        func rec(_ item: String, _ status: JournalRecord.Status, at: Double) -> JournalRecord {
            JournalRecord(item: item, status: status, inputHash: "i", optionsHash: "o", output: "/o/\(item)", inputBytes: 1,
                          outputBytes: 2, error: nil, category: nil, seconds: 0, at: at)
        }
        do {
            let j = try Journal(directory: dir, shard: nil)
            try j.append(rec("a", .failed, at: 1))
            try j.append(rec("a", .done, at: 2))
            try j.append(rec("b", .done, at: 3))
        }
        // A crash mid-line.
        let h = FileHandle(forWritingAtPath: dir + "/.gifsmith-journal.jsonl")!
        h.seekToEndOfFile()
        h.write(Data("{\"item\":\"c\",\"sta".utf8))
        try h.close()
        var all = Journal.load(directory: dir)
        XCTAssertEqual(all["a"]?.status, .done)
        XCTAssertEqual(all.count, 2)
        // The next append starts on a fresh line, so it is not lost to the torn one.
        try Journal(directory: dir, shard: try Shard(index: 1, count: 2)).append(rec("c", .done, at: 4))
        try Journal(directory: dir, shard: nil).append(rec("b", .failed, at: 5))
        all = Journal.load(directory: dir)
        XCTAssertEqual(all["c"]?.status, .done)
        XCTAssertEqual(all["b"]?.status, .failed)
    }

    func testResumePolicyDecisions() {
        func rec(_ status: JournalRecord.Status, inputFault: Bool? = nil, input: String? = "i") -> JournalRecord {
            JournalRecord(item: "a.mp4", status: status, inputHash: input, optionsHash: "o", output: "a.gif", inputBytes: 1,
                          outputBytes: status == .done ? 9 : 0, error: status == .failed ? "bad" : nil,
                          category: status == .failed ? "badInput" : nil, inputFault: inputFault, seconds: 0, at: 1)
        }
        func decide(_ p: JournalRecord?, input: String? = "i", options: String = "o", outputBytes: Int64? = 9,
                    force: Bool = false, retryFailed: Bool = false) -> ResumePolicy.Decision {
            ResumePolicy.decide(previous: p, inputHash: input, optionsHash: options, output: "a.gif", outputBytes: outputBytes,
                                force: force, retryFailed: retryFailed)
        }
        XCTAssertEqual(decide(nil), .convert)
        XCTAssertEqual(decide(rec(.done)), .skipDone)
        XCTAssertEqual(decide(rec(.done), outputBytes: nil), .convert, "the GIF is gone")
        XCTAssertEqual(decide(rec(.done), outputBytes: 8), .convert, "the GIF is not the one recorded")
        XCTAssertEqual(decide(rec(.done), retryFailed: true), .skipDone)
        XCTAssertEqual(decide(rec(.done), force: true), .convert)

        let fault = rec(.failed, inputFault: true)
        XCTAssertEqual(decide(fault, outputBytes: nil), .failedEarlier(fault))
        XCTAssertEqual(decide(fault, input: "changed"), .convert)
        XCTAssertEqual(decide(fault, options: "changed"), .convert)
        XCTAssertEqual(decide(fault, input: nil), .convert, "an input that cannot be read now is tried, and says why")
        XCTAssertEqual(decide(rec(.failed, inputFault: true, input: nil), input: nil), .convert)
        XCTAssertEqual(decide(fault, retryFailed: true), .convert)
        XCTAssertEqual(decide(fault, force: true), .convert)
        XCTAssertEqual(decide(rec(.failed, inputFault: false)), .convert, "not the input's fault: may pass next time")
        XCTAssertEqual(decide(rec(.failed, inputFault: nil)), .convert, "a record from before input_fault existed")
    }

    func testOnlyTheInputsOwnFaultsAreKept() {
        XCTAssertTrue(ResumePolicy.isInputFault(.noFrames("nothing in the range")))
        XCTAssertFalse(ResumePolicy.isInputFault(.backendUnavailable("no Vulkan device")), "unsupported, but the machine's")
        XCTAssertFalse(ResumePolicy.isInputFault(.output("disk full")))
        XCTAssertFalse(ResumePolicy.isInputFault(.internal("bug")))
        XCTAssertFalse(ResumePolicy.isInputFault(.invalidOption("--width 0")))
        XCTAssertFalse(ResumePolicy.isInputFault(.cancelled))
    }

    func testJournalRecordsTheInputFaultOnlyWhenKnown() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var r = JournalRecord(item: "a", status: .done, inputHash: "i", optionsHash: "o", output: "a.gif", inputBytes: 1,
                              outputBytes: 2, error: nil, category: nil, seconds: 0, at: 1)
        XCTAssertFalse(String(decoding: try encoder.encode(r), as: UTF8.self).contains("input_fault"))
        r.status = .failed
        r.inputFault = true
        XCTAssertTrue(String(decoding: try encoder.encode(r), as: UTF8.self).contains(#""input_fault":true"#))
        // Older lines have no such key.
        let old = #"{"at":1,"category":"badInput","error":"x","input_bytes":1,"input_hash":"i","item":"a","options_hash":"o","output":"a.gif","output_bytes":0,"seconds":0,"status":"failed","v":1}"#
        XCTAssertNil(try JSONDecoder().decode(JournalRecord.self, from: Data(old.utf8)).inputFault)
    }
}
