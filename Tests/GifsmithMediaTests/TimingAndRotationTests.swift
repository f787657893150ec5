import GifsmithCore
import GifsmithMedia
import XCTest

final class TimingAndRotationTests: XCTestCase {
    static let fx = Fixtures("timing")
    override class func tearDown() { fx.remove() }
    var fx: Fixtures { Self.fx }

    func testVariableFrameRateTimestampsMatchFFprobe() throws {
        // Frames every 0.1 s, every third one late by 40 ms: 0, 0.14, 0.24, 0.30, 0.44, ...
        let p = try fx.clip("vfr.mp4", rate: 10, seconds: 2,
                            filter: "settb=1/1000,setpts='(N*0.1+if(mod(N\\,3)\\,0.04\\,0))/TB'",
                            ["-fps_mode", "passthrough", "-enc_time_base", "1:1000", "-c:v", "libx264", "-video_track_timescale", "1000"])
        let info = try MediaProbe.probe(p)
        XCTAssertTrue(info.isVariableFrameRate)
        let (frames, _) = try decodeAll(p)
        let expected = microseconds(try Fixtures.frameTimestamps(p))
        XCTAssertEqual(expected.count, 20)
        XCTAssertEqual(frames.map(\.pts), expected)
        XCTAssertEqual(Array(frames.map(\.pts).prefix(4)), [0, 140_000, 240_000, 300_000])
        // Each duration reaches exactly to the next frame.
        for i in 0..<(frames.count - 1) {
            XCTAssertEqual(frames[i].duration, frames[i + 1].pts - frames[i].pts)
        }
        XCTAssertGreaterThan(frames.last!.duration, 0)

        let cfr = try fx.clip("cfr.mp4", rate: 10, seconds: 1, ["-c:v", "libx264"])
        XCTAssertFalse(try MediaProbe.probe(cfr).isVariableFrameRate)
    }

    func testSeekLandsOnTheFrameShownAtTheTarget() throws {
        let p = try fx.clip("gop.mp4", seconds: 2, ["-c:v", "libx264", "-g", "12", "-bf", "2"])
        let (all, _) = try decodeAll(p)
        XCTAssertEqual(all.count, 50)

        let d = try VideoDecoder(path: p)
        _ = try d.nextFrame()
        try d.seek(toMicroseconds: 1_000_000)
        let f = try XCTUnwrap(d.nextFrame())
        XCTAssertGreaterThanOrEqual(f.pts, 950_000)
        XCTAssertEqual(f.pts, 1_000_000)
        XCTAssertEqual(tightPlanes(f), tightPlanes(all[25]), "the frame after a seek is the same picture as in a straight decode")
        XCTAssertEqual(try d.nextFrame()?.pts, 1_040_000)

        // Between frames: the frame on screen at 1.23 s is the one from 1.2 s.
        try d.seek(toMicroseconds: 1_230_000)
        XCTAssertEqual(try d.nextFrame()?.pts, 1_200_000)

        // Backwards, then to the very start.
        try d.seek(toMicroseconds: 300_000)
        XCTAssertEqual(try d.nextFrame().map(tightPlanes), tightPlanes(all[7]))
        try d.seek(toMicroseconds: 0)
        var rest: [Int64] = []
        while let f = try d.nextFrame() { rest.append(f.pts) }
        XCTAssertEqual(rest, all.map(\.pts))

        try d.seek(toMicroseconds: 60_000_000)
        XCTAssertNil(try d.nextFrame(), "past the end there is nothing")
        XCTAssertEqual(d.warnings, [])
    }

    func testSeekInGIFAndMPEG() throws {
        let gif = try fx.clip("seek.gif", rate: 10, seconds: 2, ["-f", "gif"])
        let g = try VideoDecoder(path: gif)
        try g.seek(toMicroseconds: 1_000_000)
        let gf = try XCTUnwrap(g.nextFrame())
        XCTAssertEqual(gf.pts, 1_000_000)

        let mpg = try fx.clip("seek.mpg", seconds: 2, ["-c:v", "mpeg2video", "-g", "12"])
        let m = try VideoDecoder(path: mpg)
        try m.seek(toMicroseconds: 1_000_000)
        let mf = try XCTUnwrap(m.nextFrame())
        XCTAssertGreaterThanOrEqual(mf.pts, 950_000)
        XCTAssertLessThanOrEqual(mf.pts, 1_000_000)
    }

