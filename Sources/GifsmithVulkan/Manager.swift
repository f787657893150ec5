import CVulkan
import Foundation

/// Kompute's Manager: the instance, the chosen physical device, the logical device and its one
/// compute queue. Every other object holds its Manager, so the device outlives them all.
final class Manager: @unchecked Sendable {
    let instance: Instance
    let physicalDevice: VkPhysicalDevice
    let device: VkDevice
    let queue: VkQueue
    let queueFamily: UInt32
    let info: VulkanDeviceInfo
    let limits: VkPhysicalDeviceLimits
    let memoryTypes: [VkMemoryType]
    /// vkQueueSubmit needs the queue externally synchronised.
    private let queueLock = NSLock()

    init(deviceIndex: Int) throws {
        instance = try Instance()
        let devices = try instance.physicalDevices()
        if devices.isEmpty { throw VulkanError.noDevice }
        guard devices.indices.contains(deviceIndex) else {
            throw VulkanError.deviceIndexOutOfRange(deviceIndex, count: devices.count)
        }
        let physicalDevice = devices[deviceIndex]
        self.physicalDevice = physicalDevice
        info = VulkanDevices.describe(physicalDevice, index: deviceIndex, instance: instance)
        guard let family = VulkanDevices.computeQueueFamily(physicalDevice) else {
            throw VulkanError.unsupported("\(info.name) has no compute queue")
        }
        queueFamily = family

        var props = VkPhysicalDeviceProperties()
        vkGetPhysicalDeviceProperties(physicalDevice, &props)
        limits = props.limits
        var memory = VkPhysicalDeviceMemoryProperties()
        vkGetPhysicalDeviceMemoryProperties(physicalDevice, &memory)
        memoryTypes = withUnsafeBytes(of: &memory.memoryTypes) { raw in
            Array(raw.bindMemory(to: VkMemoryType.self).prefix(Int(memory.memoryTypeCount)))
        }

        var priority: Float = 1
        var device: VkDevice?
        let result = withUnsafePointer(to: &priority) { priority -> VkResult in
            var queueInfo = VkDeviceQueueCreateInfo()
            queueInfo.sType = VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO
            queueInfo.queueFamilyIndex = family
            queueInfo.queueCount = 1
            queueInfo.pQueuePriorities = priority
            return withUnsafePointer(to: &queueInfo) { queueInfo in
                var info = VkDeviceCreateInfo()
                info.sType = VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO
                info.queueCreateInfoCount = 1
                info.pQueueCreateInfos = queueInfo
                return vkCreateDevice(physicalDevice, &info, nil, &device)
            }
        }
        try check(result, "vkCreateDevice")
        guard let device else { throw VulkanError.call("vkCreateDevice", VK_ERROR_INITIALIZATION_FAILED.rawValue) }
        self.device = device
        var queue: VkQueue?
        vkGetDeviceQueue(device, family, 0, &queue)
        guard let queue else {
            vkDestroyDevice(device, nil)
            throw VulkanError.call("vkGetDeviceQueue", VK_ERROR_INITIALIZATION_FAILED.rawValue)
        }
        self.queue = queue
    }

    deinit {
        vkDeviceWaitIdle(device)
        vkDestroyDevice(device, nil)
    }

    /// Submits one command buffer, signalling `fence` when it completes.
    func submit(_ commandBuffer: VkCommandBuffer, fence: VkFence) throws {
        var buffer: VkCommandBuffer? = commandBuffer
        let result = withUnsafePointer(to: &buffer) { buffers -> VkResult in
            var info = VkSubmitInfo()
            info.sType = VK_STRUCTURE_TYPE_SUBMIT_INFO
            info.commandBufferCount = 1
            info.pCommandBuffers = buffers
            return queueLock.withLock { vkQueueSubmit(queue, 1, &info, fence) }
        }
        try check(result, "vkQueueSubmit")
    }

    /// The first memory type allowed by `typeBits` that has all of `required`, trying each
    /// entry of `preferences` (extra flags wanted) in order, then `required` alone.
    func memoryType(typeBits: UInt32, required: VkMemoryPropertyFlags, preferences: [VkMemoryPropertyFlags]) -> (index: UInt32, flags: VkMemoryPropertyFlags)? {
        for wanted in preferences + [0] {
            let flags = required | wanted
            for (i, t) in memoryTypes.enumerated() where typeBits & (1 << UInt32(i)) != 0 && t.propertyFlags & flags == flags {
                return (UInt32(i), t.propertyFlags)
            }
        }
        return nil
    }
}
