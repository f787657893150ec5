import Foundation
import GifsmithBatch
import XCTest

/// Which failed items a rerun tries again (`ResumePolicy`): not those whose own unchanged bytes
/// failed, unless asked; always those whose failure may not happen again.
final class FailureRetryTests: XCTestCase {
    private var work: String!
    private var clips: TestClips { TestClips(work: work) }

    override func setUpWithError() throws {
        try XCTSkipUnless(Tool.batchAvailable, "the gifsmith binary has no `batch` subcommand")
        work = NSTemporaryDirectory() + "gifsmith-retry-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        if let work { try? FileManager.default.removeItem(atPath: work) }
    }

    private func batch(_ input: String, _ out: String, _ extra: [String] = []) throws -> (status: Int32, summary: BatchSummary, stderr: String) {
        let r = try Tool.gifsmith(["batch", input, "-o", out, "--width", "32", "--json", "-q"] + extra)
        return (r.status, try BatchResults.summary(r), r.stderr)
    }

    func testUnchangedBadInputIsReportedNotRetriedUntilItChangesOrIsAskedFor() throws {
        let input = work + "/in", out = work + "/out"
        let good = try clips.mp4Tree(input, count: 2)
        var bad: [String: TestClips.Bad] = [:]
        for kind in TestClips.Bad.allCases {
            let key = "bad/\(kind).\(kind.ext(0))"
            try clips.writeBad(kind, variant: 0, to: input + "/" + key)
            bad[key] = kind
        }
        let first = try batch(input, out)
        XCTAssertEqual(first.status, 65, first.stderr)
        XCTAssertEqual([first.summary.done, first.summary.failed, first.summary.failedEarlier], [2, 5, 0])

        // Unchanged: reported again, with the same reasons, but not converted (no new record).
        let again = try batch(input, out)
        XCTAssertEqual(again.status, 65, "still a failed batch")
        XCTAssertEqual([again.summary.skipped, again.summary.done, again.summary.failed, again.summary.failedEarlier], [2, 0, 5, 5])
        XCTAssertEqual(Set(again.summary.failures.map(\.item)), Set(bad.keys))
        XCTAssertEqual(again.summary.failures.map(\.error), first.summary.failures.map(\.error))
        XCTAssertEqual(again.summary.failures.map(\.category), first.summary.failures.map(\.category))
        XCTAssertTrue(again.summary.failures.allSatisfy(\.earlier))
        XCTAssertTrue(again.stderr.contains("(earlier)"), again.stderr)
        XCTAssertEqual(try BatchResults.journal(out).count, 7)

        // Fixed (a good clip in its place), changed but still bad, and a changed good input:
        // each has a new fingerprint, so each is tried.
        let zero = "bad/zeroBytes.mp4", garbage = "bad/garbage.mp4"
        try FileManager.default.removeItem(atPath: input + "/" + zero)
        try clips.place(try clips.mp4Seeds()[1], at: input + "/" + zero)
        try clips.writeBad(.garbage, variant: 5, to: input + "/" + garbage)
        try FileManager.default.removeItem(atPath: input + "/" + good[0])
        try clips.place(try clips.mp4Seeds()[3], at: input + "/" + good[0])
        let changed = try batch(input, out)
        XCTAssertEqual(changed.status, 65)
        XCTAssertEqual([changed.summary.done, changed.summary.skipped, changed.summary.failed, changed.summary.failedEarlier], [2, 1, 4, 3])
        XCTAssertTrue(BatchResults.isWholeGIF(BatchResults.gif(out, zero)), "the fixed file was converted")
        XCTAssertEqual(changed.summary.failures.first { $0.item == garbage }?.earlier, false, "the changed bad file was tried")
        XCTAssertEqual(try BatchResults.journal(out).count, 10)

        // --retry-failed tries every failed item again, and nothing else.
        let retried = try batch(input, out, ["--retry-failed"])
        XCTAssertEqual(retried.status, 65)
        XCTAssertEqual([retried.summary.done, retried.summary.skipped, retried.summary.failed, retried.summary.failedEarlier], [0, 3, 4, 0])
        XCTAssertEqual(try BatchResults.journal(out).count, 14)
        XCTAssertEqual(try batch(input, out).summary.failedEarlier, 4, "still input faults after the retry")

        // Other options are another conversion: failures too are tried again.
        let wider = try batch(input, out, ["--width", "40"])
        XCTAssertEqual([wider.summary.done, wider.summary.failed, wider.summary.failedEarlier], [3, 4, 0])

        // Once the bad files are gone the batch succeeds.
        try FileManager.default.removeItem(atPath: input + "/bad")
        XCTAssertEqual(try batch(input, out, ["--width", "40"]).status, 0)
    }

    func testFailuresOutsideTheInputAreRetried() throws {
        let input = work + "/in", out = work + "/out"
        let seed = try clips.mp4Seeds()[0]
        try clips.place(seed, at: input + "/x/a.mp4")
        try clips.place(seed, at: input + "/b.mp4")
        // A file where the output folder must go: the item cannot be written.
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        try Data().write(to: URL(fileURLWithPath: out + "/x"))
        // A list naming an input that is not there (yet).
        let list = input + "/list.txt"
        try "x/a.mp4\nb.mp4\nlater.mp4\n".write(toFile: list, atomically: true, encoding: .utf8)

        let first = try batch(list, out)
        XCTAssertEqual(first.status, 65, first.stderr)
        let categories = Dictionary(uniqueKeysWithValues: first.summary.failures.map { ($0.item, $0.category) })
        XCTAssertEqual(categories, ["x/a.mp4": "output", "later.mp4": "inputMissing"])
        XCTAssertTrue(try BatchResults.journal(out).filter { $0.status == .failed }.allSatisfy { $0.inputFault == false })

        let again = try batch(list, out)
        XCTAssertEqual([again.summary.skipped, again.summary.failed, again.summary.failedEarlier], [1, 2, 0], "both tried again")
        XCTAssertEqual(try BatchResults.journal(out).count, 5)

        try FileManager.default.removeItem(atPath: out + "/x")
        try clips.place(seed, at: input + "/later.mp4")
        let fixed = try batch(list, out)
        XCTAssertEqual(fixed.status, 0, fixed.stderr)
        XCTAssertEqual([fixed.summary.done, fixed.summary.skipped, fixed.summary.failed], [2, 1, 0])
    }
}
