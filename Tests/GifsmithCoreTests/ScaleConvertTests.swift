import Foundation
import XCTest
@testable import GifsmithCore

/// The convert+crop+scale stage: filter tables, plan validation, the kernel against an
/// independent per-pixel reference, colour conversion against Double maths, and FFmpeg.
final class ScaleConvertTests: XCTestCase {
    // MARK: Filter tables

    func testCatmullRomUpscaleCoefficientsAreExact() {
        // 8 → 16: output i sits at i/2 − 1/4, so phases are 1/4 and 3/4 and the Catmull-Rom
        // weights are exact in Q14: K(.25)=.8671875, K(.75)=.2265625, K(1.25)=−.0703125,
        // K(1.75)=−.0234375.
        let t = FilterTable.make(sourceSize: 8, regionStart: 0, regionSize: 8, outputSize: 16,
                                 lumaStart: 0, lumaSize: 8, shift: 0, siting: .center, filter: .bicubic)
        XCTAssertEqual(t.taps, 4)
        XCTAssertEqual(row(t, 4), [-384, 3712, 14208, -1152])
        XCTAssertEqual(t.starts[4], 0)
        XCTAssertEqual(row(t, 5), [-1152, 14208, 3712, -384])
        XCTAssertEqual(t.starts[5], 1)
        // Row 2 (p = 0.75) reaches sample −1, whose weight folds onto sample 0.
        XCTAssertEqual(row(t, 2), [3712 - 384, 14208, -1152, 0])
        XCTAssertEqual(t.starts[2], 0)
        // The last row (p = 7.25) folds samples 8 and 9 onto sample 7, and its window is slid
        // left to stay inside the region.
        XCTAssertEqual(t.starts[15], 4)
        XCTAssertEqual(row(t, 15), [0, 0, -1152, 14208 + 3712 - 384])
    }

    func testCatmullRomIsStretchedWhenDownscaling() {
        // 16 → 8: output i sits at 2i + 1/2; the kernel is stretched ×2, so sample distances
        // 0.5, 1.5, 2.5, 3.5 read K at .25, .75, 1.25, 1.75 and every weight halves.
        let t = FilterTable.make(sourceSize: 16, regionStart: 0, regionSize: 16, outputSize: 8,
                                 lumaStart: 0, lumaSize: 16, shift: 0, siting: .center, filter: .bicubic)
        XCTAssertEqual(t.taps, 8)
        XCTAssertEqual(row(t, 3), [-192, -576, 1856, 7104, 7104, 1856, -576, -192])
        XCTAssertEqual(t.starts[3], 3)
    }

    func testAreaIsExactAveragingDownAndBilinearUp() {
        let down = FilterTable.make(sourceSize: 12, regionStart: 0, regionSize: 12, outputSize: 4,
                                    lumaStart: 0, lumaSize: 12, shift: 0, siting: .center, filter: .area)
        XCTAssertEqual(down.taps, 3)
        for i in 0..<4 {
            XCTAssertEqual(down.starts[i], Int32(3 * i))
            // 16384 / 3 = 5461.33: the remainder (1) goes on the lowest of the tied taps.
            XCTAssertEqual(row(down, i), [5462, 5461, 5461])
        }
        // 300 → 1: every weight is 54.61 and rounds to 55, 116 units too many; they come off
        // the largest taps (all tied) from the lowest index, one unit each.
        let wide = FilterTable.make(sourceSize: 300, regionStart: 0, regionSize: 300, outputSize: 1,
                                    lumaStart: 0, lumaSize: 300, shift: 0, siting: .center, filter: .area)
        XCTAssertEqual(wide.coefficients, [Int16](repeating: 54, count: 116) + [Int16](repeating: 55, count: 184))
        let up = FilterTable.make(sourceSize: 8, regionStart: 0, regionSize: 8, outputSize: 16,
                                  lumaStart: 0, lumaSize: 8, shift: 0, siting: .center, filter: .area)
        XCTAssertEqual(up.taps, 2)
        XCTAssertEqual(row(up, 4), [4096, 12288])  // p = 1.75
        XCTAssertEqual(up.starts[4], 1)
        XCTAssertEqual(row(up, 5), [12288, 4096])  // p = 2.25
        XCTAssertEqual(up.starts[5], 2)
    }

    func testSameSizeIsIdentity() {
        for filter in ScaleFilter.allCases {
            let t = FilterTable.make(sourceSize: 20, regionStart: 3, regionSize: 11, outputSize: 11,
                                     lumaStart: 3, lumaSize: 11, shift: 0, siting: .center, filter: filter)
            XCTAssertTrue(t.isIdentity, "\(filter)")
            XCTAssertEqual(t.starts, (3..<14).map { Int32($0) })
            XCTAssertEqual(t.coefficients, [Int16](repeating: 1 << 14, count: 11))
        }
    }