    func testRotationMetadataIsAppliedExactly() throws {
        // A blue 64x32 picture with a red 8x8 block at the top-left.
        let base = try fx.make("rot_base.mp4", [
            "-f", "lavfi", "-i", "color=blue:s=64x32:r=5:d=0.2,drawbox=x=0:y=0:w=8:h=8:color=red:t=fill",
            "-c:v", "libx264", "-pix_fmt", "yuv420p",
        ])
        // The FFmpeg 5.1 CLI writes `rotate=N` as a matrix it then plays back turned N degrees
        // counter-clockwise; we match what FFmpeg itself displays.
        for (tag, clockwise) in [("90", 270), ("180", 180), ("270", 90)] {
            let p = try fx.make("rot\(tag).mp4", ["-i", base, "-c", "copy", "-metadata:s:v", "rotate=\(tag)"])
            let info = try MediaProbe.probe(p)
            XCTAssertEqual(info.rotationDegrees, clockwise, tag)
            XCTAssertEqual(info.codedWidth, 64)
            XCTAssertEqual([info.width, info.height], clockwise == 180 ? [64, 32] : [32, 64], tag)
            let (frames, _) = try decodeAll(p)
            XCTAssertEqual([frames[0].width, frames[0].height], [info.width, info.height])
            guard case let .yuv(sx, sy, _, _, _) = frames[0].layout else { return XCTFail("expected YUV") }
            XCTAssertEqual([sx, sy], [1, 1])
            // FFmpeg's autorotation (transpose/flip filters) moves pixels exactly too.
            let raw = try Fixtures.rawFrames(p, pixFmt: "yuv420p")
            XCTAssertEqual(concatenatedPlanes(frames), raw, "rotation \(tag)")
            // Where the red block went: Cr is high for red, low for blue.
            let cw = frames[0].planeWidth(2)
            let ch = frames[0].planeHeight(2)
            let cr = tightPlanes(frames[0])[2]
            let corners = [(0, 0), (cw - 1, 0), (0, ch - 1), (cw - 1, ch - 1)].map { cr[$0.1 * cw + $0.0] }
            let redCorner = corners.firstIndex { $0 > 200 }
            // Top-left turned clockwise by 90 goes to top-right, by 180 bottom-right, by 270 bottom-left.
            XCTAssertEqual(redCorner, [90: 1, 180: 3, 270: 2][clockwise], "rotation \(tag)")
        }

        // 4:2:2 turned a quarter becomes 4:4:0: the chroma shifts swap.
        let b422 = try fx.make("rot_base422.mp4", [
            "-f", "lavfi", "-i", "color=blue:s=64x32:r=5:d=0.2,drawbox=x=0:y=0:w=8:h=8:color=red:t=fill",
            "-c:v", "libx264", "-pix_fmt", "yuv422p",
        ])
        let r422 = try fx.make("rot422.mp4", ["-i", b422, "-c", "copy", "-metadata:s:v", "rotate=270"])
        let f = try XCTUnwrap(VideoDecoder(path: r422).nextFrame())
        guard case let .yuv(sx, sy, _, _, _) = f.layout else { return XCTFail("expected YUV") }
        XCTAssertEqual([sx, sy, f.width, f.height], [0, 1, 32, 64])
        XCTAssertEqual(f.strides, [32, 32, 32])
        XCTAssertEqual(f.planes[1].count, 32 * 32)
        XCTAssertGreaterThan(f.planes[2][31], 200, "red block at the top-right after a clockwise quarter turn")
    }

    func testStdinPipeDecodesAndCannotSeekBack() throws {
        let p = try fx.clip("pipe.mkv", seconds: 0.4, ["-c:v", "libx264"])
        let (expected, _) = try decodeAll(p)
        let saved = dup(0)
        let fd = open(p, O_RDONLY)
        XCTAssertGreaterThanOrEqual(fd, 0)
        dup2(fd, 0)
        close(fd)
        defer {
            dup2(saved, 0)
            close(saved)
        }
        let d = try VideoDecoder(path: "-")
        XCTAssertEqual(d.info.codec, "h264")
        let first = try XCTUnwrap(d.nextFrame())
        XCTAssertEqual(tightPlanes(first), tightPlanes(expected[0]))
        try d.seek(toMicroseconds: 200_000)   // forward on a pipe: decode and drop
        XCTAssertEqual(try d.nextFrame()?.pts, 200_000)
        XCTAssertThrowsError(try d.seek(toMicroseconds: 0)) { error in
            guard case .seekFailed(let path, _, _)? = error as? MediaError else { return XCTFail("\(error)") }
            XCTAssertEqual(path, "stdin")
        }
    }
}
