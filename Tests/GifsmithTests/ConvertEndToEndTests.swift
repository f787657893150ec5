import Foundation
import GifsmithGIF
import XCTest

/// `gifsmith convert` on clips made during the run, read back by decoders nobody here wrote.
final class ConvertEndToEndTests: XCTestCase {
    /// 20 fps testsrc2 → width 320 at 10 fps: frame count, size, delays, and colours against FFmpeg's
    /// own RGB conversion of the same frames, no worse than FFmpeg's own two-pass GIF.
    func testTestsrcScaledAndResampledMatchesFFmpegColours() throws {
        let dir = try Scratch()
        let clip = dir.file("src.mp4")
        try makeClip(clip, lavfi: "testsrc2=size=640x360:rate=20:duration=2", ["-pix_fmt", "yuv420p", "-c:v", "libx264", "-crf", "12"])
        let gif = dir.file("out.gif")
        let r = try gifsmith(["convert", clip, "-o", gif, "--width", "320", "--fps", "10", "--quiet"])
        XCTAssertEqual(r.status, 0, r.stderr)

        let decoded = try decodeWithFFmpeg(gif)
        XCTAssertEqual(decoded.width, 320)
        XCTAssertEqual(decoded.height, 180)
        XCTAssertEqual(decoded.frames.count, 20)
        XCTAssertEqual(decoded.delays.reduce(0, +), 200, "2 s of output")
        XCTAssertTrue(decoded.delays.allSatisfy { $0 == 10 }, "\(decoded.delays)")

        try assertAsGoodAsFFmpeg(gif, clip: clip, filter: "fps=10,scale=320:180:\(accurateRGB)")

        // Our own reader and FFmpeg's decoder agree on every pixel of every frame.
        let mine = try GIFReader.decode([UInt8](try Data(contentsOf: URL(fileURLWithPath: gif))))
        XCTAssertEqual(mine.frames.count, decoded.frames.count)
        for (a, b) in zip(mine.frames, decoded.frames) { XCTAssertTrue(a.rgb == b) }
        XCTAssertEqual(mine.loopCount, 0)
    }