    func testChromaSiting() {
        // 4:2:0 chroma at luma resolution. Centred chroma: output 0 (luma 0.5) sits a quarter
        // sample before chroma sample 0. Left-sited chroma: output 0 is exactly on sample 0,
        // output 1 exactly halfway between samples 0 and 1.
        let left = FilterTable.make(sourceSize: 4, regionStart: 0, regionSize: 4, outputSize: 8,
                                    lumaStart: 0, lumaSize: 8, shift: 1, siting: .left, filter: .area)
        XCTAssertEqual(left.starts[2], 1)
        XCTAssertEqual(row(left, 2), [16384, 0])
        XCTAssertEqual(row(left, 3), [8192, 8192])
        let centre = FilterTable.make(sourceSize: 4, regionStart: 0, regionSize: 4, outputSize: 8,
                                      lumaStart: 0, lumaSize: 8, shift: 1, siting: .center, filter: .area)
        XCTAssertEqual(centre.starts[2], 0)
        XCTAssertEqual(row(centre, 2), [4096, 12288])  // p = 0.75
    }

    func testRandomGeometriesGiveValidTables() {
        var rng = SplitMix(seed: 42)
        var cases: [(source: Int, cropStart: Int, cropSize: Int, out: Int)] = [
            (1, 0, 1, 1), (1, 0, 1, 7), (7, 0, 7, 1), (1, 0, 1, 300), (300, 0, 300, 1),
            (5, 3, 1, 9), (9, 4, 5, 2), (1921, 1, 1919, 480), (1080, 0, 1080, 1080), (3, 1, 1, 1),
        ]
        for _ in 0..<120 {
            let source = rng.next(1...400)
            let start = rng.next(0...(source - 1))
            let size = rng.next(1...(source - start))
            cases.append((source, start, size, rng.next(1...500)))
        }
        for c in cases {
            for shift in 0...2 {
                for siting in [ChromaSiting.left, .center] {
                    for filter in ScaleFilter.allCases {
                        let planeSize = (c.source + (1 << shift) - 1) >> shift
                        let first = c.cropStart >> shift
                        let last = (c.cropStart + c.cropSize - 1) >> shift
                        let t = FilterTable.make(sourceSize: planeSize, regionStart: first, regionSize: last - first + 1,
                                                 outputSize: c.out, lumaStart: c.cropStart, lumaSize: c.cropSize,
                                                 shift: shift, siting: siting, filter: filter)
                        let what = "\(c) shift \(shift) \(siting) \(filter)"
                        XCTAssertEqual(t.outputSize, c.out, what)
                        XCTAssertEqual(t.starts.count, c.out, what)
                        XCTAssertEqual(t.coefficients.count, c.out * t.taps, what)
                        XCTAssertGreaterThanOrEqual(t.taps, 1, what)
                        XCTAssertLessThanOrEqual(t.taps, last - first + 1, what)
                        // One assertion per table: per-row XCTAsserts make this test slow.
                        var bad: [String] = []
                        for i in 0..<c.out {
                            let s = Int(t.starts[i])
                            if s < first || s + t.taps - 1 > last { bad.append("row \(i) reads \(s)...\(s + t.taps - 1)") }
                            var total = 0, positive = 0
                            for k in 0..<t.taps {
                                let v = Int(t.coefficients[i * t.taps + k])
                                total += v
                                if v > 0 { positive += v }
                            }
                            if total != 1 << 14 { bad.append("row \(i) sums to \(total)") }
                            if positive > FilterTable.maxPositiveSum { bad.append("row \(i) positive part \(positive)") }
                        }
                        XCTAssert(bad.isEmpty, "\(what): \(bad.prefix(5))")
                        if filter == .area {
                            XCTAssert(t.coefficients.allSatisfy { $0 >= 0 }, "area weights are never negative: \(what)")
                        }
                    }
                }
            }
        }
    }

    // MARK: Plans

    func testCropOutsideFrameThrowsWithAMessage() {
        let layout = PlaneLayout.yuv(chromaShiftX: 1, chromaShiftY: 1, matrix: .bt709, range: .limited, siting: .left)
        XCTAssertThrowsError(try ScalePlan(sourceWidth: 1280, sourceHeight: 720, layout: layout,
                                           crop: PixelRect(x: 0, y: 0, width: 2000, height: 100),
                                           outputSize: PixelSize(width: 100, height: 100), filter: .bicubic)) { error in
            XCTAssertEqual(error as? CoreError, .invalidGeometry("crop 2000x100+0+0 lies outside the 1280x720 frame"))
        }
        for crop in [PixelRect(x: -1, y: 0, width: 10, height: 10), PixelRect(x: 1271, y: 0, width: 10, height: 10),
                     PixelRect(x: 0, y: 711, width: 10, height: 10), PixelRect(x: Int.max, y: 0, width: 10, height: 10)] {
            XCTAssertThrowsError(try ScalePlan(sourceWidth: 1280, sourceHeight: 720, layout: layout, crop: crop,
                                               outputSize: PixelSize(width: 10, height: 10), filter: .area)) { error in
                let message = "\(error)"
                XCTAssert(message.contains("crop \(crop)") && message.contains("1280x720"), message)
            }
        }
        XCTAssertThrowsError(try ScalePlan(sourceWidth: 64, sourceHeight: 64, layout: .rgb,
                                           crop: PixelRect(x: 0, y: 0, width: 0, height: 5),
                                           outputSize: PixelSize(width: 10, height: 10), filter: .area)) { error in
            XCTAssert("\(error)".contains("crop 0x5+0+0 is empty"), "\(error)")
        }
        for size in [PixelSize(width: 0, height: 10), PixelSize(width: 10, height: 16385)] {
            XCTAssertThrowsError(try ScalePlan(sourceWidth: 64, sourceHeight: 64, layout: .rgb, crop: nil,
                                               outputSize: size, filter: .area)) { error in
                XCTAssert("\(error)".contains("1...16384"), "\(error)")
            }
        }
        XCTAssertNoThrow(try ScalePlan(sourceWidth: 1280, sourceHeight: 720, layout: layout,
                                       crop: PixelRect(x: 1279, y: 719, width: 1, height: 1),
                                       outputSize: PixelSize(width: 16384, height: 1), filter: .bicubic))
    }

