import CVulkan
import Foundation
import GifsmithCore

/// The pixel stages on a Vulkan device: GLSL compute shaders (Shaders/) that mirror the CPU
/// kernels line by line, so every result is byte-identical to `CPUBackend`'s.
///
/// Thread-safe: each call takes a context (command buffer, fence, buffers) from a pool, so
/// calls from several threads run at the same time, each frame with its own buffers; the
/// device overlaps their transfers and dispatches. Tables shared between frames (a plan's
/// filters, a palette's search structure) are uploaded once and cached.
public final class VulkanBackend: PixelBackend, @unchecked Sendable {
    /// Knobs for tests and benchmarks; the defaults are what the product uses.
    struct Options {
        /// Stage every upload and download through a host buffer even where the device memory
        /// could be mapped, as on a discrete GPU without resizable BAR.
        var forceStaging = false
        /// Workgroup size of the error-diffusion shader; nil picks one per frame height.
        var diffusionGroupSize: Int?
        /// Most bytes of buffers one batched submission uses (`map(_ images:…)`); a longer
        /// batch takes several submissions. Enough frames to keep a GPU busy (dozens at
        /// 480 wide, a handful at 1080p) while a pooled context keeps its buffers small.
        var batchBytes = 128 << 20
    }

    /// "vulkan: <device name>".
    public let name: String
    /// Frames per array call from the pipeline: one submission and one dispatch a stage for up to
    /// eight frames instead of one each. A first guess, not measured on a GPU (none was lent to
    /// this project's sessions); on lavapipe eight frames a call map 2x faster with sierra-2-4a
    /// (the diffusion runs one frame per workgroup, so frames run side by side).
    public var preferredBatchSize: Int { 8 }
    /// The device in use.
    public let device: VulkanDeviceInfo

    let manager: Manager
    let options: Options
    private let contexts: ContextPool
    let mapAlgorithm: Algorithm
    let histogramAlgorithm: Algorithm
    let compactAlgorithm: Algorithm
    let rowsAlgorithm: Algorithm
    let pixelsAlgorithm: Algorithm
    let frameDiffAlgorithm: Algorithm

    private let cacheLock = NSLock()
    private var diffusionAlgorithms: [Int: Algorithm] = [:]
    private var plans: [ConvertPlan] = []
    private var mappers: [MapperTables] = []
    private var blueNoise: Tensor?

    /// Opens device `deviceIndex` (the order of `VulkanDevices.list()`) and builds the pipelines.
    /// - Throws: `VulkanError` (`noLoader`, `noDevice`, `deviceIndexOutOfRange`, …).
    public convenience init(deviceIndex: Int) throws {
        try self.init(deviceIndex: deviceIndex, options: Options())
    }

    init(deviceIndex: Int, options: Options) throws {
        let manager = try Manager(deviceIndex: deviceIndex)
        self.manager = manager
        self.options = options
        device = manager.info
        name = "vulkan: \(manager.info.name)"
        mapAlgorithm = try Algorithm(manager: manager, shader: "map", bindings: 4, pushConstantBytes: 24)
        histogramAlgorithm = try Algorithm(manager: manager, shader: "histogram", bindings: 3, pushConstantBytes: 4)
        compactAlgorithm = try Algorithm(manager: manager, shader: "histogramCompact", bindings: 3, pushConstantBytes: 0)
        rowsAlgorithm = try Algorithm(manager: manager, shader: "convertRows", bindings: 3, pushConstantBytes: 28)
        pixelsAlgorithm = try Algorithm(manager: manager, shader: "convertPixels", bindings: 4, pushConstantBytes: 0)
        frameDiffAlgorithm = try Algorithm(manager: manager, shader: "frameDiff", bindings: 5, pushConstantBytes: 12)
        let forceStaging = options.forceStaging
        contexts = ContextPool { try FrameContext(manager: manager, forceStaging: forceStaging) }
    }

    func withContext<T>(_ body: (FrameContext) throws -> T) throws -> T {
        try contexts.with(body)
    }

    // MARK: Caches

    /// The error-diffusion pipeline for a method (0 floyd-steinberg, 1 sierra-2-4a, 2 atkinson)
    /// and workgroup size.
    func diffusionAlgorithm(method: Int, groupSize: Int) throws -> Algorithm {
        let key = method << 16 | groupSize
        return try cacheLock.withLock {
            if let a = diffusionAlgorithms[key] { return a }
            let a = try Algorithm(manager: manager, shader: "diffuse", bindings: 4, pushConstantBytes: 32,
                                  specialization: [UInt32(groupSize), UInt32(method)])
            diffusionAlgorithms[key] = a
            return a
        }
    }

    /// The uploaded tables of `plan` (a few recent plans are kept: room for a first pass's four
    /// sampled quarters and the full plan).
    func convertPlan(_ plan: ScalePlan, context: FrameContext) throws -> ConvertPlan {
        try cacheLock.withLock {
            try recent(&plans, keep: 6, where: { $0.key == plan }) { try ConvertPlan(plan, context: context) }
        }
    }

    /// The uploaded search structure of `mapper` (a few recent mappers are kept; with a global
    /// palette every frame hits the same one).
    func mapperTables(_ mapper: PaletteMapper, context: FrameContext) throws -> MapperTables {
        try cacheLock.withLock {
            try recent(&mappers, keep: 8, where: { $0.mapper === mapper }) { try MapperTables(mapper, context: context) }
        }
    }

    /// The entry of `list` that `matches`, moved to the end (most recent), or a new one made and
    /// appended, the oldest dropped beyond `keep`. Caller holds `cacheLock`.
    private func recent<T>(_ list: inout [T], keep: Int, where matches: (T) -> Bool, make: () throws -> T) rethrows -> T {
        if let i = list.firstIndex(where: matches) {
            let found = list.remove(at: i)
            list.append(found)
            return found
        }
        let made = try make()
        list.append(made)
        if list.count > keep { list.removeFirst() }
        return made
    }

    /// BlueNoise.matrix on the device, uploaded at the first blue-noise frame.
    func blueNoiseTensor(context: FrameContext) throws -> Tensor {
        try cacheLock.withLock {
            if let t = blueNoise { return t }
            let t = try sharedTensor(BlueNoise.matrix, context: context)
            blueNoise = t
            return t
        }
    }
}

/// `(n + d − 1) / d` for n ≥ 0, d > 0.
@inline(__always)
func divideRoundingUp(_ n: Int, _ d: Int) -> Int { (n + d - 1) / d }

/// Workgroup size of the per-pixel shaders (`local_size_x` in their source).
let pixelGroupSize = 64

/// Pixels one invocation handles, as written in each shader.
enum PixelsPerInvocation {
    /// map.comp and convertPixels.comp: four pixels are twelve bytes, three whole words.
    static let map = 4
    static let convert = 4
    /// histogram.comp: runs of up to eight pixels of one bin become one set of atomics.
    static let histogram = 8
    /// frameDiff.comp: four indices of each frame and four mask bytes are one word each.
    static let frameDiff = 4
}