    /// Odd size, per-frame palettes with 16 colours and Bayer: Pillow reads what FFmpeg reads.
    func testOddSizePerFramePaletteAgreesWithPillow() throws {
        let dir = try Scratch()
        let clip = dir.file("src.mkv")
        try makeClip(clip, lavfi: "mandelbrot=size=333x187:rate=10", ["-t", "1", "-pix_fmt", "yuv444p", "-c:v", "ffv1"])
        let gif = dir.file("out.gif")
        let r = try gifsmith(["convert", clip, "-o", gif, "--palette", "per-frame", "--colors", "16", "--dither", "bayer", "--quiet"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let decoded = try decodeWithFFmpeg(gif)
        XCTAssertEqual(decoded.width, 333)
        XCTAssertEqual(decoded.height, 187)
        XCTAssertEqual(decoded.frames.count, 10)
        for frame in decoded.frames {
            var colours = Set<Int>()
            for i in stride(from: 0, to: frame.count, by: 3) { colours.insert(Int(frame[i]) << 16 | Int(frame[i + 1]) << 8 | Int(frame[i + 2])) }
            XCTAssertLessThanOrEqual(colours.count, 16)
        }
        let pillow = try pillowFrames(gif)
        XCTAssertEqual(pillow.count, decoded.frames.count)
        for (a, b) in zip(pillow, decoded.frames) { XCTAssertTrue(a == b, "Pillow and FFmpeg disagree") }
    }

    func testOnePixelOutput() throws {
        let dir = try Scratch()
        let clip = dir.file("src.mp4")
        try makeClip(clip, lavfi: "color=c=red:size=64x64:rate=5:duration=1", ["-pix_fmt", "yuv420p"])
        let gif = dir.file("out.gif")
        let r = try gifsmith(["convert", clip, "-o", gif, "--width", "1", "--height", "1", "--colors", "2", "--quiet"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let decoded = try decodeWithFFmpeg(gif)
        XCTAssertEqual(decoded.width, 1)
        XCTAssertEqual(decoded.height, 1)
        XCTAssertEqual(decoded.delays.reduce(0, +), 100)
        let px = decoded.frames[0]
        XCTAssertGreaterThan(px[0], 240)
        XCTAssertLessThan(px[1], 15)
        XCTAssertLessThan(px[2], 15)
    }

    /// Variable frame rate: the GIF's delays follow the source timestamps; a frame shown for under
    /// 2 cs is dropped (its time goes to the frame before).
    func testVariableFrameRateKeepsTiming() throws {
        let dir = try Scratch()
        let clip = dir.file("vfr.mkv")
        // Frame n at n*n*10 ms: gaps 10, 30, 50, ... ms.
        try makeClip(clip, lavfi: "testsrc2=size=160x120:rate=100", ["-frames:v", "10", "-vf", "setpts='N*N*0.01/TB'", "-vsync", "vfr", "-c:v", "ffv1"])
        let gif = dir.file("out.gif")
        let r = try gifsmith(["convert", clip, "-o", gif, "--quiet"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let decoded = try decodeWithFFmpeg(gif)
        // Starts at 0, (10 dropped), 40, 90, 160, ... 810 ms.
        XCTAssertEqual(decoded.frames.count, 9)
        XCTAssertEqual(Array(decoded.delays.prefix(8)), [4, 5, 7, 9, 11, 13, 15, 17])
        XCTAssertGreaterThanOrEqual(decoded.delays.last ?? 0, 2, "the last frame lasts what the container says, at least 2 cs")
    }

    /// A 60 fps source becomes 30 fps (delays under 2 cs play slowly in browsers).
    func testSixtyFpsIsHalvedAndNeverBelowTwoCentiseconds() throws {
        let dir = try Scratch()
        let clip = dir.file("60.mp4")
        try makeClip(clip, lavfi: "testsrc2=size=160x120:rate=60:duration=1", ["-pix_fmt", "yuv420p"])
        let gif = dir.file("out.gif")
        XCTAssertEqual(try gifsmith(["convert", clip, "-o", gif, "--quiet"]).status, 0)
        let decoded = try decodeWithFFmpeg(gif)
        XCTAssertEqual(decoded.frames.count, 30)
        XCTAssertEqual(decoded.delays.reduce(0, +), 100)
        XCTAssertTrue(decoded.delays.allSatisfy { $0 == 3 || $0 == 4 }, "\(decoded.delays)")
    }

    func testTrimAndCrop() throws {
        let dir = try Scratch()
        let clip = dir.file("src.mp4")
        try makeClip(clip, lavfi: "testsrc2=size=320x240:rate=25:duration=3", ["-pix_fmt", "yuv420p", "-g", "10"])
        let gif = dir.file("out.gif")
        let r = try gifsmith(["convert", clip, "-o", gif, "--start", "1", "--duration", "1", "--crop", "200x100+60+70", "--quiet"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let decoded = try decodeWithFFmpeg(gif)
        XCTAssertEqual(decoded.width, 200)
        XCTAssertEqual(decoded.height, 100)
        XCTAssertEqual(decoded.frames.count, 25)
        XCTAssertEqual(decoded.delays.reduce(0, +), 100)
        // The frames are the source from 1.0 s, cropped: as good as FFmpeg's own GIF of that crop.
        try assertAsGoodAsFFmpeg(gif, clip: clip, filter: "trim=start=1:duration=1,crop=200:100:60:70,scale=\(accurateRGB)")
    }

    /// Rotation metadata is honoured: a 320x240 clip tagged 90° comes out 240x320.
    func testRotationMetadataIsHonoured() throws {
        let dir = try Scratch()
        let plain = dir.file("plain.mp4")
        try makeClip(plain, lavfi: "testsrc2=size=320x240:rate=10:duration=1", ["-pix_fmt", "yuv420p"])
        let rotated = dir.file("rotated.mp4")
        // FFmpeg 5.1 writes this tag as a display matrix (no -display_rotation option yet).
        let tag = try runProcess("ffmpeg", ["-v", "error", "-y", "-i", plain, "-c", "copy", "-metadata:s:v", "rotate=90", rotated])
        XCTAssertEqual(tag.status, 0, tag.stderr)
        let gif = dir.file("out.gif")
        let r = try gifsmith(["convert", rotated, "-o", gif, "--quiet"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let decoded = try decodeWithFFmpeg(gif)
        XCTAssertEqual(decoded.width, 240)
        XCTAssertEqual(decoded.height, 320)
        // FFmpeg applies the same rotation when it decodes the tagged clip (autorotate).
        try assertAsGoodAsFFmpeg(gif, clip: rotated, filter: "scale=\(accurateRGB)")
    }

    /// BT.709 full range and 10-bit sources: colours as FFmpeg converts them.
    func testFullRangeBT709AndTenBitColours() throws {
        let dir = try Scratch()
        let full = dir.file("full.mkv")
        try makeClip(full, lavfi: "testsrc2=size=320x180:rate=5:duration=1",
                     ["-vf", "scale=out_color_matrix=bt709:out_range=full", "-pix_fmt", "yuv444p", "-color_range", "pc", "-colorspace", "bt709", "-c:v", "ffv1"])
        let ten = dir.file("ten.mkv")
        try makeClip(ten, lavfi: "testsrc2=size=320x180:rate=5:duration=1", ["-pix_fmt", "yuv420p10le", "-c:v", "ffv1"])
        for (clip, filter) in [(full, "scale=in_color_matrix=bt709:in_range=full:\(accurateRGB)"), (ten, "scale=\(accurateRGB)")] {
            let gif = dir.file("out.gif")
            let r = try gifsmith(["convert", clip, "-o", gif, "--quiet"])
            XCTAssertEqual(r.status, 0, r.stderr)
            let decoded = try decodeWithFFmpeg(gif)
            XCTAssertEqual(decoded.frames.count, 5)
            try assertAsGoodAsFFmpeg(gif, clip: clip, filter: filter)
        }
    }

    /// Standard output carries exactly the bytes a file would.
    func testStdoutEqualsFile() throws {
        let dir = try Scratch()
        let clip = dir.file("src.mp4")
        try makeClip(clip, lavfi: "testsrc2=size=160x90:rate=10:duration=1", ["-pix_fmt", "yuv420p"])
        let gif = dir.file("out.gif")
        XCTAssertEqual(try gifsmith(["convert", clip, "-o", gif, "--quiet"]).status, 0)
        let piped = try gifsmith(["convert", clip, "-o", "-", "--quiet"])
        XCTAssertEqual(piped.status, 0, piped.stderr)
        XCTAssertEqual(piped.stdout, try Data(contentsOf: URL(fileURLWithPath: gif)))
    }

    /// A global palette's second pass either decodes the file again (full size, regular file, more
    /// frames than the spill holds in memory: 150 × 460 KB here, past its 64 MB) or reads converted
    /// frames back from the spill (a pipe; memory, then the temporary file): both give the same
    /// bytes. Matroska, which reads from a pipe whatever its size.
    func testSecondPassByRedecodeEqualsSecondPassFromSpill() throws {
        let dir = try Scratch()
        let clip = dir.file("src.mkv")
        try makeClip(clip, lavfi: "testsrc2=size=480x320:rate=25:duration=6", ["-pix_fmt", "yuv420p"])
        let fromFile = dir.file("file.gif")
        XCTAssertEqual(try gifsmith(["convert", clip, "-o", fromFile, "--quiet"]).status, 0)
        let piped = try gifsmith(["convert", "-", "-o", "-", "--quiet"], stdin: try Data(contentsOf: URL(fileURLWithPath: clip)))
        XCTAssertEqual(piped.status, 0, piped.stderr)
        XCTAssertEqual(piped.stdout, try Data(contentsOf: URL(fileURLWithPath: fromFile)))
        XCTAssertEqual(try decodeWithFFmpeg(fromFile).frames.count, 150)
    }

    /// --json prints one JSON object a line: started, progress, finished.
    func testJSONProgressLines() throws {
        let dir = try Scratch()
        let clip = dir.file("src.mp4")
        try makeClip(clip, lavfi: "testsrc2=size=160x90:rate=10:duration=1", ["-pix_fmt", "yuv420p"])
        let r = try gifsmith(["convert", clip, "-o", dir.file("out.gif"), "--json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let events = try r.text.split(separator: "\n").map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        XCTAssertEqual(events.first?["event"] as? String, "started")
        XCTAssertEqual(events.last?["event"] as? String, "finished")
        XCTAssertTrue(events.contains { $0["event"] as? String == "progress" })
        let result = events.last?["result"] as? [String: Any]
        XCTAssertEqual(result?["frames"] as? Int, 10)
    }

    func testLoopOptions() throws {
        let dir = try Scratch()
        let clip = dir.file("src.mp4")
        try makeClip(clip, lavfi: "testsrc2=size=64x48:rate=5:duration=1", ["-pix_fmt", "yuv420p"])
        for (flag, expected) in [("0", 0 as Int?), ("3", 3), ("none", nil)] {
            let gif = dir.file("loop.gif")
            XCTAssertEqual(try gifsmith(["convert", clip, "-o", gif, "--loop", flag, "--quiet"]).status, 0)
            let decoded = try GIFReader.decode([UInt8](try Data(contentsOf: URL(fileURLWithPath: gif))))
            XCTAssertEqual(decoded.loopCount, expected, "--loop \(flag)")
        }
    }

    /// Every dither and both palette modes decode with FFmpeg to the pixels our reader sees.
    func testEveryDitherAndPaletteModeDecodes() throws {
        let dir = try Scratch()
        let clip = dir.file("src.mp4")
        try makeClip(clip, lavfi: "testsrc2=size=96x64:rate=5:duration=1", ["-pix_fmt", "yuv420p"])
        for dither in ["none", "bayer", "floyd-steinberg", "sierra-2-4a", "atkinson"] {
            for palette in ["global", "per-frame", "scene"] {
                let gif = dir.file("\(dither)-\(palette).gif")
                let r = try gifsmith(["convert", clip, "-o", gif, "--dither", dither, "--palette", palette, "--colors", "17", "--quiet"])
                XCTAssertEqual(r.status, 0, r.stderr)
                let ffmpeg = try decodeWithFFmpeg(gif)
                let mine = try GIFReader.decode([UInt8](try Data(contentsOf: URL(fileURLWithPath: gif))))
                XCTAssertEqual(ffmpeg.frames.count, 5)
                XCTAssertEqual(mine.frames.map(\.rgb), ffmpeg.frames, "\(dither) \(palette)")
            }
        }
    }

    /// Every quantizer and lossy LZW through the CLI: FFmpeg decodes the result, lossy is smaller,
    /// and a bad value is a usage error.
    func testQuantizersAndLossyFromTheCommandLine() throws {
        let dir = try Scratch()
        let clip = dir.file("src.mp4")
        try makeClip(clip, lavfi: "testsrc2=size=160x90:rate=10:duration=0.5", ["-pix_fmt", "yuv420p"])
        for q in ["median-cut", "wu", "kmeans", "octree"] {
            let gif = dir.file("\(q).gif")
            let r = try gifsmith(["convert", clip, "-o", gif, "--quantizer", q, "--colors", "64", "--quiet"])
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertEqual(try decodeWithFFmpeg(gif).frames.count, 5, q)
        }
        let exact = dir.file("exact.gif"), lossy = dir.file("lossy.gif")
        XCTAssertEqual(try gifsmith(["convert", clip, "-o", exact, "--quiet"]).status, 0)
        XCTAssertEqual(try gifsmith(["convert", clip, "-o", lossy, "--lossy", "80", "--quiet"]).status, 0)
        let sizes = try [exact, lossy].map { try FileManager.default.attributesOfItem(atPath: $0)[.size] as! Int }
        XCTAssertLessThan(sizes[1], sizes[0])
        XCTAssertEqual(try decodeWithFFmpeg(lossy).frames.count, 5)
        let bad = try gifsmith(["convert", clip, "-o", dir.file("x.gif"), "--quantizer", "magic"])
        XCTAssertEqual(bad.status, 64)
        XCTAssertEqual(try gifsmith(["convert", clip, "-o", dir.file("y.gif"), "--lossy", "-1"]).status, 64)
    }

    /// Scene palettes: a hard cut starts a new palette (a local table from then on) and scores better
    /// than one global palette; a clip without cuts gets exactly the global result.
    func testScenePalettesAtCutsOnly() throws {
        let dir = try Scratch()
        let cut = dir.file("cut.mp4")
        let r0 = try runProcess("ffmpeg", ["-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=160x90:rate=10:duration=1",
                                           "-f", "lavfi", "-i", "mandelbrot=size=160x90:rate=10", "-filter_complex",
                                           "[1:v]trim=duration=1,setpts=PTS-STARTPTS[m];[0:v][m]concat=n=2:v=1[v]", "-map", "[v]",
                                           "-pix_fmt", "yuv420p", cut])
        XCTAssertEqual(r0.status, 0, r0.stderr)
        let scene = dir.file("scene.gif"), global = dir.file("global.gif")
        XCTAssertEqual(try gifsmith(["convert", cut, "-o", scene, "--quiet"]).status, 0)
        XCTAssertEqual(try gifsmith(["convert", cut, "-o", global, "--palette", "global", "--quiet"]).status, 0)
        let decoded = try GIFReader.decode([UInt8](try Data(contentsOf: URL(fileURLWithPath: scene))))
        XCTAssertEqual(decoded.frames.count, 20)
        XCTAssertTrue(decoded.frames.prefix(10).allSatisfy { $0.localTableSize == nil }, "first scene: the global table")
        XCTAssertNotNil(decoded.frames[10].localTableSize, "the cut starts a local table")
        let filter = "scale=\(accurateRGB)"
        XCTAssertGreaterThan(try gifPSNR(scene, clip: cut, filter: filter), try gifPSNR(global, clip: cut, filter: filter) + 0.5)

        // A pan without cuts: the same bytes as --palette global.
        let pan = dir.file("pan.mp4")
        try makeClip(pan, lavfi: "testsrc2=size=160x90:rate=10:duration=1", ["-pix_fmt", "yuv420p"])
        XCTAssertEqual(try gifsmith(["convert", pan, "-o", scene, "--quiet"]).status, 0)
        XCTAssertEqual(try gifsmith(["convert", pan, "-o", global, "--palette", "global", "--quiet"]).status, 0)
        XCTAssertEqual(try sha256(scene), try sha256(global))
    }

    /// --max-size: the GIF fits the budget (smaller settings chosen in the documented order), an
    /// impossible budget fails with exit 64 and writes nothing; --quality is one knob that shrinks files.
    func testMaxSizeAndQuality() throws {
        let dir = try Scratch()
        let clip = dir.file("src.mp4")
        try makeClip(clip, lavfi: "testsrc2=size=320x180:rate=10:duration=3", ["-pix_fmt", "yuv420p"])
        let plain = dir.file("plain.gif")
        XCTAssertEqual(try gifsmith(["convert", clip, "-o", plain, "--quiet"]).status, 0)
        let plainBytes = try FileManager.default.attributesOfItem(atPath: plain)[.size] as! Int
        let budget = plainBytes / 3
        let fit = dir.file("fit.gif")
        let r = try gifsmith(["convert", clip, "-o", fit, "--max-size", "\(budget)", "--quiet"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let fitBytes = try FileManager.default.attributesOfItem(atPath: fit)[.size] as! Int
        XCTAssertLessThanOrEqual(fitBytes, budget)
        XCTAssertGreaterThan(try decodeWithFFmpeg(fit).frames.count, 0)

        let out = dir.file("out")
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        let impossible = try gifsmith(["convert", clip, "-o", out + "/x.gif", "--max-size", "2KB", "--quiet"])
        XCTAssertEqual(impossible.status, 64, impossible.stderr)
        XCTAssertTrue(impossible.stderr.contains("no settings fit"), impossible.stderr)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: out), [])
        XCTAssertEqual(try gifsmith(["convert", clip, "-o", fit, "--max-size", "lots"]).status, 64)

        let q = dir.file("q.gif")
        XCTAssertEqual(try gifsmith(["convert", clip, "-o", q, "--quality", "40", "--quiet"]).status, 0)
        XCTAssertLessThan(try FileManager.default.attributesOfItem(atPath: q)[.size] as! Int, plainBytes)
        XCTAssertEqual(try gifsmith(["convert", clip, "-o", q, "--quality", "0"]).status, 64)
    }

    /// Pillow's view of a GIF: every frame composited to RGB.
    private func pillowFrames(_ gif: String) throws -> [[UInt8]] {
        let script = """
        import sys
        from PIL import Image, ImageSequence
        im = Image.open(sys.argv[1])
        out = sys.stdout.buffer
        for f in ImageSequence.Iterator(im):
            out.write(f.convert('RGB').tobytes())
        """
        let r = try runProcess("/usr/bin/python3", ["-c", script, gif])
        guard r.status == 0 else { throw XCTSkip("Pillow unavailable: \(r.stderr)") }
        let probe = try decodeWithFFmpeg(gif)
        let n = probe.width * probe.height * 3
        let bytes = [UInt8](r.stdout)
        return stride(from: 0, to: bytes.count, by: n).map { Array(bytes[$0..<$0 + n]) }
    }

    /// Temporal stability, read back by FFmpeg's decoder: on a static gradient crossed by a moving
    /// picture, the rows the picture never touches show the same colours in every frame. Without
    /// stability they shimmer (error diffusion carries the moving part's errors down the frame),
    /// which shows the check can fail; with it the file is smaller too.
    func testStaticBackgroundKeepsItsIndicesInEveryFrame() throws {
        let dir = try Scratch()
        let clip = dir.file("static.mp4")
        try makeClip(clip, lavfi: "nullsrc=size=160x120:rate=10:duration=2,format=rgb24,geq=r='40+X':g='50+Y':b='200-X/2'[bg];"
                     + "testsrc2=size=40x30:rate=10[fg];[bg][fg]overlay=x=t*50:y=20:shortest=1",
                     ["-c:v", "libx264", "-qp", "0", "-pix_fmt", "yuv420p"])
        func changedStaticPixels(_ args: [String]) throws -> (changed: Int, bytes: Int) {
            let gif = dir.file("out\(args.count).gif")
            let r = try gifsmith(["convert", clip, "-o", gif, "--quiet"] + args)
            XCTAssertEqual(r.status, 0, r.stderr)
            let decoded = try decodeWithFFmpeg(gif)
            XCTAssertEqual(decoded.frames.count, 20)
            // Rows 60... : the moving picture covers rows 20..<50 only.
            let staticPart = 60 * 160 * 3..<120 * 160 * 3
            let first = decoded.frames[0][staticPart]
            var changed = 0
            for frame in decoded.frames.dropFirst() {
                changed += zip(frame[staticPart], first).filter { $0 != $1 }.count
            }
            return (changed, try Data(contentsOf: URL(fileURLWithPath: gif)).count)
        }
        let held = try changedStaticPixels([])
        let loose = try changedStaticPixels(["--stability", "off"])
        XCTAssertEqual(held.changed, 0, "static pixels changed colour with the default stability")
        XCTAssertGreaterThan(loose.changed, 1000, "without stability the static part shimmers")
        XCTAssertLessThan(held.bytes, loose.bytes)
    }
}