    func testOutputSize() throws {
        let crop = PixelSize(width: 1920, height: 1080)
        XCTAssertEqual(try ScalePlan.outputSize(crop: crop, width: 480, height: nil), PixelSize(width: 480, height: 270))
        XCTAssertEqual(try ScalePlan.outputSize(crop: crop, width: nil, height: 100), PixelSize(width: 178, height: 100))  // 177.78
        XCTAssertEqual(try ScalePlan.outputSize(crop: crop, width: nil, height: nil), crop)
        XCTAssertEqual(try ScalePlan.outputSize(crop: crop, width: 10, height: 700), PixelSize(width: 10, height: 700))
        // Halves round up: 3 × 1/2 = 1.5 → 2.
        XCTAssertEqual(try ScalePlan.outputSize(crop: PixelSize(width: 2, height: 1), width: 3, height: nil), PixelSize(width: 3, height: 2))
        // Never below 1.
        XCTAssertEqual(try ScalePlan.outputSize(crop: PixelSize(width: 1000, height: 1), width: 10, height: nil), PixelSize(width: 10, height: 1))
        XCTAssertThrowsError(try ScalePlan.outputSize(crop: crop, width: 0, height: nil))
        XCTAssertThrowsError(try ScalePlan.outputSize(crop: crop, width: nil, height: 16385))
        // A derived side over the limit.
        XCTAssertThrowsError(try ScalePlan.outputSize(crop: PixelSize(width: 1, height: 100), width: 200, height: nil))
    }

    func testCentredCrop() {
        XCTAssertEqual(ScalePlan.centredCrop(source: PixelSize(width: 1920, height: 1080), aspect: (1, 1)),
                       PixelRect(x: 420, y: 0, width: 1080, height: 1080))
        XCTAssertEqual(ScalePlan.centredCrop(source: PixelSize(width: 1920, height: 1080), aspect: (16, 9)),
                       PixelRect(x: 0, y: 0, width: 1920, height: 1080))
        XCTAssertEqual(ScalePlan.centredCrop(source: PixelSize(width: 1080, height: 1920), aspect: (4, 5)),
                       PixelRect(x: 0, y: 285, width: 1080, height: 1350))
        // 1000 × 9/16 = 562.5 → 562; slack 438 → 219 above.
        XCTAssertEqual(ScalePlan.centredCrop(source: PixelSize(width: 1000, height: 1000), aspect: (16, 9)),
                       PixelRect(x: 0, y: 219, width: 1000, height: 562))
        // Odd slack: the extra pixel goes right. 7 wide, square of 4 → x = 1.
        XCTAssertEqual(ScalePlan.centredCrop(source: PixelSize(width: 7, height: 4), aspect: (1, 1)),
                       PixelRect(x: 1, y: 0, width: 4, height: 4))
        XCTAssertEqual(ScalePlan.centredCrop(source: PixelSize(width: 1, height: 1), aspect: (3, 1)),
                       PixelRect(x: 0, y: 0, width: 1, height: 1))
        XCTAssertEqual(ScalePlan.centredCrop(source: PixelSize(width: 300, height: 2), aspect: (1, 100)),
                       PixelRect(x: 149, y: 0, width: 1, height: 2))
    }

    // MARK: Kernel

    func testGreyIdentityIsExact() throws {
        for range in [ColorRange.full, .limited] {
            for matrix in ColorMatrix.allCases {
                let frame = constantFrame(width: 5, height: 3, shift: (0, 0), matrix: matrix, range: range, yuv: (128, 128, 128))
                let plan = try ScalePlan(sourceWidth: 5, sourceHeight: 3, layout: frame.layout, crop: nil,
                                         outputSize: PixelSize(width: 5, height: 3), filter: .bicubic)
                let image = ConvertKernel.convert(frame, plan: plan)
                // Full range: grey 128 stays 128. Limited: (128−16)·255/219 = 130.4 → 130.
                let grey: UInt8 = range == .full ? 128 : 130
                XCTAssertEqual(image.pixels, [UInt8](repeating: grey, count: 45), "\(matrix) \(range)")
            }
        }
    }

