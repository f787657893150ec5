import CVulkan

/// A VkInstance. The loader is linked at build time; whether a driver is present is learnt
/// here, at run time, and reported as an error rather than a crash.
final class Instance: @unchecked Sendable {
    let handle: VkInstance
    /// The instance-level API version the loader supports (1.0 loaders lack the query).
    let apiVersion: UInt32

    init() throws {
        var loaderVersion: UInt32 = gifsmith_vk_api_version_1_0
        if vkEnumerateInstanceVersion(&loaderVersion) != VK_SUCCESS { loaderVersion = gifsmith_vk_api_version_1_0 }
        // 1.1 is enough for the device queries (subgroup properties); the shaders need only 1.0.
        let requested = loaderVersion >= gifsmith_vk_api_version_1_1 ? gifsmith_vk_api_version_1_1 : gifsmith_vk_api_version_1_0
        apiVersion = requested
        var instance: VkInstance?
        let result = "Gifsmith".withCString { name -> VkResult in
            var app = VkApplicationInfo()
            app.sType = VK_STRUCTURE_TYPE_APPLICATION_INFO
            app.pApplicationName = name
            app.pEngineName = name
            app.apiVersion = requested
            return withUnsafePointer(to: &app) { app in
                var info = VkInstanceCreateInfo()
                info.sType = VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO
                info.pApplicationInfo = app
                return vkCreateInstance(&info, nil, &instance)
            }
        }
        switch result {
        case VK_SUCCESS:
            break
        case VK_ERROR_INCOMPATIBLE_DRIVER:
            throw VulkanError.noDevice
        case VK_ERROR_INITIALIZATION_FAILED, VK_ERROR_LAYER_NOT_PRESENT, VK_ERROR_EXTENSION_NOT_PRESENT:
            throw VulkanError.noLoader("vkCreateInstance: \(resultName(result.rawValue))")
        default:
            throw VulkanError(result, "vkCreateInstance")
        }
        guard let instance else { throw VulkanError.noLoader("vkCreateInstance returned no instance") }
        handle = instance
    }

    deinit {
        vkDestroyInstance(handle, nil)
    }

    /// Every physical device, in the loader's order (the order `--device N` counts in).
    func physicalDevices() throws -> [VkPhysicalDevice] {
        var count: UInt32 = 0
        try check(vkEnumeratePhysicalDevices(handle, &count, nil), "vkEnumeratePhysicalDevices")
        if count == 0 { return [] }
        var devices = [VkPhysicalDevice?](repeating: nil, count: Int(count))
        try check(vkEnumeratePhysicalDevices(handle, &count, &devices), "vkEnumeratePhysicalDevices")
        return devices.prefix(Int(count)).compactMap { $0 }
    }
}
