import Foundation
import XCTest

/// Every bad input gets its documented exit code, a message that names the problem, and no output file.
final class BadInputTests: XCTestCase {
    private var dir: Scratch!
    private var clip: String!

    override func setUpWithError() throws {
        dir = try Scratch()
        clip = dir.file("good.mp4")
        try makeClip(clip, lavfi: "testsrc2=size=320x240:rate=10:duration=2", ["-pix_fmt", "yuv420p"])
    }

    /// Runs convert into a fresh `out` folder and checks code, message and that `out` stays empty.
    private func expectFailure(_ args: [String], input: String? = nil, code: Int32, message: String,
                               file: StaticString = #filePath, line: UInt = #line) throws {
        let out = dir.file("out")
        try? FileManager.default.removeItem(atPath: out)
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        let r = try gifsmith(["convert", input ?? clip, "-o", out + "/x.gif"] + args)
        XCTAssertEqual(r.status, code, "stderr: \(r.stderr)", file: file, line: line)
        XCTAssertTrue(r.stderr.contains(message), "'\(message)' not in: \(r.stderr)", file: file, line: line)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: out), [], "left behind", file: file, line: line)
    }

    func testMissingInput() throws {
        try expectFailure([], input: dir.file("nope.mp4"), code: 66, message: "nope.mp4")
    }

    func testDirectoryAsInput() throws {
        try expectFailure([], input: dir.path, code: 66, message: dir.path)
    }

    func testEmptyFile() throws {
        let empty = dir.file("empty.mp4")
        FileManager.default.createFile(atPath: empty, contents: Data())
        try expectFailure([], input: empty, code: 65, message: "empty.mp4")
    }

    func testTextFile() throws {
        let text = dir.file("notes.mp4")
        try "this is not a video\n".write(toFile: text, atomically: true, encoding: .utf8)
        try expectFailure([], input: text, code: 65, message: "notes.mp4")
    }

    func testAudioOnly() throws {
        let audio = dir.file("tone.wav")
        try makeClip(audio, lavfi: "sine=frequency=440:duration=1")
        try expectFailure([], input: audio, code: 65, message: "tone.wav")
    }

    /// A file cut in half: the decodable part is converted with a warning, or (if nothing decodes) a clear error.
    func testTruncatedFileKeepsDecodablePart() throws {
        let big = dir.file("big.mkv")
        try makeClip(big, lavfi: "testsrc2=size=320x240:rate=10:duration=4", ["-c:v", "mpeg4", "-g", "5"])
        let data = try Data(contentsOf: URL(fileURLWithPath: big))
        let cut = dir.file("cut.mkv")
        try data.prefix(data.count / 2).write(to: URL(fileURLWithPath: cut))
        let gif = dir.file("cut.gif")
        let r = try gifsmith(["convert", cut, "-o", gif])
        XCTAssertEqual(r.status, 0, r.stderr)
        let decoded = try decodeWithFFmpeg(gif)
        XCTAssertGreaterThan(decoded.frames.count, 5)
        XCTAssertLessThan(decoded.frames.count, 40)
    }

    func testNothingAfterTrim() throws {
        try expectFailure(["--start", "50"], code: 65, message: "no frames")
    }

    func testCropOutsideFrame() throws {
        try expectFailure(["--crop", "2000x100+0+0"], code: 64, message: "crop 2000x100+0+0 lies outside the 320x240 frame")
    }

    func testImpossibleSizes() throws {
        try expectFailure(["--width", "0"], code: 64, message: "--width 0")
        try expectFailure(["--width", "20000"], code: 64, message: "--width 20000")
        try expectFailure(["--height", "16385"], code: 64, message: "--height 16385")
    }

    func testColoursOutOfRange() throws {
        try expectFailure(["--colors", "1"], code: 64, message: "--colors 1")
        try expectFailure(["--colors", "257"], code: 64, message: "--colors 257")
    }

    func testBadOptionSpellings() throws {
        try expectFailure(["--dither", "random"], code: 64, message: "--dither 'random'")
        try expectFailure(["--crop", "big"], code: 64, message: "--crop 'big'")
        try expectFailure(["--fps", "fast"], code: 64, message: "--fps 'fast'")
    }

    func testUnwritableOutput() throws {
        let r = try gifsmith(["convert", clip, "-o", dir.file("no/such/folder/x.gif")])
        XCTAssertEqual(r.status, 73, r.stderr)
        XCTAssertTrue(r.stderr.contains("does not exist"), r.stderr)
        let r2 = try gifsmith(["convert", clip, "-o", dir.path])
        XCTAssertEqual(r2.status, 73, r2.stderr)
    }

    func testProbeMissing() throws {
        let r = try gifsmith(["probe", dir.file("nope.mp4")])
        XCTAssertEqual(r.status, 66)
        XCTAssertTrue(r.stderr.contains("nope.mp4"))
    }

    /// SIGINT mid-job: exit 130, and neither the GIF nor its temporary file remains.
    func testInterruptLeavesNothing() throws {
        let long = dir.file("long.mp4")
        try makeClip(long, lavfi: "testsrc2=size=1280x720:rate=30:duration=20", ["-pix_fmt", "yuv420p", "-preset", "ultrafast"])
        let out = dir.file("out")
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: gifsmithBinary)
        p.arguments = ["convert", long, "-o", out + "/x.gif", "--quiet", "--palette", "per-frame"]
        p.standardError = FileHandle.nullDevice
        try p.run()
        Thread.sleep(forTimeInterval: 1.0)
        XCTAssertTrue(p.isRunning, "the job ended before the signal; make the clip longer")
        kill(p.processIdentifier, SIGINT)
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 130)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: out), [])
    }
}
