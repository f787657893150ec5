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

    /// The per-pixel part of the GIF frame optimiser: which pixels of `current` show another
    /// colour than `previous` (both `width` x `height` indices), through the colour LUTs
    /// (256 packed RGB words each; see `FrameDiffKernel`), and the box around them.
    func frameChanges(previous: [UInt8], previousLUT: [UInt32], current: [UInt8], currentLUT: [UInt32],
                      width: Int, height: Int) throws -> FrameChanges
}
