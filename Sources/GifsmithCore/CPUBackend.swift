/// The reference backend: plain Swift integer kernels. Every other backend must match it byte for byte.
public struct CPUBackend: PixelBackend {
    public init() {}

    public var name: String { "cpu" }

    public func convert(_ frame: PlanarFrame, plan: ScalePlan) throws -> RGBImage {
        ConvertKernel.convert(frame, plan: plan)
    }

    public func accumulateHistogram(_ image: RGBImage, into histogram: inout ColorHistogram) throws {
        histogram.add(image)
    }

    public func map(_ image: RGBImage, mapper: PaletteMapper, dither: Dither) throws -> IndexedImage {
        DitherKernel.map(image, mapper: mapper, dither: dither)
    }
}
