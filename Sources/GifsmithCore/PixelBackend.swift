/// The pixel stages of the pipeline, behind one protocol.
///
/// `CPUBackend` is the reference implementation and the specification; every other
/// backend (Vulkan) must return byte-identical results for every input and option.
/// Implementations are used from several threads at once.
public protocol PixelBackend: Sendable {
    /// A short name for messages and benchmarks ("cpu", "vulkan: NVIDIA H100").
    var name: String { get }

    /// YUV/RGB planes → packed RGB, cropped and scaled as `plan` says.
    func convert(_ frame: PlanarFrame, plan: ScalePlan) throws -> RGBImage

    /// Adds the colours of `image` to `histogram` (integer counts and sums: order-independent).
    func accumulateHistogram(_ image: RGBImage, into histogram: inout ColorHistogram) throws

    /// Maps every pixel to a palette index with the given dither.
    func map(_ image: RGBImage, mapper: PaletteMapper, dither: Dither) throws -> IndexedImage

    /// `map` of every image with one mapper and dither, in order; equal, image for image, to
    /// the one-frame calls. A backend may run the frames together (the Vulkan backend: one
    /// submission and one dispatch a stage for many frames of one size); the default loops.
    func map(_ images: [RGBImage], mapper: PaletteMapper, dither: Dither) throws -> [IndexedImage]

    /// `convert` of every frame with one plan, in order; equal, frame for frame, to the
    /// one-frame calls. A backend may run the frames together; the default loops.
    func convert(_ frames: [PlanarFrame], plan: ScalePlan) throws -> [RGBImage]

    /// How many frames the pipeline should hand the array calls above at once: 1 (the default)
    /// where a frame per call is as fast, as on the CPU, whose workers then take a frame each.
    var preferredBatchSize: Int { get }

    /// The per-pixel part of the GIF frame optimiser: which pixels of `current` show another
    /// colour than `previous` (both `width` x `height` indices), through the colour LUTs
    /// (256 packed RGB words each; see `FrameDiffKernel`), and the box around them.
    func frameChanges(previous: [UInt8], previousLUT: [UInt32], current: [UInt8], currentLUT: [UInt32],
                      width: Int, height: Int) throws -> FrameChanges
}

extension PixelBackend {
    public var preferredBatchSize: Int { 1 }

    public func map(_ images: [RGBImage], mapper: PaletteMapper, dither: Dither) throws -> [IndexedImage] {
        try images.map { try self.map($0, mapper: mapper, dither: dither) }
    }

    public func convert(_ frames: [PlanarFrame], plan: ScalePlan) throws -> [RGBImage] {
        try frames.map { try self.convert($0, plan: plan) }
    }
}
