import CVulkan

/// Kompute's Tensor: a storage buffer the shaders use, with a host view of its bytes.
///
/// Where the device has memory that is both device-local and host-visible (integrated GPUs,
/// software drivers, resizable BAR) the host reads and writes the buffer itself. Elsewhere it
/// writes into (or reads from) a staging buffer in host memory, and the sequence records the
/// copy (`Recorder.upload`, `Recorder.download`).
final class Tensor: @unchecked Sendable {
    enum Role {
        /// The host writes, shaders read.
        case upload
        /// Shaders write, the host reads.
        case download
        /// Only shaders touch it (scratch, accumulators).
        case device
    }

    let manager: Manager
    let byteCount: Int
    let role: Role
    let buffer: VkBuffer
    private let memory: VkDeviceMemory
    /// The staging buffer when the host cannot map `buffer`.
    private let stagingBuffer: VkBuffer?
    private let stagingMemory: VkDeviceMemory?
    /// Host view of the bytes (of `buffer` or of the staging buffer); nil for `.device`.
    private let mapped: UnsafeMutableRawPointer?
    /// The mapped memory needs explicit flushes and invalidations.
    private let mappedNonCoherent: Bool
    private let mappedMemory: VkDeviceMemory?

    var isStaged: Bool { stagingBuffer != nil }

    /// - Parameter forceStaging: stage even where the device memory could be mapped (tests
    ///   use it to run the discrete-GPU path on any device).
    init(manager: Manager, byteCount: Int, role: Role, forceStaging: Bool = false) throws {
        // Storage buffers must not be empty; a multiple of 16 bytes also covers every alignment.
        let size = max(16, (byteCount + 15) & ~15)
        self.manager = manager
        self.byteCount = size
        self.role = role
        let device = manager.device
        let deviceLocal = VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT.rawValue
        let visible = VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT.rawValue
        let coherent = VK_MEMORY_PROPERTY_HOST_COHERENT_BIT.rawValue
        let cached = VK_MEMORY_PROPERTY_HOST_CACHED_BIT.rawValue

        let storage = VK_BUFFER_USAGE_STORAGE_BUFFER_BIT.rawValue
        let transferSource = VK_BUFFER_USAGE_TRANSFER_SRC_BIT.rawValue
        let transferDestination = VK_BUFFER_USAGE_TRANSFER_DST_BIT.rawValue
        let usage = storage | transferSource | transferDestination

        var buffers: [VkBuffer] = []
        var memories: [VkDeviceMemory] = []
        // Frees what was made so far when a later step throws.
        var done = false
        defer {
            if !done {
                for b in buffers { vkDestroyBuffer(device, b, nil) }
                for m in memories { vkFreeMemory(device, m, nil) }
            }
        }

        let (buffer, requirements) = try Tensor.makeBuffer(device, size: size, usage: usage)
        buffers.append(buffer)
        // Host-side flags wanted on the device buffer itself, when it is to be mapped.
        let direct: [VkMemoryPropertyFlags]
        switch role {
        case .upload: direct = [visible | coherent, visible]
        case .download: direct = [visible | cached | coherent, visible | cached]
        case .device: direct = []
        }
        var chosen: (index: UInt32, flags: VkMemoryPropertyFlags)?
        if !forceStaging {
            for flags in direct {
                if let t = manager.memoryType(typeBits: requirements.memoryTypeBits, required: deviceLocal | flags, preferences: []) {
                    chosen = t
                    break
                }
            }
        }
        let staged = role != .device && chosen == nil
        if chosen == nil {
            chosen = manager.memoryType(typeBits: requirements.memoryTypeBits, required: 0, preferences: [deviceLocal])
        }
        guard let chosen else { throw VulkanError.unsupported("no memory type for a storage buffer") }
        let memory = try Tensor.allocate(device, requirements, chosen.index)
        memories.append(memory)
        try check(vkBindBufferMemory(device, buffer, memory, 0), "vkBindBufferMemory")

        var hostMemory: VkDeviceMemory?
        var hostFlags: VkMemoryPropertyFlags = 0
        if staged {
            let (sBuffer, sRequirements) = try Tensor.makeBuffer(device, size: size, usage: transferSource | transferDestination)
            buffers.append(sBuffer)
            let preferred: [VkMemoryPropertyFlags] = role == .upload ? [coherent] : [cached | coherent, cached]
            guard let t = manager.memoryType(typeBits: sRequirements.memoryTypeBits, required: visible, preferences: preferred) else {
                throw VulkanError.unsupported("no host-visible memory for staging")
            }
            let sMemory = try Tensor.allocate(device, sRequirements, t.index)
            memories.append(sMemory)
            try check(vkBindBufferMemory(device, sBuffer, sMemory, 0), "vkBindBufferMemory")
            stagingBuffer = sBuffer
            stagingMemory = sMemory
            hostMemory = sMemory
            hostFlags = t.flags
        } else {
            stagingBuffer = nil
            stagingMemory = nil
            if role != .device {
                hostMemory = memory
                hostFlags = chosen.flags
            }
        }
        if let hostMemory {
            var pointer: UnsafeMutableRawPointer?
            try check(vkMapMemory(device, hostMemory, 0, VkDeviceSize(VK_WHOLE_SIZE), 0, &pointer), "vkMapMemory")
            mapped = pointer
        } else {
            mapped = nil
        }
        mappedMemory = hostMemory
        mappedNonCoherent = hostMemory != nil && hostFlags & coherent == 0
        self.buffer = buffer
        self.memory = memory
        done = true
    }

