import CVulkan

/// Kompute's Sequence: a command buffer recorded, submitted and waited for, over and over, by
/// one thread at a time.
final class Sequence: @unchecked Sendable {
    let manager: Manager
    private let pool: VkCommandPool
    private let commandBuffer: VkCommandBuffer
    private let fence: VkFence
    /// A submission whose fence has not been waited for (a run that failed while waiting).
    private var pending = false

    init(manager: Manager) throws {
        self.manager = manager
        let device = manager.device
        var poolInfo = VkCommandPoolCreateInfo()
        poolInfo.sType = VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO
        poolInfo.flags = VK_COMMAND_POOL_CREATE_RESET_COMMAND_BUFFER_BIT.rawValue
        poolInfo.queueFamilyIndex = manager.queueFamily
        var pool: VkCommandPool?
        try check(vkCreateCommandPool(device, &poolInfo, nil, &pool), "vkCreateCommandPool")
        self.pool = pool!

        var allocate = VkCommandBufferAllocateInfo()
        allocate.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO
        allocate.commandPool = pool
        allocate.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY
        allocate.commandBufferCount = 1
        var commandBuffer: VkCommandBuffer?
        let allocated = vkAllocateCommandBuffers(device, &allocate, &commandBuffer)
        if allocated != VK_SUCCESS { vkDestroyCommandPool(device, pool, nil) }
        try check(allocated, "vkAllocateCommandBuffers")
        self.commandBuffer = commandBuffer!

        var fenceInfo = VkFenceCreateInfo()
        fenceInfo.sType = VK_STRUCTURE_TYPE_FENCE_CREATE_INFO
        var fence: VkFence?
        let created = vkCreateFence(device, &fenceInfo, nil, &fence)
        if created != VK_SUCCESS { vkDestroyCommandPool(device, pool, nil) }
        try check(created, "vkCreateFence")
        self.fence = fence!
    }

    deinit {
        let device = manager.device
        // Never free a command buffer the device may still run. An unsubmitted fence is never
        // signalled, so wait only for a submission.
        if pending {
            var f: VkFence? = fence
            _ = vkWaitForFences(device, 1, &f, VkBool32(VK_TRUE), UInt64.max)
        }
        vkDestroyFence(device, fence, nil)
        vkDestroyCommandPool(device, pool, nil)
    }

    /// Records the commands `body` issues, submits them and waits until the device is done.
    func run(_ body: (Recorder) throws -> Void) throws {
        var begin = VkCommandBufferBeginInfo()
        begin.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO
        begin.flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT.rawValue
        try check(vkBeginCommandBuffer(commandBuffer, &begin), "vkBeginCommandBuffer")
        let recorder = Recorder(commandBuffer: commandBuffer, limits: manager.limits)
        do {
            try body(recorder)
        } catch {
            _ = vkEndCommandBuffer(commandBuffer)
            throw error
        }
        try check(vkEndCommandBuffer(commandBuffer), "vkEndCommandBuffer")
        var f: VkFence? = fence
        try check(vkResetFences(manager.device, 1, &f), "vkResetFences")
        try manager.submit(commandBuffer, fence: fence)
        pending = true
        try check(vkWaitForFences(manager.device, 1, &f, VkBool32(VK_TRUE), UInt64.max), "vkWaitForFences")
        pending = false
    }
}

/// Records commands into a Sequence's command buffer.
struct Recorder {
    let commandBuffer: VkCommandBuffer
    let limits: VkPhysicalDeviceLimits

    /// Copies the staging buffer of an upload tensor into it (nothing when it is mapped directly).
    func upload(_ tensor: Tensor, bytes: Int) {
        guard let staging = tensor.staging, bytes > 0 else { return }
        var region = VkBufferCopy(srcOffset: 0, dstOffset: 0, size: VkDeviceSize(min(bytes, tensor.byteCount)))
        vkCmdCopyBuffer(commandBuffer, staging, tensor.buffer, 1, &region)
    }

