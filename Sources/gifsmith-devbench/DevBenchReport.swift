import GifsmithVulkan

/// Everything one run measured: the `--json` output.
struct DevBenchReport: Codable {
    var tool = "gifsmith-devbench"
    var input: String
    var sourceWidth: Int
    var sourceHeight: Int
    var sourceFrames: Int
    var colorspace: String
    var outputWidth: Int
    var outputHeight: Int
    var dither: String
    var bayerScale: Int
    var framesPerStage: Int
    var threads: Int
    /// Frames a batched call took (0: batched stages not run).
    var batch: Int
    var minSeconds: Double
    var paletteColors: Int
    var devices: [VulkanDeviceInfo]?
    var deviceIndex: Int?
    var deviceName: String?
    var deviceError: String?
    var backends: [BackendReport] = []
    /// LZW (GifsmithGIF, CPU) of the mapped frames, full frames with the global palette.
    var encode: StageReport?
    var encodedBytesPerFrame: Int?
    /// Every Vulkan check passed (nil when Vulkan was not run).
    var identical: Bool?
}
