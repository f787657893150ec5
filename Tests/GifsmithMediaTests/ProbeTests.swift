import GifsmithCore
import GifsmithMedia
import XCTest

func decodeAll(_ path: String, threads: Int = 0) throws -> (frames: [PlanarFrame], decoder: VideoDecoder) {
    let d = try VideoDecoder(path: path, threads: threads)
    var frames: [PlanarFrame] = []
    while let f = try d.nextFrame() { frames.append(f) }
    return (frames, d)
}

final class ProbeTests: XCTestCase {
    static let fx = Fixtures("probe")
    override class func tearDown() { fx.remove() }
    var fx: Fixtures { Self.fx }

    func testMP4H264WithAudio() throws {
        let p = try fx.make("h264.mp4", ["-f", "lavfi", "-i", "testsrc2=s=64x48:r=25:d=1", "-f", "lavfi", "-i", "sine=d=1",
                                         "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest"])
        let info = try MediaProbe.probe(p)
        XCTAssertEqual(info.container, "mov,mp4,m4a,3gp,3g2,mj2")
        XCTAssertEqual(info.codec, "h264")
        XCTAssertEqual(info.width, 64)
        XCTAssertEqual(info.height, 48)
        XCTAssertEqual(info.codedWidth, 64)
        XCTAssertEqual(info.frameRate, Rational(num: 25, den: 1))
        XCTAssertEqual(info.durationSeconds ?? 0, 1.0, accuracy: 0.05)
        XCTAssertEqual(info.estimatedFrameCount, 25)
        XCTAssertEqual(info.pixelFormat, "yuv420p")
        XCTAssertEqual(info.bitDepth, 8)
        XCTAssertEqual(info.colorMatrix, .bt601)
        XCTAssertTrue(info.colorMatrixAssumed)
        XCTAssertEqual(info.colorRange, .limited)
        XCTAssertTrue(info.rangeAssumed)
        // H.264 reports "left" for every stream; chroma is read centred as swscale does (ColorTags.siting).
        XCTAssertEqual(info.chromaSiting, .center)
        XCTAssertEqual(info.rotationDegrees, 0)
        XCTAssertTrue(info.hasAudio)
        XCTAssertFalse(info.isStillImage)
        XCTAssertFalse(info.isVariableFrameRate)

        let (frames, d) = try decodeAll(p)
        XCTAssertEqual(frames.count, try Fixtures.frameCount(p))
        XCTAssertEqual(d.warnings, [])
        XCTAssertEqual(frames.map(\.pts), (0..<25).map { Int64($0) * 40_000 })
        XCTAssertTrue(frames.allSatisfy { $0.duration == 40_000 })
        guard case let .yuv(sx, sy, m, r, s) = frames[0].layout else { return XCTFail("expected YUV") }
        XCTAssertEqual([sx, sy], [1, 1])
        XCTAssertEqual(m, .bt601)
        XCTAssertEqual(r, .limited)
        XCTAssertEqual(s, .center)
        XCTAssertEqual((0..<3).map(frames[0].planeWidth), [64, 32, 32])
        try assertPlanesEqualFFmpeg(p, frames, pixFmt: "yuv420p")
    }