    func testIdentityFullRange444KeepsKnownPixels() throws {
        // Per-pixel different values through an identity plan: every pixel must be the
        // conversion of its own sample (no neighbour bleeds in).
        var rng = SplitMix(seed: 7)
        let w = 9, h = 4
        let planes = (0..<3).map { _ in (0..<(w * h)).map { _ in UInt8(rng.next(0...255)) } }
        let frame = PlanarFrame(width: w, height: h, layout: .yuv(chromaShiftX: 0, chromaShiftY: 0, matrix: .bt601, range: .full, siting: .center),
                                planes: planes, strides: [w, w, w], pts: 0)
        for filter in ScaleFilter.allCases {
            let plan = try ScalePlan(sourceWidth: w, sourceHeight: h, layout: frame.layout, crop: nil, outputSize: PixelSize(width: w, height: h), filter: filter)
            let image = ConvertKernel.convert(frame, plan: plan)
            for i in 0..<(w * h) {
                let expected = doubleRGB(y: planes[0][i], u: planes[1][i], v: planes[2][i], matrix: .bt601, range: .full)
                for c in 0..<3 {
                    XCTAssertLessThanOrEqual(abs(Int(image.pixels[3 * i + c]) - expected[c]), 1, "pixel \(i) channel \(c)")
                }
            }
            // RGB layout through an identity is a plain copy.
            let rgb = PlanarFrame(width: w, height: h, layout: .rgb, planes: planes, strides: [w, w, w], pts: 0)
            let rgbPlan = try ScalePlan(sourceWidth: w, sourceHeight: h, layout: .rgb, crop: nil, outputSize: PixelSize(width: w, height: h), filter: filter)
            let copy = ConvertKernel.convert(rgb, plan: rgbPlan)
            XCTAssertEqual(copy.pixels, (0..<(w * h)).flatMap { [planes[0][$0], planes[1][$0], planes[2][$0]] })
        }
    }

    func testPureColoursMatchDoubleMaths() throws {
        // Pure and mixed colours, encoded to 8-bit YUV with Double maths for every matrix
        // and range, decoded by the kernel (through a scale, which must not matter for a
        // flat frame) and compared with the Double decode of the same bytes.
        let colours: [(Double, Double, Double)] = [
            (255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 0), (0, 255, 255), (255, 0, 255),
            (255, 255, 255), (0, 0, 0), (128, 64, 200), (17, 230, 99),
        ]
        for matrix in ColorMatrix.allCases {
            for range in [ColorRange.limited, .full] {
                for (r, g, b) in colours {
                    let yuv = doubleYUV(r: r, g: g, b: b, matrix: matrix, range: range)
                    let frame = constantFrame(width: 6, height: 4, shift: (1, 1), matrix: matrix, range: range, yuv: yuv)
                    let plan = try ScalePlan(sourceWidth: 6, sourceHeight: 4, layout: frame.layout, crop: nil,
                                             outputSize: PixelSize(width: 3, height: 5), filter: .bicubic)
                    let image = ConvertKernel.convert(frame, plan: plan)
                    let expected = doubleRGB(y: yuv.0, u: yuv.1, v: yuv.2, matrix: matrix, range: range)
                    for c in 0..<3 {
                        XCTAssertLessThanOrEqual(abs(Int(image.pixels[c]) - expected[c]), 1,
                                                 "\(matrix) \(range) rgb \(r),\(g),\(b) → yuv \(yuv) channel \(c): \(image.pixels[c]) vs \(expected[c])")
                    }
                    // And the encode/decode round trip lands near the original colour.
                    XCTAssertLessThanOrEqual(abs(Int(image.pixels[0]) - Int(r)), 3, "\(matrix) \(range) red of \(r),\(g),\(b)")
                }
            }
        }
    }

    func testConstantFrameStaysConstantAtAnySize() throws {
        var rng = SplitMix(seed: 3)
        for _ in 0..<60 {
            let w = rng.next(1...40), h = rng.next(1...40)
            let shift = [(0, 0), (1, 0), (1, 1), (2, 2)][rng.next(0...3)]
            let yuv = (UInt8(rng.next(0...255)), UInt8(rng.next(0...255)), UInt8(rng.next(0...255)))
            let frame = constantFrame(width: w, height: h, shift: shift, matrix: .bt709, range: .limited, yuv: yuv)
            let onePlan = try ScalePlan(sourceWidth: w, sourceHeight: h, layout: frame.layout, crop: PixelRect(x: 0, y: 0, width: 1, height: 1),
                                        outputSize: PixelSize(width: 1, height: 1), filter: .area)
            let colour = ConvertKernel.convert(frame, plan: onePlan).pixels
            let cx = rng.next(0...(w - 1)), cy = rng.next(0...(h - 1))
            let crop = PixelRect(x: cx, y: cy, width: rng.next(1...(w - cx)), height: rng.next(1...(h - cy)))
            let out = PixelSize(width: rng.next(1...50), height: rng.next(1...50))
            for filter in ScaleFilter.allCases {
                let plan = try ScalePlan(sourceWidth: w, sourceHeight: h, layout: frame.layout, crop: crop, outputSize: out, filter: filter)
                let image = ConvertKernel.convert(frame, plan: plan)
                XCTAssertEqual(image.width, out.width)
                XCTAssertEqual(image.height, out.height)
                XCTAssertEqual(image.pixels, [UInt8]((0..<(out.width * out.height)).map { _ in colour }.joined()),
                               "\(w)x\(h) \(shift) crop \(crop) → \(out) \(filter)")
            }
        }
    }

