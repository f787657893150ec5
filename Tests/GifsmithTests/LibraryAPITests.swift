import Foundation
import XCTest
import Gifsmith
import GifsmithGIF

/// The async library API (`Transcoder.start` / `TranscodeSession`), driven as a host program would.
final class LibraryAPITests: XCTestCase {
    /// Events in order: `.started` first, `.finished` last, and each phase's counts rising, all
    /// analyse before any encode; returns the progress counts per phase.
    private func checkOrder(_ events: [TranscodeEvent], frames: Int, file: StaticString = #filePath, line: UInt = #line) {
        guard case .started = events.first else { return XCTFail("first event is not .started: \(events.first.map { "\($0)" } ?? "none")", file: file, line: line) }
        guard case let .finished(result) = events.last else { return XCTFail("last event is not .finished", file: file, line: line) }
        XCTAssertEqual(result.frames, frames, file: file, line: line)
        var lastDone: [TranscodePhase: Int] = [:]
        var sawEncode = false
        for e in events.dropFirst().dropLast() {
            switch e {
            case let .progress(phase, done, _):
                if phase == .encode { sawEncode = true }
                XCTAssertFalse(phase == .analyse && sawEncode, "analyse after encode", file: file, line: line)
                XCTAssertGreaterThan(done, lastDone[phase] ?? 0, "\(phase) counts must rise", file: file, line: line)
                lastDone[phase] = done
            case .warning: break
            default: XCTFail("unexpected event in the middle: \(e)", file: file, line: line)
            }
        }
        XCTAssertEqual(lastDone[.analyse], frames, file: file, line: line)
        XCTAssertEqual(lastDone[.encode], frames, file: file, line: line)
    }

    private func collect(_ session: TranscodeSession) -> Task<[TranscodeEvent], Never> {
        Task {
            var all: [TranscodeEvent] = []
            for await e in session.events { all.append(e) }
            return all
        }
    }