    /// A tensor mapped directly where the device allows, staged where it does not or where the
    /// mappable device memory is used up (a small BAR window on a discrete GPU).
    static func make(manager: Manager, byteCount: Int, role: Role, forceStaging: Bool) throws -> Tensor {
        do {
            return try Tensor(manager: manager, byteCount: byteCount, role: role, forceStaging: forceStaging)
        } catch VulkanError.outOfDeviceMemory where !forceStaging && role != .device {
            return try Tensor(manager: manager, byteCount: byteCount, role: role, forceStaging: true)
        }
    }

    deinit {
        let device = manager.device
        if let mappedMemory { vkUnmapMemory(device, mappedMemory) }
        if let stagingBuffer { vkDestroyBuffer(device, stagingBuffer, nil) }
        if let stagingMemory { vkFreeMemory(device, stagingMemory, nil) }
        vkDestroyBuffer(device, buffer, nil)
        vkFreeMemory(device, memory, nil)
    }

    /// The host view of the bytes. Write before submitting (`.upload`), read after the fence
    /// (`.download`).
    var bytes: UnsafeMutableRawPointer {
        precondition(mapped != nil, "a device-only tensor has no host view")
        return mapped!
    }

    /// Makes host writes visible to the device (needed only for non-coherent memory).
    func flushHostWrites() throws {
        guard mappedNonCoherent, let mappedMemory else { return }
        var range = VkMappedMemoryRange()
        range.sType = VK_STRUCTURE_TYPE_MAPPED_MEMORY_RANGE
        range.memory = mappedMemory
        range.size = VkDeviceSize(VK_WHOLE_SIZE)
        try check(vkFlushMappedMemoryRanges(manager.device, 1, &range), "vkFlushMappedMemoryRanges")
    }

    /// Makes device writes visible to the host (needed only for non-coherent memory).
    func invalidateForHost() throws {
        guard mappedNonCoherent, let mappedMemory else { return }
        var range = VkMappedMemoryRange()
        range.sType = VK_STRUCTURE_TYPE_MAPPED_MEMORY_RANGE
        range.memory = mappedMemory
        range.size = VkDeviceSize(VK_WHOLE_SIZE)
        try check(vkInvalidateMappedMemoryRanges(manager.device, 1, &range), "vkInvalidateMappedMemoryRanges")
    }

    /// The staging buffer, if any (for the copies `Recorder` records).
    var staging: VkBuffer? { stagingBuffer }

    private static func makeBuffer(_ device: VkDevice, size: Int, usage: UInt32) throws -> (VkBuffer, VkMemoryRequirements) {
        var info = VkBufferCreateInfo()
        info.sType = VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO
        info.size = VkDeviceSize(size)
        info.usage = usage
        info.sharingMode = VK_SHARING_MODE_EXCLUSIVE
        var buffer: VkBuffer?
        try check(vkCreateBuffer(device, &info, nil, &buffer), "vkCreateBuffer")
        var requirements = VkMemoryRequirements()
        vkGetBufferMemoryRequirements(device, buffer, &requirements)
        return (buffer!, requirements)
    }

    private static func allocate(_ device: VkDevice, _ requirements: VkMemoryRequirements, _ type: UInt32) throws -> VkDeviceMemory {
        var info = VkMemoryAllocateInfo()
        info.sType = VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO
        info.allocationSize = requirements.size
        info.memoryTypeIndex = type
        var memory: VkDeviceMemory?
        try check(vkAllocateMemory(device, &info, nil, &memory), "vkAllocateMemory")
        return memory!
    }
}