    func testAreaDownscaleAveragesBlocks() throws {
        // RGB 4x4 → 2x2: each output is the mean of a 2x2 block, rounded half up (exactly,
        // since all weights are 1/2 per axis).
        let w = 4, h = 4
        let r: [UInt8] = [0, 1, 10, 20, 2, 2, 30, 41, 255, 255, 7, 8, 255, 254, 9, 9]
        let g = r.map { 255 - $0 }
        let b = [UInt8](repeating: 77, count: 16)
        let frame = PlanarFrame(width: w, height: h, layout: .rgb, planes: [r, g, b], strides: [w, w, w], pts: 0)
        let plan = try ScalePlan(sourceWidth: w, sourceHeight: h, layout: .rgb, crop: nil, outputSize: PixelSize(width: 2, height: 2), filter: .area)
        let image = ConvertKernel.convert(frame, plan: plan)
        // Red blocks: (0+1+2+2)/4=1.25→1, (10+20+30+41)/4=25.25→25, (255·3+254)/4=254.75→255, 33/4=8.25→8.
        XCTAssertEqual(stride(from: 0, to: 12, by: 3).map { image.pixels[$0] }, [1, 25, 255, 8])
        // Green is 255 − red, so its block means are 255 − the exact ones: 253.75→254, 229.75→230, 0.25→0, 246.75→247.
        XCTAssertEqual(stride(from: 1, to: 12, by: 3).map { image.pixels[$0] }, [254, 230, 0, 247])
        XCTAssertEqual(stride(from: 2, to: 12, by: 3).map { image.pixels[$0] }, [77, 77, 77, 77])
    }

    func testCropKeepsOutsidePixelsOut() throws {
        // A 4:2:0 frame, white inside a crop at an odd offset and black elsewhere: bicubic to
        // any size must give pure white (chroma is neutral; luma outside must not bleed in).
        let w = 17, h = 11
        let crop = PixelRect(x: 5, y: 3, width: 7, height: 5)
        var luma = [UInt8](repeating: 0, count: w * h)
        for y in crop.y..<(crop.y + crop.height) {
            for x in crop.x..<(crop.x + crop.width) { luma[y * w + x] = 255 }
        }
        let cw = (w + 1) / 2, ch = (h + 1) / 2
        let frame = PlanarFrame(width: w, height: h, layout: .yuv(chromaShiftX: 1, chromaShiftY: 1, matrix: .bt601, range: .full, siting: .left),
                                planes: [luma, [UInt8](repeating: 128, count: cw * ch), [UInt8](repeating: 128, count: cw * ch)],
                                strides: [w, cw, cw], pts: 0)
        for out in [PixelSize(width: 3, height: 2), PixelSize(width: 7, height: 5), PixelSize(width: 29, height: 13)] {
            for filter in ScaleFilter.allCases {
                let plan = try ScalePlan(sourceWidth: w, sourceHeight: h, layout: frame.layout, crop: crop, outputSize: out, filter: filter)
                XCTAssertEqual(ConvertKernel.convert(frame, plan: plan).pixels, [UInt8](repeating: 255, count: out.width * out.height * 3), "\(out) \(filter)")
            }
        }
    }

    func testKernelMatchesPerPixelReference() throws {
        // The ring buffer, fast paths and loop specialisations against the specification
        // written out per output pixel, over random geometries, layouts and strides.
        var rng = SplitMix(seed: 11)
        for trial in 0..<80 {
            let w = rng.next(1...48), h = rng.next(1...40)
            let layout: PlaneLayout
            switch trial % 5 {
            case 0: layout = .rgb
            case 1: layout = .yuv(chromaShiftX: 0, chromaShiftY: 0, matrix: .bt601, range: .full, siting: .center)
            case 2: layout = .yuv(chromaShiftX: 1, chromaShiftY: 0, matrix: .bt709, range: .limited, siting: .left)
            case 3: layout = .yuv(chromaShiftX: 1, chromaShiftY: 1, matrix: .bt2020, range: .limited, siting: .center)
            default: layout = .yuv(chromaShiftX: 2, chromaShiftY: 1, matrix: .bt709, range: .full, siting: .left)
            }
            let frame = randomFrame(width: w, height: h, layout: layout, rng: &rng)
            let cx = rng.next(0...(w - 1)), cy = rng.next(0...(h - 1))
            let crop = trial % 3 == 0 ? nil : PixelRect(x: cx, y: cy, width: rng.next(1...(w - cx)), height: rng.next(1...(h - cy)))
            let cropSize = crop?.size ?? PixelSize(width: w, height: h)
            let out: PixelSize
            switch trial % 4 {
            case 0: out = cropSize  // identity luma tables
            case 1: out = PixelSize(width: max(1, cropSize.width / 3), height: max(1, cropSize.height / 4))
            default: out = PixelSize(width: rng.next(1...70), height: rng.next(1...70))
            }
            for filter in ScaleFilter.allCases {
                let plan = try ScalePlan(sourceWidth: w, sourceHeight: h, layout: layout, crop: crop, outputSize: out, filter: filter)
                assertTablesStayInCrop(plan, frame)
                let image = ConvertKernel.convert(frame, plan: plan)
                XCTAssertEqual(image, referenceConvert(frame, plan: plan), "trial \(trial) \(w)x\(h) \(layout) crop \(String(describing: crop)) → \(out) \(filter)")
            }
        }
    }