    /// 8-bit planar pictures are read in place (`BorrowedPlanes`), rows at the decoder's line
    /// size: they must stay valid after the decoder is gone, and convert exactly as tight copies.
    func testDecodedPicturesAreBorrowedAndOutliveTheDecoder() throws {
        let p = try fx.make("borrow.mp4", ["-f", "lavfi", "-i", "testsrc2=s=70x40:r=25:d=0.4", "-c:v", "libx264", "-pix_fmt", "yuv420p"])
        var frames: [PlanarFrame] = []
        do {
            let d = try VideoDecoder(path: p, threads: 0)
            while let f = try d.nextFrame() { frames.append(f) }
        }
        XCTAssertEqual(frames.count, 10)
        XCTAssertTrue(frames.allSatisfy { $0.borrowed != nil }, "H.264 yuv420p pictures are borrowed")
        XCTAssertTrue((0..<3).allSatisfy { frames[0].strides[$0] >= frames[0].planeWidth($0) })
        XCTAssertGreaterThan(frames[0].strides[0], 70, "FFmpeg pads a 70-wide luma row, so the test covers padded rows")
        try assertPlanesEqualFFmpeg(p, frames, pixFmt: "yuv420p")

        let plan = try ScalePlan(sourceWidth: 70, sourceHeight: 40, layout: frames[0].layout, crop: PixelRect(x: 3, y: 1, width: 61, height: 37),
                                 outputSize: PixelSize(width: 33, height: 19), filter: .bicubic)
        for f in frames {
            let tight = tightPlanes(f)
            let copy = PlanarFrame(width: f.width, height: f.height, layout: f.layout, planes: tight,
                                   strides: (0..<3).map(f.planeWidth), pts: f.pts)
            XCTAssertNil(copy.borrowed)
            XCTAssertEqual(ConvertKernel.convert(f, plan: plan), ConvertKernel.convert(copy, plan: plan))
        }
        // Setting a plane makes the frame own arrays, copied from the borrowed memory.
        var owned = frames[1]
        owned.planes[0][0] ^= 0xFF
        XCTAssertNil(owned.borrowed)
        XCTAssertNotNil(frames[1].borrowed)
        XCTAssertEqual(owned.planes[0][0], frames[1].planes[0][0] ^ 0xFF)
        XCTAssertEqual(Array(owned.planes[0][1...]), Array(frames[1].planes[0][1...]))
    }

    func testMKVAndWebM() throws {
        let mkv = try fx.clip("h264.mkv", ["-c:v", "libx264", "-pix_fmt", "yuv420p"])
        let info = try MediaProbe.probe(mkv)
        XCTAssertEqual(info.container, "matroska,webm")
        XCTAssertEqual(info.codec, "h264")
        XCTAssertFalse(info.hasAudio)
        XCTAssertEqual(info.estimatedFrameCount, 25)
        let (frames, _) = try decodeAll(mkv)
        XCTAssertEqual(frames.count, try Fixtures.frameCount(mkv))
        XCTAssertEqual(frames.map(\.pts), microseconds(try Fixtures.frameTimestamps(mkv)))

        let webm = try fx.clip("vp9.webm", ["-c:v", "libvpx-vp9", "-deadline", "realtime", "-cpu-used", "8"])
        let w = try MediaProbe.probe(webm)
        XCTAssertEqual(w.codec, "vp9")
        XCTAssertEqual(w.container, "matroska,webm")
        XCTAssertEqual(w.colorRange, .limited)
        XCTAssertFalse(w.rangeAssumed, "VP9 signals its range")
        let (wf, _) = try decodeAll(webm)
        XCTAssertEqual(wf.count, try Fixtures.frameCount(webm))
        try assertPlanesEqualFFmpeg(webm, wf, pixFmt: "yuv420p")
    }

    func testMOVMotionJPEGIsFullRangeCentred() throws {
        let p = try fx.clip("mjpeg.mov", ["-c:v", "mjpeg", "-pix_fmt", "yuvj420p"])
        let info = try MediaProbe.probe(p)
        XCTAssertEqual(info.codec, "mjpeg")
        XCTAssertEqual(info.pixelFormat, "yuvj420p")
        XCTAssertEqual(info.colorRange, .full)
        XCTAssertFalse(info.rangeAssumed)
        XCTAssertEqual(info.chromaSiting, .center)
        XCTAssertEqual(info.colorMatrix, .bt601)
        XCTAssertFalse(info.colorMatrixAssumed, "the encoder tags bt470bg")
        let (frames, _) = try decodeAll(p)
        XCTAssertEqual(frames.count, 25)
        guard case let .yuv(_, _, _, r, s) = frames[0].layout else { return XCTFail("expected YUV") }
        XCTAssertEqual(r, .full)
        XCTAssertEqual(s, .center)
        try assertPlanesEqualFFmpeg(p, frames, pixFmt: "yuvj420p")
    }

