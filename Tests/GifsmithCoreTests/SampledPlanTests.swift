import XCTest
@testable import GifsmithCore

/// `ScalePlan.sampled(phase:)`: the quarters of the output that pass 1 counts colours on.
final class SampledPlanTests: XCTestCase {
    private var state: UInt32 = 11
    private func next(_ range: ClosedRange<Int>) -> UInt8 {
        state = state &* 1_664_525 &+ 1_013_904_223
        return UInt8(range.lowerBound + Int(state >> 8) % range.count)
    }

    /// RGB planes whose value says where it came from, through a same-size plan with a crop:
    /// quarter p's pixel (i, j) is crop pixel (2i + p & 1, 2j + p >> 1); the four cover every pixel once.
    func testSamplesAreTheEvenPixels() throws {
        let w = 9, h = 7
        let r = (0..<(w * h)).map { UInt8($0 % w) }, g = (0..<(w * h)).map { UInt8($0 / w) }
        let frame = PlanarFrame(width: w, height: h, layout: .rgb, planes: [r, g, g], strides: [w, w, w], pts: 0)
        let crop = PixelRect(x: 1, y: 2, width: 5, height: 4)
        let plan = try ScalePlan(sourceWidth: w, sourceHeight: h, layout: .rgb, crop: crop,
                                 outputSize: PixelSize(width: 5, height: 4), filter: .bicubic)
        let sampled = plan.sampled(phase: 0)
        XCTAssertEqual(sampled.outputSize, PixelSize(width: 3, height: 2))
        let image = ConvertKernel.convert(frame, plan: sampled)
        XCTAssertEqual((0..<6).map { image.pixels[3 * $0] }, [1, 3, 5, 1, 3, 5])
        XCTAssertEqual((0..<6).map { image.pixels[3 * $0 + 1] }, [2, 2, 2, 4, 4, 4])
        let three = ConvertKernel.convert(frame, plan: plan.sampled(phase: 3))
        XCTAssertEqual(three.width, 2)
        XCTAssertEqual(three.height, 2)
        XCTAssertEqual((0..<4).map { three.pixels[3 * $0] }, [2, 4, 2, 4])
        XCTAssertEqual((0..<4).map { three.pixels[3 * $0 + 1] }, [3, 3, 5, 5])
        var seen: [[UInt8]] = []
        for phase in 0..<4 {
            let q = ConvertKernel.convert(frame, plan: plan.sampled(phase: phase))
            seen += (0..<(q.width * q.height)).map { [q.pixels[3 * $0], q.pixels[3 * $0 + 1]] }
        }
        XCTAssertEqual(seen.count, 20)
        XCTAssertEqual(Set(seen).count, 20, "every crop pixel exactly once")
    }

    /// Random 4:2:0 frames through scaling plans (down, up, odd sizes, a crop): converting with the
    /// sampled plans gives exactly the full conversion's quarters, as `decimated(phase:)` takes them.
    func testSampledConversionIsTheFullConversionDecimated() throws {
        let layout = PlaneLayout.yuv(chromaShiftX: 1, chromaShiftY: 1, matrix: .bt709, range: .limited, siting: .left)
        let w = 37, h = 23, cw = 19, ch = 12
        let frame = PlanarFrame(width: w, height: h, layout: layout,
                                planes: [(0..<(w * h)).map { _ in next(0...255) }, (0..<(cw * ch)).map { _ in next(0...255) },
                                         (0..<(cw * ch)).map { _ in next(0...255) }],
                                strides: [w, cw, cw], pts: 0)
        for (crop, size, filter) in [(nil, PixelSize(width: 37, height: 23), ScaleFilter.bicubic),
                                     (nil, PixelSize(width: 20, height: 11), .bicubic),
                                     (PixelRect(x: 3, y: 1, width: 30, height: 20), PixelSize(width: 45, height: 31), .bicubic),
                                     (nil, PixelSize(width: 25, height: 16), .area)] {
            let plan = try ScalePlan(sourceWidth: w, sourceHeight: h, layout: layout, crop: crop, outputSize: size, filter: filter)
            let full = ConvertKernel.convert(frame, plan: plan)
            for phase in 0..<4 {
                let sampled = ConvertKernel.convert(frame, plan: plan.sampled(phase: phase))
                XCTAssertEqual(sampled, full.decimated(phase: phase), "\(String(describing: crop)) \(size) \(filter) quarter \(phase)")
                XCTAssertEqual(sampled.width, (size.width - (phase & 1) + 1) / 2)
                XCTAssertEqual(sampled.height, (size.height - (phase >> 1) + 1) / 2)
            }
        }
    }
}
