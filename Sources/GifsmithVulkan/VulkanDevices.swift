import CVulkan

/// One Vulkan device as `gifsmith devices` shows it.
public struct VulkanDeviceInfo: Sendable, Codable, Equatable {
    /// Position in the loader's list: the N of `--device N`.
    public var index: Int
    public var name: String
    /// "discrete", "integrated", "virtual", "cpu" or "other".
    public var type: String
    /// The device's Vulkan version, "major.minor.patch".
    public var apiVersion: String
    /// The driver's name and version where the device reports them (Vulkan 1.2 drivers).
    public var driver: String?
    public var maxComputeWorkGroupSize: [Int]
    public var maxComputeWorkGroupCount: [Int]
    public var maxComputeWorkGroupInvocations: Int
    public var maxStorageBufferRange: Int
    /// The default subgroup size where the device reports it (Vulkan 1.1).
    public var subgroupSize: Int?
    /// Size of each memory heap in MiB.
    public var memoryHeapsMiB: [Int]
    /// Whether the device has a queue family with compute support (a device without one is
    /// listed but cannot be used).
    public var hasCompute: Bool

    public init(index: Int, name: String, type: String, apiVersion: String, driver: String?, maxComputeWorkGroupSize: [Int],
                maxComputeWorkGroupCount: [Int], maxComputeWorkGroupInvocations: Int, maxStorageBufferRange: Int,
                subgroupSize: Int?, memoryHeapsMiB: [Int], hasCompute: Bool = true) {
        self.index = index
        self.name = name
        self.type = type
        self.apiVersion = apiVersion
        self.driver = driver
        self.maxComputeWorkGroupSize = maxComputeWorkGroupSize
        self.maxComputeWorkGroupCount = maxComputeWorkGroupCount
        self.maxComputeWorkGroupInvocations = maxComputeWorkGroupInvocations
        self.maxStorageBufferRange = maxStorageBufferRange
        self.subgroupSize = subgroupSize
        self.memoryHeapsMiB = memoryHeapsMiB
        self.hasCompute = hasCompute
    }
}

/// Device discovery and the `auto` policy.
public enum VulkanDevices {
    /// Every Vulkan device the loader reports, in its order.
    /// - Throws: `VulkanError.noLoader` or `.noDevice` when no Vulkan driver can be loaded.
    public static func list() throws -> [VulkanDeviceInfo] {
        let instance = try Instance()
        return try instance.physicalDevices().enumerated().map { describe($1, index: $0, instance: instance) }
    }

    /// The device `--backend auto` uses: a discrete GPU if there is one, else an integrated
    /// one, else a virtual one (a GPU passed through to a virtual machine), first in the list
    /// on ties. CPU-type devices (llvmpipe, SwiftShader) are never chosen: they are slower than
    /// the CPU backend. Returns nil and the reason when nothing qualifies.
    public static func autoChoice(_ devices: [VulkanDeviceInfo]) -> (index: Int?, reason: String) {
        let usable = devices.filter(\.hasCompute)
        for kind in ["discrete", "integrated", "virtual"] {
            if let d = usable.first(where: { $0.type == kind }) {
                return (d.index, "\(d.name) is the first \(kind) GPU")
            }
        }
        if devices.isEmpty { return (nil, "no Vulkan devices") }
        let names = devices.map { "\($0.name) (\($0.type))" }.joined(separator: ", ")
        return (nil, "no GPU among the Vulkan devices (\(names)); software renderers are slower than the CPU backend")
    }

    static func typeName(_ type: VkPhysicalDeviceType) -> String {
        switch type {
        case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU: return "discrete"
        case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU: return "integrated"
        case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU: return "virtual"
        case VK_PHYSICAL_DEVICE_TYPE_CPU: return "cpu"
        default: return "other"
        }
    }

    static func versionString(_ v: UInt32) -> String {
        "\(gifsmith_vk_version_major(v)).\(gifsmith_vk_version_minor(v)).\(gifsmith_vk_version_patch(v))"
    }