    func testMPEG2ProgramStreamStartsAtZero() throws {
        let p = try fx.clip("m2.mpg", ["-c:v", "mpeg2video"])
        let info = try MediaProbe.probe(p)
        XCTAssertEqual(info.codec, "mpeg2video")
        XCTAssertEqual(info.container, "mpeg")
        let (frames, _) = try decodeAll(p)
        XCTAssertEqual(frames.count, try Fixtures.frameCount(p))
        XCTAssertEqual(frames.first?.pts, 0, "pts are relative to the stream start (0.5 s in the file)")
        // The last frame of a program stream carries no timestamp (ffprobe shows N/A); it
        // follows its predecessor by one frame time.
        let stamped = microseconds(try Fixtures.frameTimestamps(p))
        XCTAssertEqual(stamped.count, 24)
        XCTAssertEqual(Array(frames.map(\.pts).prefix(stamped.count)), stamped)
        XCTAssertEqual(frames.map(\.pts), (0..<25).map { Int64($0) * 40_000 })
        try assertPlanesEqualFFmpeg(p, frames, pixFmt: "yuv420p")
    }

    func testGIFInputIsRGBAndMatchesFFmpeg() throws {
        let p = try fx.clip("in.gif", rate: 10, ["-f", "gif"])
        let info = try MediaProbe.probe(p)
        XCTAssertEqual(info.codec, "gif")
        XCTAssertEqual(info.container, "gif")
        XCTAssertEqual(info.colorRange, .full)
        let (frames, _) = try decodeAll(p)
        XCTAssertEqual(frames.count, try Fixtures.frameCount(p))
        XCTAssertEqual(frames[0].layout, .rgb)
        XCTAssertEqual(frames.map(\.pts), (0..<10).map { Int64($0) * 100_000 })
        try assertPlanesEqualFFmpeg(p, frames, pixFmt: "gbrp", order: [1, 2, 0])
    }

    func testChromaLayouts444And422() throws {
        for (name, fmt, shifts) in [("y444.mp4", "yuv444p", [0, 0]), ("y422.mp4", "yuv422p", [1, 0])] {
            let p = try fx.clip(name, seconds: 0.4, ["-c:v", "libx264", "-pix_fmt", fmt])
            XCTAssertEqual(try MediaProbe.probe(p).pixelFormat, fmt)
            let (frames, _) = try decodeAll(p)
            guard case let .yuv(sx, sy, _, _, _) = frames[0].layout else { return XCTFail("expected YUV") }
            XCTAssertEqual([sx, sy], shifts, fmt)
            XCTAssertEqual((0..<3).map(frames[0].planeWidth), [64, 64 >> shifts[0], 64 >> shifts[0]])
            try assertPlanesEqualFFmpeg(p, frames, pixFmt: fmt)
        }
    }

    func testTenBitIsReducedWithRounding() throws {
        let p = try fx.clip("y10.mp4", seconds: 0.4, ["-c:v", "libx264", "-pix_fmt", "yuv420p10le"])
        let info = try MediaProbe.probe(p)
        XCTAssertEqual(info.pixelFormat, "yuv420p10le")
        XCTAssertEqual(info.bitDepth, 10)
        let (frames, _) = try decodeAll(p)
        let raw = try Fixtures.rawFrames(p, pixFmt: "yuv420p10le")
        // Independent reduction of FFmpeg's 16-bit words: (v + 2) >> 2, clamped.
        var expected: [UInt8] = []
        for i in stride(from: 0, to: raw.count, by: 2) {
            let v = Int(raw[i]) | Int(raw[i + 1]) << 8
            expected.append(UInt8(min(255, (v + 2) >> 2)))
        }
        XCTAssertEqual(concatenatedPlanes(frames), expected)
        guard case let .yuv(sx, sy, _, _, _) = frames[0].layout else { return XCTFail("expected YUV") }
        XCTAssertEqual([sx, sy], [1, 1])
    }

    func testFullRangeBT709Tags() throws {
        let p = try fx.clip("full709.mp4", seconds: 0.2,
                            ["-c:v", "libx264", "-pix_fmt", "yuv420p", "-color_range", "pc", "-colorspace", "bt709"])
        let info = try MediaProbe.probe(p)
        XCTAssertEqual(info.colorMatrix, .bt709)
        XCTAssertFalse(info.colorMatrixAssumed)
        XCTAssertEqual(info.colorRange, .full)
        XCTAssertFalse(info.rangeAssumed)
        let f = try VideoDecoder(path: p).nextFrame()!
        guard case let .yuv(_, _, m, r, s) = f.layout else { return XCTFail("expected YUV") }
        XCTAssertEqual(m, .bt709)
        XCTAssertEqual(r, .full)
        XCTAssertEqual(s, .center, "centred whatever H.264 reports, as FFmpeg converts it")
    }