    /// Copies a download tensor into its staging buffer (nothing when it is mapped directly).
    func download(_ tensor: Tensor, bytes: Int) {
        guard let staging = tensor.staging, bytes > 0 else { return }
        var region = VkBufferCopy(srcOffset: 0, dstOffset: 0, size: VkDeviceSize(min(bytes, tensor.byteCount)))
        vkCmdCopyBuffer(commandBuffer, tensor.buffer, staging, 1, &region)
    }

    /// Sets `bytes` bytes (rounded up to a word) at the start of the tensor to zero.
    func zero(_ tensor: Tensor, bytes: Int) {
        let size = min((bytes + 3) & ~3, tensor.byteCount)
        if size == 0 { return }
        vkCmdFillBuffer(commandBuffer, tensor.buffer, 0, VkDeviceSize(size), 0)
    }

    /// Everything written so far (by shaders or transfers) is visible to what follows.
    func barrier() {
        var b = VkMemoryBarrier()
        b.sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER
        b.srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT.rawValue | VK_ACCESS_TRANSFER_WRITE_BIT.rawValue
        b.dstAccessMask = VK_ACCESS_SHADER_READ_BIT.rawValue | VK_ACCESS_SHADER_WRITE_BIT.rawValue
            | VK_ACCESS_TRANSFER_READ_BIT.rawValue | VK_ACCESS_TRANSFER_WRITE_BIT.rawValue
        let stages = VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT.rawValue | VK_PIPELINE_STAGE_TRANSFER_BIT.rawValue
        vkCmdPipelineBarrier(commandBuffer, stages, stages, 0, 1, &b, 0, nil, 0, nil)
    }

    /// Everything written so far is visible to the host once the fence signals.
    func hostBarrier() {
        var b = VkMemoryBarrier()
        b.sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER
        b.srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT.rawValue | VK_ACCESS_TRANSFER_WRITE_BIT.rawValue
        b.dstAccessMask = VK_ACCESS_HOST_READ_BIT.rawValue
        let stages = VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT.rawValue | VK_PIPELINE_STAGE_TRANSFER_BIT.rawValue
        vkCmdPipelineBarrier(commandBuffer, stages, VK_PIPELINE_STAGE_HOST_BIT.rawValue, 0, 1, &b, 0, nil, 0, nil)
    }

    /// Dispatches `groups` workgroups of `set`'s algorithm, folded into a 2-D grid where one
    /// axis would exceed the device's limit (shaders use `linearInvocation()`), for each of
    /// `frames` frames of a batch (the grid's z: shaders take the frame from gl_WorkGroupID.z).
    func dispatch(_ set: DescriptorSet, groups: Int, frames: Int = 1, push: [UInt32] = []) throws {
        let algorithm = set.algorithm
        if groups == 0 || frames == 0 { return }
        guard frames <= Int(limits.maxComputeWorkGroupCount.2) else {
            throw VulkanError.frameTooLarge("\(frames) frames exceed the device's dispatch limits")
        }
        precondition(push.count * 4 == algorithm.pushConstantBytes, "\(algorithm.name) takes \(algorithm.pushConstantBytes) bytes of push constants")
        let maxX = Int(limits.maxComputeWorkGroupCount.0)
        let x = min(groups, maxX)
        let y = (groups + x - 1) / x
        guard y <= Int(limits.maxComputeWorkGroupCount.1) else {
            throw VulkanError.frameTooLarge("\(groups) workgroups exceed the device's dispatch limits")
        }
        vkCmdBindPipeline(commandBuffer, VK_PIPELINE_BIND_POINT_COMPUTE, algorithm.pipeline)
        var descriptorSet: VkDescriptorSet? = set.set
        vkCmdBindDescriptorSets(commandBuffer, VK_PIPELINE_BIND_POINT_COMPUTE, algorithm.pipelineLayout, 0, 1, &descriptorSet, 0, nil)
        if !push.isEmpty {
            push.withUnsafeBytes { bytes in
                vkCmdPushConstants(commandBuffer, algorithm.pipelineLayout, VK_SHADER_STAGE_COMPUTE_BIT.rawValue, 0, UInt32(bytes.count), bytes.baseAddress)
            }
        }
        vkCmdDispatch(commandBuffer, UInt32(x), UInt32(y), UInt32(frames))
    }
}