    func testFileDataAndStreamInputsGiveTheCLIsBytesWithOrderedProgress() async throws {
        let dir = try Scratch()
        let clip = dir.file("in.mp4")
        // faststart: the index first, so the same bytes can also be read from a pipe.
        try makeClip(clip, lavfi: "testsrc=size=160x120:rate=10:duration=2", ["-pix_fmt", "yuv420p", "-movflags", "+faststart"])
        let cli = try gifsmith(["convert", clip, "-o", dir.file("cli.gif"), "--width", "64", "-q"])
        XCTAssertEqual(cli.status, 0, cli.stderr)
        let expected = try Data(contentsOf: URL(fileURLWithPath: dir.file("cli.gif")))
        let transcoder = Transcoder(options: ConvertOptions(width: 64))

        // File in, bytes out, with the events read as they come.
        let session = transcoder.start(.file(clip), to: .data)
        let events = collect(session)
        let gif = try await session.value()
        XCTAssertEqual(gif.data, expected, "the library's bytes are the CLI's")
        XCTAssertEqual(gif.result.frames, 20)
        XCTAssertEqual(gif.result.bytes, Int64(expected.count))
        checkOrder(await events.value, frames: 20)

        // File in, file out.
        let target = dir.file("lib.gif")
        let toFile = try await transcoder.transcode(.file(clip), to: .file(target))
        XCTAssertNil(toFile.data)
        XCTAssertEqual(toFile.result.output, target)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: target)), expected)

        // The file's bytes in memory.
        let bytes = try Data(contentsOf: URL(fileURLWithPath: clip))
        let fromData = try await transcoder.transcode(.data(bytes))
        XCTAssertEqual(fromData.data, expected)

        // The file's bytes through a pipe, written by another thread as the decoder reads.
        let pipe = Pipe()
        let writer = Thread {
            pipe.fileHandleForWriting.write(bytes)
            try? pipe.fileHandleForWriting.close()
        }
        writer.start()
        let streamed = transcoder.start(.stream(pipe.fileHandleForReading))
        let streamEvents = collect(streamed)
        let fromPipe = try await streamed.value()
        XCTAssertEqual(fromPipe.data, expected, "a pipe gives the same bytes")
        checkOrder(await streamEvents.value, frames: 20)
        try pipe.fileHandleForReading.close()
    }

    func testCancellingMidClipLeavesNoOutput() async throws {
        let dir = try Scratch()
        let clip = dir.file("long.mp4")
        try makeClip(clip, lavfi: "testsrc=size=320x240:rate=25:duration=20", ["-pix_fmt", "yuv420p"])
        let transcoder = Transcoder(options: ConvertOptions(threads: 1))

        // Cancelling the task that waits cancels the transcode, once it is under way.
        let session = transcoder.start(.file(clip), to: .file(dir.file("out.gif")))
        let waiter = Task { try await session.value() }
        var seen: [TranscodeEvent] = []
        for await e in session.events {
            seen.append(e)
            if case .progress = e, !waiter.isCancelled { waiter.cancel() }
        }
        do {
            _ = try await waiter.value
            XCTFail("the transcode finished although it was cancelled mid-clip")
        } catch let e as GifsmithError {
            XCTAssertEqual(e.category, .cancelled, "\(e)")
        }
        XCTAssertTrue(session.isCancelled)
        XCTAssertFalse(seen.contains { if case .finished = $0 { return true }; return false }, "no .finished after a cancel")
        let progressed = seen.compactMap { e -> Int? in if case let .progress(_, done, _) = e { return done }; return nil }
        XCTAssertFalse(progressed.isEmpty)
        XCTAssertLessThan(progressed.max()!, 500, "stopped mid-clip")
        XCTAssertEqual(dir.contents.sorted(), ["long.mp4"], "neither the GIF nor its temporary file is left")

        // In memory: session.cancel() mid-clip, and the private temporary folder goes too.
        let tmp = NSTemporaryDirectory()
        func outFolders() -> Set<String> {
            Set(((try? FileManager.default.contentsOfDirectory(atPath: tmp)) ?? []).filter { $0.hasPrefix("gifsmith-out-") })
        }
        let before = outFolders()
        let inMemory = transcoder.start(.file(clip), to: .data)
        for await e in inMemory.events {
            if case .progress = e { inMemory.cancel() }
        }
        do {
            _ = try await inMemory.value()
            XCTFail("finished although cancelled")
        } catch let e as GifsmithError {
            XCTAssertEqual(e.category, .cancelled)
        }
        XCTAssertEqual(outFolders().subtracting(before), [], "the .data destination's folder is removed")

        // Cancelled before it could start: the same error, nothing made.
        let early = transcoder.start(.file(clip), to: .file(dir.file("early.gif")))
        early.cancel()
        do {
            _ = try await early.value()
            XCTFail("finished although cancelled at once")
        } catch let e as GifsmithError {
            XCTAssertEqual(e.category, .cancelled)
        }
        XCTAssertEqual(dir.contents.sorted(), ["long.mp4"])
    }

    func testInMemoryFramesComeOutExactly() async throws {
        // Four frames of blocks in colours far apart (each in its own histogram bin, fewer than
        // 255 in all), so the palette holds them exactly and without dither every pixel survives.
        let w = 24, h = 16
        var images: [RGBImage] = []
        for k in 0..<4 {
            var px = [UInt8](repeating: 0, count: w * h * 3)
            for y in 0..<h {
                for x in 0..<w {
                    let block = (x / 8) + 3 * (y / 8) // 6 blocks a frame
                    let i = 3 * (y * w + x)
                    px[i] = UInt8(40 * block + 8 * k)
                    px[i + 1] = UInt8(255 - 36 * k)
                    px[i + 2] = UInt8((block * 97 + k * 31) & 0xFC)
                }
            }
            images.append(RGBImage(width: w, height: h, pixels: px))
        }
        let options = ConvertOptions(dither: Dither(.none))
        let frames = VideoFrames(width: w, height: h, frameRate: FrameRate(10), images: images)
        let gif = try await Transcoder(options: options).transcode(.frames(frames))
        let decoded = try GIFReader.decode([UInt8](gif.data!))
        XCTAssertEqual(decoded.width, w)
        XCTAssertEqual(decoded.height, h)
        XCTAssertEqual(decoded.frames.count, 4)
        for (k, f) in decoded.frames.enumerated() {
            XCTAssertEqual(f.rgb, images[k].pixels, "frame \(k)")
            XCTAssertEqual(f.delayCentiseconds, 10, "frame \(k) at 10 fps")
        }
        // An independent decoder agrees.
        let path = NSTemporaryDirectory() + "gifsmith-frames-\(UUID().uuidString).gif"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try gif.data!.write(to: URL(fileURLWithPath: path))
        let ff = try runProcess("ffmpeg", ["-v", "error", "-i", path, "-f", "rawvideo", "-pix_fmt", "rgb24", "-"])
        XCTAssertEqual(ff.status, 0, ff.stderr)
        XCTAssertEqual(ff.stdout, Data(images.flatMap(\.pixels)))

        // An NTSC rate is kept exactly: 30000/1001 gives delays of 3 and 4 cs averaging 3.33.
        let ntsc = VideoFrames(width: w, height: h, frameRate: FrameRate(30000, 1001), images: images + images + images)
        let slow = try await Transcoder(options: options).transcode(.frames(ntsc))
        let delays = try GIFReader.decode([UInt8](slow.data!)).frames.map(\.delayCentiseconds)
        XCTAssertEqual(delays.count, 12)
        XCTAssertEqual(delays.reduce(0, +), 40, "12 frames at 29.97 fps last 40.04 cs: \(delays)")
        XCTAssertTrue(delays.allSatisfy { $0 == 3 || $0 == 4 }, "\(delays)")

        // A frame of the wrong size is a usage error, not a crash.
        let bad = VideoFrames(width: w, height: h, frameRate: FrameRate(10), images: [images[0], RGBImage(width: 8, height: 8)])
        do {
            _ = try await Transcoder().transcode(.frames(bad))
            XCTFail("a frame of the wrong size was accepted")
        } catch let e as GifsmithError {
            XCTAssertEqual(e.category, .usage, "\(e)")
        }
    }
}