    func testUntaggedMatrixIsChosenBySize() throws {
        let hd = try fx.clip("hd.mp4", size: "1280x720", seconds: 0.04, ["-c:v", "libx264", "-preset", "ultrafast"])
        let sd = try fx.clip("sd.mp4", size: "320x240", seconds: 0.04, ["-c:v", "libx264", "-preset", "ultrafast"])
        let h = try MediaProbe.probe(hd)
        XCTAssertEqual(h.colorMatrix, .bt709)
        XCTAssertTrue(h.colorMatrixAssumed)
        let s = try MediaProbe.probe(sd)
        XCTAssertEqual(s.colorMatrix, .bt601)
        XCTAssertTrue(s.colorMatrixAssumed)
        let f = try VideoDecoder(path: hd).nextFrame()!
        guard case let .yuv(_, _, m, _, _) = f.layout else { return XCTFail("expected YUV") }
        XCTAssertEqual(m, .bt709)
    }

    func testFlatFullRange444MatchesFFmpegExactly() throws {
        // Four flat quadrants, lossless, full range: every sample is known and must survive.
        let p = try fx.make("flat444.mkv", [
            "-f", "lavfi", "-i",
            "color=c=0x3366CC:s=32x16:r=5:d=0.4,drawbox=x=0:y=0:w=16:h=8:color=0xFF2010:t=fill,"
                + "drawbox=x=16:y=8:w=16:h=8:color=0x10E040:t=fill,format=yuv444p",
            "-c:v", "libx264", "-qp", "0", "-pix_fmt", "yuv444p", "-color_range", "pc",
        ])
        let (frames, _) = try decodeAll(p)
        XCTAssertEqual(frames.count, 2)
        guard case let .yuv(sx, sy, _, r, _) = frames[0].layout else { return XCTFail("expected YUV") }
        XCTAssertEqual([sx, sy, r == .full ? 1 : 0], [0, 0, 1])
        // Full-range H.264 decodes as yuvj444p; asking FFmpeg for that format avoids a range conversion.
        try assertPlanesEqualFFmpeg(p, frames, pixFmt: "yuvj444p")
        // Flat means flat: each quadrant holds one value per plane.
        let planes = tightPlanes(frames[0])
        for plane in planes {
            XCTAssertEqual(Set((0..<8).flatMap { y in (0..<16).map { plane[y * 32 + $0] } }).count, 1)
            XCTAssertEqual(Set((8..<16).flatMap { y in (16..<32).map { plane[y * 32 + $0] } }).count, 1)
        }
        XCTAssertNotEqual(planes[0][0], planes[0][31])
    }

