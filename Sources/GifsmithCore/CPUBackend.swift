/// The reference backend: plain Swift integer kernels. Every other backend must match it byte for byte.
public struct CPUBackend: PixelBackend {
    public init() {}

    public var name: String { "cpu" }

    public func convert(_ frame: PlanarFrame, plan: ScalePlan) throws -> RGBImage {
        // The kernel trusts its inputs (it is the hot loop); a mismatch is refused here instead.
        guard frame.width == plan.sourceWidth, frame.height == plan.sourceHeight, frame.layout == plan.layout else {
            throw CoreError.invalidGeometry("a \(frame.width)x\(frame.height) frame does not fit a plan made for \(plan.sourceWidth)x\(plan.sourceHeight)")
        }
        return ConvertKernel.convert(frame, plan: plan)
    }

    public func accumulateHistogram(_ image: RGBImage, into histogram: inout ColorHistogram) throws {
        histogram.add(image)
    }

    public func map(_ image: RGBImage, mapper: PaletteMapper, dither: Dither) throws -> IndexedImage {
        DitherKernel.map(image, mapper: mapper, dither: dither)
    }

    public func frameChanges(previous: [UInt8], previousLUT: [UInt32], current: [UInt8], currentLUT: [UInt32],
                             width: Int, height: Int) throws -> FrameChanges {
        try FrameDiffKernel.validate(previous: previous, previousLUT: previousLUT, current: current, currentLUT: currentLUT,
                                     width: width, height: height)
        return FrameDiffKernel.changes(previous: previous, previousLUT: previousLUT, current: current, currentLUT: currentLUT,
                                       width: width, height: height)
    }
}