    func testLargeDownscaleMatchesReference() throws {
        // Many taps (the accumulate path of the vertical pass, the generic horizontal loop).
        var rng = SplitMix(seed: 5)
        let layout = PlaneLayout.yuv(chromaShiftX: 1, chromaShiftY: 1, matrix: .bt709, range: .limited, siting: .left)
        let frame = randomFrame(width: 161, height: 97, layout: layout, rng: &rng)
        for filter in ScaleFilter.allCases {
            let plan = try ScalePlan(sourceWidth: 161, sourceHeight: 97, layout: layout, crop: PixelRect(x: 3, y: 1, width: 150, height: 95),
                                     outputSize: PixelSize(width: 13, height: 7), filter: filter)
            XCTAssertGreaterThan(plan.vertical[0].taps, 8)
            XCTAssertEqual(ConvertKernel.convert(frame, plan: plan), referenceConvert(frame, plan: plan), "\(filter)")
        }
    }

    func testEveryTapCountMatchesReference() throws {
        // Output sizes from 1 up over a fixed source, both axes, so every specialised loop
        // (1 tap contiguous or not, 2...8, 12, 16, wide; vertical taps ≡ 0...3 mod 4) runs.
        var rng = SplitMix(seed: 9)
        let layout = PlaneLayout.yuv(chromaShiftX: 1, chromaShiftY: 1, matrix: .bt601, range: .limited, siting: .center)
        let wide = randomFrame(width: 130, height: 9, layout: layout, rng: &rng)
        let tall = randomFrame(width: 9, height: 130, layout: layout, rng: &rng)
        var seenH = Set<Int>(), seenV = Set<Int>()
        for n in Array(1...24) + [33, 40, 64, 65, 100, 129, 131] {
            for filter in ScaleFilter.allCases {
                let h = try ScalePlan(sourceWidth: 130, sourceHeight: 9, layout: layout, crop: PixelRect(x: 1, y: 2, width: 129, height: 7),
                                      outputSize: PixelSize(width: n, height: 3), filter: filter)
                XCTAssertEqual(ConvertKernel.convert(wide, plan: h), referenceConvert(wide, plan: h), "width \(n) \(filter)")
                let v = try ScalePlan(sourceWidth: 9, sourceHeight: 130, layout: layout, crop: nil,
                                      outputSize: PixelSize(width: 4, height: n), filter: filter)
                XCTAssertEqual(ConvertKernel.convert(tall, plan: v), referenceConvert(tall, plan: v), "height \(n) \(filter)")
                seenH.formUnion(h.horizontal.map(\.taps))
                seenV.formUnion(v.vertical.map(\.taps))
            }
        }
        // Narrow crops, too narrow for padding: a one-pixel crop gives one-tap tables that
        // repeat one index (not contiguous); 5 and 7 pixels give 3...7 taps.
        for width in [1, 5, 7] {
            for out in [2, 3, 9] {
                let narrow = try ScalePlan(sourceWidth: 130, sourceHeight: 9, layout: layout, crop: PixelRect(x: 7, y: 0, width: width, height: 9),
                                           outputSize: PixelSize(width: out, height: 9), filter: .bicubic)
                XCTAssertEqual(ConvertKernel.convert(wide, plan: narrow), referenceConvert(wide, plan: narrow), "crop width \(width) → \(out)")
                seenH.formUnion(narrow.horizontal.map(\.taps))
            }
        }
        for taps in [1, 2, 3, 4, 5, 8, 12, 16] {
            XCTAssert(seenH.contains(taps), "no horizontal table with \(taps) taps: \(seenH.sorted())")
        }
        XCTAssert(seenH.contains { $0 > 16 }, "no wide horizontal table")
        XCTAssertEqual(Set(seenV.filter { $0 > 1 }.map { $0 & 3 }), [0, 1, 2, 3])
    }

    // MARK: FFmpeg cross-check