    func testRawPixelFormats() throws {
        // Formats decoders rarely produce but rawvideo does: each path of the extractor.
        for fmt in ["nv12", "nv21", "yuyv422"] {
            let p = try fx.clip("raw_\(fmt).nut", size: "32x16", rate: 5, seconds: 0.4, ["-c:v", "rawvideo", "-pix_fmt", fmt])
            let (frames, _) = try decodeAll(p)
            XCTAssertEqual(frames.count, 2, fmt)
            let ref = fmt == "yuyv422" ? "yuv422p" : "yuv420p"
            try assertPlanesEqualFFmpeg(p, frames, pixFmt: ref)
        }
        for fmt in ["rgb24", "bgra", "gbrp"] {
            let p = try fx.clip("raw_\(fmt).nut", size: "32x16", rate: 5, seconds: 0.4, ["-c:v", "rawvideo", "-pix_fmt", fmt])
            let (frames, _) = try decodeAll(p)
            XCTAssertEqual(frames[0].layout, .rgb, fmt)
            try assertPlanesEqualFFmpeg(p, frames, pixFmt: "gbrp", order: [1, 2, 0])
        }
        // 10-bit RGB: reduced like 10-bit YUV.
        let g10 = try fx.clip("raw_gbrp10.nut", size: "32x16", rate: 5, seconds: 0.4, ["-c:v", "rawvideo", "-pix_fmt", "gbrp10le"])
        let (g10f, _) = try decodeAll(g10)
        let raw10 = try Fixtures.rawFrames(g10, pixFmt: "gbrp10le")
        var reduced: [UInt8] = []
        for i in stride(from: 0, to: raw10.count, by: 2) {
            reduced.append(UInt8(min(255, ((Int(raw10[i]) | Int(raw10[i + 1]) << 8) + 2) >> 2)))
        }
        XCTAssertEqual(concatenatedPlanes(g10f, order: [1, 2, 0]), reduced)

        let gray = try fx.clip("raw_gray.nut", size: "32x16", rate: 5, seconds: 0.4, ["-c:v", "rawvideo", "-pix_fmt", "gray"])
        let (gf, _) = try decodeAll(gray)
        let rawGray = try Fixtures.rawFrames(gray, pixFmt: "gray")
        XCTAssertEqual(gf[0].layout, .rgb)
        XCTAssertEqual(gf.flatMap { $0.planes[0] }, rawGray)
        XCTAssertEqual(gf[0].planes[0], gf[0].planes[2])
    }

    func testAlphaYUVGoesThroughSwscaleOverBlack() throws {
        // Opaque yuva420p: alpha is 255, so the result is FFmpeg's own YUV→RGB within rounding.
        let p = try fx.clip("raw_yuva.nut", size: "32x16", rate: 5, seconds: 0.2, ["-c:v", "rawvideo", "-pix_fmt", "yuva420p"])
        let (frames, _) = try decodeAll(p)
        XCTAssertEqual(frames[0].layout, .rgb)
        let ref = try Fixtures.rawFrames(p, pixFmt: "gbrp", extra: ["-sws_flags", "bicubic+accurate_rnd+full_chroma_int+full_chroma_inp+bitexact"])
        let ours = concatenatedPlanes(frames, order: [1, 2, 0])
        XCTAssertEqual(ours.count, ref.count)
        let worst = zip(ours, ref).map { abs(Int($0) - Int($1)) }.max() ?? 99
        XCTAssertLessThanOrEqual(worst, 2)
    }

    // MARK: - Helpers

    /// Our planes, frame after frame, against FFmpeg's raw decode in `pixFmt`. `order` names
    /// our plane for each of FFmpeg's planes in turn (gbrp: G, B, R = our 1, 2, 0).
    func assertPlanesEqualFFmpeg(_ path: String, _ frames: [PlanarFrame], pixFmt: String, order: [Int] = [0, 1, 2],
                                 file: StaticString = #filePath, line: UInt = #line) throws {
        let raw = try Fixtures.rawFrames(path, pixFmt: pixFmt)
        let mine = concatenatedPlanes(frames, order: order)
        XCTAssertEqual(mine.count, raw.count, "size differs from FFmpeg's decode of \(path)", file: file, line: line)
        if mine != raw {
            let firstDiff = zip(mine, raw).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? -1
            XCTFail("pixels differ from FFmpeg's decode of \(path) at byte \(firstDiff)", file: file, line: line)
        }
    }
}

/// All frames' planes back to back, planes in `order` (tight, so the layout matches rawvideo).
func concatenatedPlanes(_ frames: [PlanarFrame], order: [Int] = [0, 1, 2]) -> [UInt8] {
    var out: [UInt8] = []
    for f in frames {
        let planes = tightPlanes(f)
        for i in order { out += planes[i] }
    }
    return out
}

/// A frame's three planes without row padding: `planeWidth(i) * planeHeight(i)` bytes each.
/// Decoded pictures keep the decoder's line size (see `BorrowedPlanes`).
func tightPlanes(_ f: PlanarFrame) -> [[UInt8]] {
    let planes = f.planes
    return (0..<3).map { i in
        let w = f.planeWidth(i), stride = f.strides[i]
        XCTAssertGreaterThanOrEqual(stride, w)
        return (0..<f.planeHeight(i)).flatMap { y in planes[i][(y * stride)..<(y * stride + w)] }
    }
}
