// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "Gifsmith",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "Gifsmith", targets: ["Gifsmith"]),
        .executable(name: "gifsmith", targets: ["gifsmith"]),
        // Times the CPU and Vulkan pixel stages on a .y4m clip; no FFmpeg, so a static build
        // can travel to a GPU machine (scripts/device-bench.sh).
        .executable(name: "gifsmith-devbench", targets: ["gifsmith-devbench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // System libraries: module maps plus static-inline wrappers for C macros.
        .systemLibrary(
            name: "CFFmpeg",
            pkgConfig: "libavformat",
            providers: [.apt(["libavformat-dev", "libavcodec-dev", "libavutil-dev", "libswscale-dev"])]
        ),

        // glibc's mallopt, for the CLI's allocator tuning.
        .systemLibrary(name: "CMalloc"),
        // The Vulkan loader (headers and libvulkan).
        .systemLibrary(name: "CVulkan", pkgConfig: "vulkan", providers: [.apt(["libvulkan-dev"])]),
        // libcurl (TLS through OpenSSL) for the AI/ML API clients.
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        // libxml2's HTML parser, for animate-page.
        .systemLibrary(name: "CLibXML2", pkgConfig: "libxml-2.0", providers: [.apt(["libxml2-dev"])]),
        // Compiles Shaders/*.comp to SPIR-V with glslangValidator and embeds it in GifsmithVulkan.
        .plugin(name: "ShaderCompiler", capability: .buildTool()),

        // Value types, the backend protocol, and the integer kernels' Swift reference.
        .target(name: "GifsmithCore"),
        // FFmpeg: demux, decode, seek, timestamps, still images.
        .target(name: "GifsmithMedia", dependencies: ["CFFmpeg", "GifsmithCore"]),
        // GIF89a: LZW, frame optimiser, writer, and a reader for checks.
        .target(name: "GifsmithGIF", dependencies: ["GifsmithCore"]),
        // The library face: Transcoder (pipeline, threading, progress).
        .target(name: "Gifsmith", dependencies: ["GifsmithCore", "GifsmithMedia", "GifsmithGIF", "GifsmithVulkan"]),
        // Vulkan compute: the pixel stages on the GPU, byte-identical to the CPU backend.
        .target(name: "GifsmithVulkan", dependencies: ["GifsmithCore", "CVulkan"], plugins: ["ShaderCompiler"]),
        // AI/ML API and VisionCraft clients over libcurl.
        .target(name: "GifsmithAPI", dependencies: ["CCurl"]),
        // A local stand-in for the remote APIs (offline runs, tests).
        .target(name: "GifsmithStandIn", dependencies: ["Gifsmith", "GifsmithMedia", "GifsmithCore", "CFFmpeg"]),
        // banner, animate, template ad, text-to-GIF.
        .target(name: "GifsmithWorkflows", dependencies: ["GifsmithAPI", "GifsmithStandIn", "Gifsmith", "GifsmithMedia", "GifsmithGIF", "GifsmithCore", "CLibXML2"]),
        // Batch conversion: inputs, journal (resume), sharding, failure isolation.
        .target(name: "GifsmithBatch", dependencies: ["Gifsmith", "GifsmithCore"]),
        // `gifsmith bench`: quantizer/dither/lossy matrix scored with PSNR, SSIM and flicker; HTML report.
        .target(name: "GifsmithBench", dependencies: ["Gifsmith", "GifsmithGIF", "GifsmithMedia", "GifsmithCore"]),
        // The CLI: a thin shell.
        .executableTarget(
            name: "gifsmith",
            dependencies: [
                "Gifsmith", "GifsmithBatch", "GifsmithBench", "GifsmithAPI", "GifsmithStandIn", "GifsmithWorkflows", "CMalloc",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        // Pixel-stage benchmark of the CPU and Vulkan backends on a .y4m clip (no FFmpeg, no curl).
        .executableTarget(name: "gifsmith-devbench", dependencies: ["GifsmithCore", "GifsmithGIF", "GifsmithVulkan"]),

        // An example program using the library's async session API (built in CI, not shipped).
        .executableTarget(name: "gifsmith-example", dependencies: ["Gifsmith"], path: "Examples/TranscodeExample"),

        .testTarget(name: "GifsmithCoreTests", dependencies: ["GifsmithCore"]),
        .testTarget(name: "GifsmithBatchTests", dependencies: ["GifsmithBatch", "Gifsmith", "GifsmithCore"]),
        .testTarget(name: "GifsmithBenchTests", dependencies: ["GifsmithBench", "Gifsmith", "GifsmithGIF", "GifsmithCore"]),
        .testTarget(name: "GifsmithGIFTests", dependencies: ["GifsmithGIF", "GifsmithCore"]),
        .testTarget(name: "GifsmithMediaTests", dependencies: ["GifsmithMedia", "GifsmithCore"]),
        .testTarget(name: "GifsmithTests", dependencies: ["Gifsmith", "GifsmithGIF", "GifsmithMedia", "GifsmithCore", "GifsmithVulkan"]),
        .testTarget(name: "GifsmithAPITests", dependencies: ["GifsmithAPI", "GifsmithStandIn"]),
        .testTarget(name: "GifsmithWorkflowsTests", dependencies: ["GifsmithWorkflows", "GifsmithAPI", "GifsmithStandIn", "GifsmithGIF", "GifsmithMedia"]),
        .testTarget(name: "GifsmithVulkanTests", dependencies: ["GifsmithVulkan", "GifsmithCore", "GifsmithMedia"]),
    ],
    swiftLanguageModes: [.v6]
)