    func testAgreesWithFFmpegSwscale() throws {
        guard let ffmpeg = findExecutable("ffmpeg") else { throw XCTSkip("ffmpeg not found on PATH") }
        let dir = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("gifsmith-scale-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }

        let w = 320, h = 180
        let yuvPath = dir.appendingPathComponent("src.yuv").path
        try run(ffmpeg, ["-v", "error", "-f", "lavfi", "-i", "testsrc2=size=\(w)x\(h):rate=25", "-frames:v", "1",
                         "-pix_fmt", "yuv420p", "-f", "rawvideo", "-y", yuvPath])
        let raw = [UInt8](try Data(contentsOf: URL(fileURLWithPath: yuvPath)))
        let cw = w / 2, ch = h / 2
        XCTAssertEqual(raw.count, w * h + 2 * cw * ch)
        let planes = [Array(raw[0..<(w * h)]), Array(raw[(w * h)..<(w * h + cw * ch)]), Array(raw[(w * h + cw * ch)...])]

        let cases: [(PixelSize, ColorMatrix, ColorRange, ChromaSiting)] = [
            (PixelSize(width: 160, height: 90), .bt601, .limited, .left),
            (PixelSize(width: 112, height: 63), .bt709, .limited, .center),
            (PixelSize(width: 480, height: 270), .bt709, .full, .left),
            (PixelSize(width: w, height: h), .bt601, .limited, .center),
        ]
        // swscale uses B=0, C=0.6 bicubic (ours is Catmull-Rom, C=0.5), so edges differ by a
        // few levels; measured: mean |diff| ≤ 0.19, max ≤ 15. The brief's bound is mean < 3.
        for (out, matrix, range, siting) in cases {
            let layout = PlaneLayout.yuv(chromaShiftX: 1, chromaShiftY: 1, matrix: matrix, range: range, siting: siting)
            let frame = PlanarFrame(width: w, height: h, layout: layout, planes: planes, strides: [w, cw, cw], pts: 0)
            let plan = try ScalePlan(sourceWidth: w, sourceHeight: h, layout: layout, crop: nil, outputSize: out, filter: .bicubic)
            let ours = ConvertKernel.convert(frame, plan: plan).pixels

            let rgbPath = dir.appendingPathComponent("out.rgb").path
            let filter = "scale=\(out.width):\(out.height):flags=bicubic+accurate_rnd+full_chroma_int"
                + ":in_color_matrix=\(matrix == .bt601 ? "bt601" : "bt709"):in_range=\(range == .limited ? "tv" : "pc")"
                + ":in_h_chr_pos=\(siting == .left ? 0 : 128):in_v_chr_pos=128"
            try run(ffmpeg, ["-v", "error", "-f", "rawvideo", "-pix_fmt", "yuv420p", "-s", "\(w)x\(h)", "-i", yuvPath,
                             "-vf", filter, "-pix_fmt", "rgb24", "-f", "rawvideo", "-y", rgbPath])
            let theirs = [UInt8](try Data(contentsOf: URL(fileURLWithPath: rgbPath)))
            XCTAssertEqual(theirs.count, ours.count)
            guard theirs.count == ours.count else { continue }
            for c in 0..<3 {
                var sum = 0, worst = 0
                for i in stride(from: c, to: ours.count, by: 3) {
                    let d = abs(Int(ours[i]) - Int(theirs[i]))
                    sum += d
                    worst = max(worst, d)
                }
                let mean = Double(sum) / Double(ours.count / 3)
                XCTAssertLessThan(mean, 1, "\(out) \(matrix) \(range) \(siting) channel \(c): mean |diff| \(mean)")
                XCTAssertLessThan(worst, 40, "\(out) \(matrix) \(range) \(siting) channel \(c): max |diff| \(worst)")
            }
        }
    }

    // MARK: Helpers

    private func row(_ t: FilterTable, _ i: Int) -> [Int16] {
        Array(t.coefficients[(i * t.taps)..<((i + 1) * t.taps)])
    }

    private func constantFrame(width: Int, height: Int, shift: (Int, Int), matrix: ColorMatrix, range: ColorRange, yuv: (UInt8, UInt8, UInt8)) -> PlanarFrame {
        let cw = (width + (1 << shift.0) - 1) >> shift.0
        let ch = (height + (1 << shift.1) - 1) >> shift.1
        return PlanarFrame(width: width, height: height,
                           layout: .yuv(chromaShiftX: shift.0, chromaShiftY: shift.1, matrix: matrix, range: range, siting: .left),
                           planes: [[UInt8](repeating: yuv.0, count: width * height), [UInt8](repeating: yuv.1, count: cw * ch),
                                    [UInt8](repeating: yuv.2, count: cw * ch)],
                           strides: [width, cw, cw], pts: 0)
    }

    /// Random samples, with strides wider than the planes (filled with 0xEE: must never be read).
    private func randomFrame(width: Int, height: Int, layout: PlaneLayout, rng: inout SplitMix) -> PlanarFrame {
        var shape = PlanarFrame(width: width, height: height, layout: layout, planes: [[], [], []], strides: [0, 0, 0], pts: 0)
        var planes: [[UInt8]] = []
        var strides: [Int] = []
        for p in 0..<3 {
            let pw = shape.planeWidth(p), ph = shape.planeHeight(p)
            let stride = pw + rng.next(0...5)
            var plane = [UInt8](repeating: 0xEE, count: stride * ph)
            for y in 0..<ph {
                for x in 0..<pw { plane[y * stride + x] = UInt8(rng.next(0...255)) }
            }
            planes.append(plane)
            strides.append(stride)
        }
        shape.planes = planes
        shape.strides = strides
        return shape
    }

    /// Every table of a plan (padded ones included) reads only the plane samples that
    /// overlap the crop, and every row sums to 1 << 14.
    private func assertTablesStayInCrop(_ plan: ScalePlan, _ frame: PlanarFrame, file: StaticString = #filePath, line: UInt = #line) {
        for p in 0..<3 {
            let (sx, sy) = p == 0 ? (0, 0) : frame.chromaShift
            let axes = [(plan.horizontal[p], plan.crop.x, plan.crop.width, sx, plan.outputSize.width),
                        (plan.vertical[p], plan.crop.y, plan.crop.height, sy, plan.outputSize.height)]
            for (t, start, length, shift, out) in axes {
                let first = start >> shift, last = (start + length - 1) >> shift
                XCTAssertEqual(t.outputSize, out, file: file, line: line)
                var bad = 0
                for i in 0..<t.outputSize {
                    let s = Int(t.starts[i])
                    let sum = (0..<t.taps).reduce(0) { $0 + Int(t.coefficients[i * t.taps + $1]) }
                    if s < first || s + t.taps - 1 > last || sum != 1 << 14 { bad += 1 }
                }
                XCTAssertEqual(bad, 0, "plane \(p): \(bad) bad rows", file: file, line: line)
            }
        }
    }

    /// The convert stage per output pixel, straight from the specification in
    /// `ConvertKernel`'s documentation: no ring, no fast paths, no specialised loops.
    private func referenceConvert(_ frame: PlanarFrame, plan: ScalePlan) -> RGBImage {
        let ow = plan.outputSize.width, oh = plan.outputSize.height
        var pixels = [UInt8]()
        for oy in 0..<oh {
            for ox in 0..<ow {
                var value = [Int](repeating: 0, count: 3)
                for p in 0..<3 {
                    let ht = plan.horizontal[p], vt = plan.vertical[p]
                    var vertical = 4096
                    for kv in 0..<vt.taps {
                        let sy = Int(vt.starts[oy]) + kv
                        var horizontal = 64
                        for kh in 0..<ht.taps {
                            let sx = Int(ht.starts[ox]) + kh
                            horizontal += Int(frame.planes[p][sy * frame.strides[p] + sx]) * Int(ht.coefficients[ox * ht.taps + kh])
                        }
                        let hv = min(max(horizontal >> 7, 0), 255 << 7)
                        vertical += hv * Int(vt.coefficients[oy * vt.taps + kv])
                    }
                    value[p] = min(max(vertical >> 13, 0), 255 << 8)
                }
                if let m = plan.coefficients {
                    let yTerm = Int(m.yScale) * (value[0] - Int(m.yOffset) * 256)
                    let u = value[1] - 32768, v = value[2] - 32768
                    let rgb = [yTerm + Int(m.rv) * v, yTerm + Int(m.gu) * u + Int(m.gv) * v, yTerm + Int(m.bu) * u]
                    pixels += rgb.map { UInt8(min(max(($0 + (1 << 19)) >> 20, 0), 255)) }
                } else {
                    pixels += value.map { UInt8(($0 + 128) >> 8) }
                }
            }
        }
        return RGBImage(width: ow, height: oh, pixels: pixels)
    }

    private func lumaWeights(_ matrix: ColorMatrix) -> (Double, Double) {
        switch matrix {
        case .bt601: return (0.299, 0.114)
        case .bt709: return (0.2126, 0.0722)
        case .bt2020: return (0.2627, 0.0593)
        }
    }

    /// 8-bit RGB → 8-bit Y'CbCr with the textbook equations.
    private func doubleYUV(r: Double, g: Double, b: Double, matrix: ColorMatrix, range: ColorRange) -> (UInt8, UInt8, UInt8) {
        let (kr, kb) = lumaWeights(matrix)
        let (rn, gn, bn) = (r / 255, g / 255, b / 255)
        let y = kr * rn + (1 - kr - kb) * gn + kb * bn
        let cb = (bn - y) / (2 * (1 - kb))
        let cr = (rn - y) / (2 * (1 - kr))
        let (ys, yo, cs): (Double, Double, Double) = range == .limited ? (219, 16, 224) : (255, 0, 255)
        func q(_ v: Double) -> UInt8 { UInt8(max(0, min(255, (v).rounded()))) }
        return (q(yo + ys * y), q(128 + cs * cb), q(128 + cs * cr))
    }

    /// 8-bit Y'CbCr → 8-bit RGB with the textbook equations, rounded and clamped.
    private func doubleRGB(y: UInt8, u: UInt8, v: UInt8, matrix: ColorMatrix, range: ColorRange) -> [Int] {
        let (kr, kb) = lumaWeights(matrix)
        let (ys, yo, cs): (Double, Double, Double) = range == .limited ? (219, 16, 224) : (255, 0, 255)
        let yn = (Double(y) - yo) / ys
        let cb = (Double(u) - 128) / cs
        let cr = (Double(v) - 128) / cs
        let r = yn + 2 * (1 - kr) * cr
        let b = yn + 2 * (1 - kb) * cb
        let g = (yn - kr * r - kb * b) / (1 - kr - kb)
        return [r, g, b].map { Int(max(0, min(255, ($0 * 255).rounded()))) }
    }

    private func findExecutable(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for dir in path.split(separator: ":") + ["/usr/bin", "/usr/local/bin"] {
            let candidate = "\(dir)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    private func run(_ executable: String, _ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, "\(executable) \(arguments.joined(separator: " ")) failed")
    }
}

/// A small deterministic generator so failures reproduce.
private struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func next(_ range: ClosedRange<Int>) -> Int {
        range.lowerBound + Int(next() % UInt64(range.count))
    }
}
