import CVulkan

/// What can go wrong with the Vulkan backend, in words a person can act on.
public enum VulkanError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The Vulkan loader could not create an instance (no usable loader or driver).
    case noLoader(String)
    /// An instance exists but no physical device is usable for compute.
    case noDevice
    /// `--device N` named a device that is not there.
    case deviceIndexOutOfRange(Int, count: Int)
    /// The device stopped responding (driver reset, hang, hardware removed).
    case deviceLost
    /// The device or the host ran out of memory for Vulkan objects.
    case outOfDeviceMemory
    /// A frame needs a buffer larger than the device allows.
    case frameTooLarge(String)
    /// The device lacks something the backend needs.
    case unsupported(String)
    /// Any other failing Vulkan call: the call and its VkResult.
    case call(String, Int32)

    public var description: String {
        switch self {
        case let .noLoader(detail):
            return "no Vulkan driver could be loaded (\(detail)); install a Vulkan driver (Debian: mesa-vulkan-drivers) or use --backend cpu"
        case .noDevice:
            return "the Vulkan loader found no device with compute support; install a Vulkan driver or use --backend cpu"
        case let .deviceIndexOutOfRange(index, count):
            return count == 0
                ? "Vulkan device \(index) does not exist: there are no Vulkan devices"
                : "Vulkan device \(index) does not exist: there are \(count) (0...\(count - 1)); see `gifsmith devices`"
        case .deviceLost:
            return "the Vulkan device was lost (driver reset or hang); rerun, or use --backend cpu"
        case .outOfDeviceMemory:
            return "the Vulkan device ran out of memory; use a smaller output size, fewer threads, or --backend cpu"
        case let .frameTooLarge(detail):
            return "frame too large for the Vulkan device: \(detail); use a smaller output size or --backend cpu"
        case let .unsupported(detail):
            return "the Vulkan device cannot run Gifsmith's shaders: \(detail); use --backend cpu"
        case let .call(name, code):
            return "Vulkan call \(name) failed with \(resultName(code)); use --backend cpu if it persists"
        }
    }
}

/// A readable name for a VkResult code.
func resultName(_ code: Int32) -> String {
    switch VkResult(code) {
    case VK_ERROR_OUT_OF_HOST_MEMORY: return "VK_ERROR_OUT_OF_HOST_MEMORY"
    case VK_ERROR_OUT_OF_DEVICE_MEMORY: return "VK_ERROR_OUT_OF_DEVICE_MEMORY"
    case VK_ERROR_INITIALIZATION_FAILED: return "VK_ERROR_INITIALIZATION_FAILED"
    case VK_ERROR_DEVICE_LOST: return "VK_ERROR_DEVICE_LOST"
    case VK_ERROR_MEMORY_MAP_FAILED: return "VK_ERROR_MEMORY_MAP_FAILED"
    case VK_ERROR_LAYER_NOT_PRESENT: return "VK_ERROR_LAYER_NOT_PRESENT"
    case VK_ERROR_EXTENSION_NOT_PRESENT: return "VK_ERROR_EXTENSION_NOT_PRESENT"
    case VK_ERROR_FEATURE_NOT_PRESENT: return "VK_ERROR_FEATURE_NOT_PRESENT"
    case VK_ERROR_INCOMPATIBLE_DRIVER: return "VK_ERROR_INCOMPATIBLE_DRIVER"
    case VK_ERROR_TOO_MANY_OBJECTS: return "VK_ERROR_TOO_MANY_OBJECTS"
    case VK_TIMEOUT: return "VK_TIMEOUT"
    default: return "VkResult \(code)"
    }
}

/// Throws the matching `VulkanError` unless `result` is VK_SUCCESS.
@inline(__always)
func check(_ result: VkResult, _ call: @autoclosure () -> String) throws {
    if result == VK_SUCCESS { return }
    throw VulkanError(result, call())
}

extension VulkanError {
    init(_ result: VkResult, _ call: String) {
        switch result {
        case VK_ERROR_DEVICE_LOST: self = .deviceLost
        case VK_ERROR_OUT_OF_DEVICE_MEMORY, VK_ERROR_OUT_OF_HOST_MEMORY: self = .outOfDeviceMemory
        default: self = .call(call, result.rawValue)
        }
    }
}
