import Foundation
import GifsmithCore
import GifsmithVulkan

/// Which implementation of the pixel stages a transcode uses. Every choice gives the same bytes.
public enum BackendChoice: Sendable, Hashable {
    /// A hardware Vulkan GPU when there is one (`VulkanDevices.autoChoice`), else the CPU. A GPU
    /// that fails (no driver, device lost, out of memory) falls back to the CPU with one warning.
    case auto
    case cpu
    /// Vulkan on the given device (`gifsmith devices` lists them), or on the auto choice, or
    /// failing that the first device that can compute (software renderers included, for testing).
    /// Failures are errors, not fallbacks.
    case vulkan(device: Int?)

    public init?(parsing text: String, device: Int?) {
        switch text {
        case "auto": self = device.map { .vulkan(device: $0) } ?? .auto
        case "cpu": self = .cpu
        case "vulkan": self = .vulkan(device: device)
        default: return nil
        }
    }
}

/// Whether this machine exposes a GPU to user space at all: a DRM render node (Mesa's AMD/Intel
/// drivers, NVIDIA's open driver), NVIDIA's proprietary nodes, or WSL's /dev/dxg.
func hasGPUDeviceNode() -> Bool {
    let fm = FileManager.default
    if let dri = try? fm.contentsOfDirectory(atPath: "/dev/dri"), dri.contains(where: { $0.hasPrefix("renderD") }) { return true }
    return fm.fileExists(atPath: "/dev/nvidia0") || fm.fileExists(atPath: "/dev/nvidiactl") || fm.fileExists(atPath: "/dev/dxg")
}

/// A backend made for one transcode, and what the user should hear about how it was chosen.
struct ResolvedBackend {
    var backend: any PixelBackend
    /// Set when `auto` wanted a GPU and fell back to the CPU.
    var warning: String?
    /// Whether a failure of this backend during the job may be retried on the CPU.
    var mayFallBack: Bool

    static func resolve(_ choice: BackendChoice) throws -> ResolvedBackend {
        switch choice {
        case .cpu:
            return ResolvedBackend(backend: CPUBackend(), warning: nil, mayFallBack: false)
        case .auto:
            // Loading the Vulkan drivers costs ~0.15 s and ~50 MB (software renderers map LLVM); a
            // hardware GPU needs a device node, so without one there is nothing to look for.
            guard hasGPUDeviceNode() else {
                return ResolvedBackend(backend: CPUBackend(), warning: nil, mayFallBack: false)
            }
            let devices: [VulkanDeviceInfo]
            do {
                devices = try VulkanDevices.list()
            } catch {
                // No loader or no driver: the common case on machines without a GPU; not worth a warning.
                return ResolvedBackend(backend: CPUBackend(), warning: nil, mayFallBack: false)
            }
            guard let index = VulkanDevices.autoChoice(devices).index else {
                return ResolvedBackend(backend: CPUBackend(), warning: nil, mayFallBack: false)
            }
            do {
                return ResolvedBackend(backend: try VulkanBackend(deviceIndex: index), warning: nil, mayFallBack: true)
            } catch {
                return ResolvedBackend(backend: CPUBackend(), warning: "Vulkan device \(index) could not be used (\(error)); using the CPU backend",
                                       mayFallBack: false)
            }
        case let .vulkan(device):
            do {
                let index: Int
                if let device {
                    index = device
                } else {
                    let devices = try VulkanDevices.list()
                    guard let pick = VulkanDevices.autoChoice(devices).index ?? devices.first(where: \.hasCompute)?.index else {
                        throw GifsmithError.backendUnavailable("no Vulkan device can run compute work (`gifsmith devices` lists them)")
                    }
                    index = pick
                }
                return ResolvedBackend(backend: try VulkanBackend(deviceIndex: index), warning: nil, mayFallBack: false)
            } catch let e as GifsmithError {
                throw e
            } catch {
                throw GifsmithError.backendUnavailable("the Vulkan backend is unavailable: \(error)")
            }
        }
    }
}