    static func describe(_ device: VkPhysicalDevice, index: Int, instance: Instance) -> VulkanDeviceInfo {
        var props = VkPhysicalDeviceProperties()
        vkGetPhysicalDeviceProperties(device, &props)
        let limits = props.limits
        var subgroupSize: Int?
        var driver: String?
        if instance.apiVersion >= gifsmith_vk_api_version_1_1 && props.apiVersion >= gifsmith_vk_api_version_1_1 {
            var subgroup = VkPhysicalDeviceSubgroupProperties()
            subgroup.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_PROPERTIES
            var driverProps = VkPhysicalDeviceDriverProperties()
            driverProps.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_DRIVER_PROPERTIES
            // Driver properties are core in 1.2; older devices would ignore or reject the struct.
            let withDriver = props.apiVersion >= gifsmith_vk_api_version_1_2
            withUnsafeMutablePointer(to: &driverProps) { driverPointer in
                subgroup.pNext = withDriver ? UnsafeMutableRawPointer(driverPointer) : nil
                withUnsafeMutablePointer(to: &subgroup) { subgroupPointer in
                    var props2 = VkPhysicalDeviceProperties2()
                    props2.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2
                    props2.pNext = UnsafeMutableRawPointer(subgroupPointer)
                    vkGetPhysicalDeviceProperties2(device, &props2)
                }
            }
            subgroup.pNext = nil
            subgroupSize = Int(subgroup.subgroupSize)
            if withDriver {
                let name = cString(&driverProps.driverName)
                let info = cString(&driverProps.driverInfo)
                driver = info.isEmpty ? name : "\(name) (\(info))"
            }
        }
        var memory = VkPhysicalDeviceMemoryProperties()
        vkGetPhysicalDeviceMemoryProperties(device, &memory)
        let heaps = withUnsafeBytes(of: &memory.memoryHeaps) { raw in
            Array(raw.bindMemory(to: VkMemoryHeap.self).prefix(Int(memory.memoryHeapCount)))
        }
        return VulkanDeviceInfo(
            index: index, name: cString(&props.deviceName), type: typeName(props.deviceType),
            apiVersion: versionString(props.apiVersion), driver: driver,
            maxComputeWorkGroupSize: tuple3(limits.maxComputeWorkGroupSize),
            maxComputeWorkGroupCount: tuple3(limits.maxComputeWorkGroupCount),
            maxComputeWorkGroupInvocations: Int(limits.maxComputeWorkGroupInvocations),
            maxStorageBufferRange: Int(limits.maxStorageBufferRange),
            subgroupSize: subgroupSize, memoryHeapsMiB: heaps.map { Int($0.size >> 20) },
            hasCompute: computeQueueFamily(device) != nil)
    }

    /// The first queue family with compute support.
    static func computeQueueFamily(_ device: VkPhysicalDevice) -> UInt32? {
        var count: UInt32 = 0
        vkGetPhysicalDeviceQueueFamilyProperties(device, &count, nil)
        var families = [VkQueueFamilyProperties](repeating: VkQueueFamilyProperties(), count: Int(count))
        vkGetPhysicalDeviceQueueFamilyProperties(device, &count, &families)
        for (i, f) in families.prefix(Int(count)).enumerated() where f.queueFlags & VK_QUEUE_COMPUTE_BIT.rawValue != 0 && f.queueCount > 0 {
            return UInt32(i)
        }
        return nil
    }
}

/// A fixed-size C char array (imported as a tuple) as a String.
func cString<T>(_ tuple: inout T) -> String {
    withUnsafeBytes(of: &tuple) { raw in
        let bytes = raw.bindMemory(to: UInt8.self)
        let end = bytes.firstIndex(of: 0) ?? bytes.count
        return String(decoding: bytes[0..<end], as: UTF8.self)
    }
}

private func tuple3(_ t: (UInt32, UInt32, UInt32)) -> [Int] { [Int(t.0), Int(t.1), Int(t.2)] }
