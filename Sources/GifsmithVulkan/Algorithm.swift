import CVulkan
import Foundation

/// Kompute's Algorithm: one SPIR-V module as a compute pipeline, with its descriptor set
/// layout (storage buffers at bindings 0..<bindingCount), push constants and specialisation
/// constants (ids 0..<count, 32-bit each).
final class Algorithm: @unchecked Sendable {
    let manager: Manager
    let name: String
    let bindingCount: Int
    let pushConstantBytes: Int
    private let shaderModule: VkShaderModule
    let setLayout: VkDescriptorSetLayout
    let pipelineLayout: VkPipelineLayout
    let pipeline: VkPipeline

    init(manager: Manager, shader name: String, bindings: Int, pushConstantBytes: Int, specialization: [UInt32] = []) throws {
        self.manager = manager
        self.name = name
        self.bindingCount = bindings
        self.pushConstantBytes = pushConstantBytes
        let device = manager.device
        let code = try Algorithm.spirv(name)

        var module: VkShaderModule?
        try code.withUnsafeBufferPointer { code in
            var info = VkShaderModuleCreateInfo()
            info.sType = VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO
            info.codeSize = code.count * 4
            info.pCode = code.baseAddress
            try check(vkCreateShaderModule(device, &info, nil, &module), "vkCreateShaderModule(\(name))")
        }
        shaderModule = module!

        var layoutBindings = (0..<bindings).map { i -> VkDescriptorSetLayoutBinding in
            var b = VkDescriptorSetLayoutBinding()
            b.binding = UInt32(i)
            b.descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER
            b.descriptorCount = 1
            b.stageFlags = VK_SHADER_STAGE_COMPUTE_BIT.rawValue
            return b
        }
        var setLayout: VkDescriptorSetLayout?
        let layoutResult = layoutBindings.withUnsafeMutableBufferPointer { b -> VkResult in
            var info = VkDescriptorSetLayoutCreateInfo()
            info.sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_LAYOUT_CREATE_INFO
            info.bindingCount = UInt32(b.count)
            info.pBindings = UnsafePointer(b.baseAddress)
            return vkCreateDescriptorSetLayout(device, &info, nil, &setLayout)
        }
        if layoutResult != VK_SUCCESS { vkDestroyShaderModule(device, shaderModule, nil) }
        try check(layoutResult, "vkCreateDescriptorSetLayout")
        self.setLayout = setLayout!

        var range = VkPushConstantRange()
        range.stageFlags = VK_SHADER_STAGE_COMPUTE_BIT.rawValue
        range.offset = 0
        range.size = UInt32(pushConstantBytes)
        var pipelineLayout: VkPipelineLayout?
        let pushBytes = pushConstantBytes
        let pipelineLayoutResult = withUnsafePointer(to: &range) { range -> VkResult in
            withUnsafePointer(to: &setLayout) { setLayouts -> VkResult in
                var info = VkPipelineLayoutCreateInfo()
                info.sType = VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO
                info.setLayoutCount = 1
                info.pSetLayouts = setLayouts
                info.pushConstantRangeCount = pushBytes > 0 ? 1 : 0
                info.pPushConstantRanges = pushBytes > 0 ? range : nil
                return vkCreatePipelineLayout(device, &info, nil, &pipelineLayout)
            }
        }
        if pipelineLayoutResult != VK_SUCCESS {
            vkDestroyDescriptorSetLayout(device, self.setLayout, nil)
            vkDestroyShaderModule(device, shaderModule, nil)
        }
        try check(pipelineLayoutResult, "vkCreatePipelineLayout")
        self.pipelineLayout = pipelineLayout!

        var entries = specialization.indices.map { i -> VkSpecializationMapEntry in
            VkSpecializationMapEntry(constantID: UInt32(i), offset: UInt32(4 * i), size: 4)
        }
        var values = specialization
        var pipeline: VkPipeline?
        let shaderModule = self.shaderModule, layout = self.pipelineLayout
        let pipelineResult = "main".withCString { entry -> VkResult in
            entries.withUnsafeMutableBufferPointer { entries -> VkResult in
                values.withUnsafeMutableBytes { values -> VkResult in
                    var spec = VkSpecializationInfo()
                    spec.mapEntryCount = UInt32(entries.count)
                    spec.pMapEntries = UnsafePointer(entries.baseAddress)
                    spec.dataSize = values.count
                    spec.pData = UnsafeRawPointer(values.baseAddress)
                    return withUnsafePointer(to: &spec) { spec -> VkResult in
                        var stage = VkPipelineShaderStageCreateInfo()
                        stage.sType = VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO
                        stage.stage = VK_SHADER_STAGE_COMPUTE_BIT
                        stage.module = shaderModule
                        stage.pName = entry
                        stage.pSpecializationInfo = specialization.isEmpty ? nil : spec
                        var info = VkComputePipelineCreateInfo()
                        info.sType = VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO
                        info.stage = stage
                        info.layout = layout
                        return vkCreateComputePipelines(device, nil, 1, &info, nil, &pipeline)
                    }
                }
            }
        }
        if pipelineResult != VK_SUCCESS {
            vkDestroyPipelineLayout(device, self.pipelineLayout, nil)
            vkDestroyDescriptorSetLayout(device, self.setLayout, nil)
            vkDestroyShaderModule(device, shaderModule, nil)
        }
        try check(pipelineResult, "vkCreateComputePipelines(\(name))")
        self.pipeline = pipeline!
    }

    deinit {
        let device = manager.device
        vkDestroyPipeline(device, pipeline, nil)
        vkDestroyPipelineLayout(device, pipelineLayout, nil)
        vkDestroyDescriptorSetLayout(device, setLayout, nil)
        vkDestroyShaderModule(device, shaderModule, nil)
    }

    /// The embedded SPIR-V of `Shaders/<name>.comp`.
    static func spirv(_ name: String) throws -> [UInt32] {
        guard let text = EmbeddedShaders.base64[name], let data = Data(base64Encoded: text), data.count % 4 == 0, !data.isEmpty else {
            throw VulkanError.unsupported("the embedded shader \(name) is missing or damaged (a build problem)")
        }
        return data.withUnsafeBytes { Array($0.bindMemory(to: UInt32.self)) }
    }
}

/// A descriptor set for one algorithm, in its own pool: bound to tensors before each use by
/// the one thread that owns it.
final class DescriptorSet: @unchecked Sendable {
    let algorithm: Algorithm
    private let pool: VkDescriptorPool
    let set: VkDescriptorSet

    init(_ algorithm: Algorithm) throws {
        self.algorithm = algorithm
        let device = algorithm.manager.device
        var size = VkDescriptorPoolSize(type: VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, descriptorCount: UInt32(algorithm.bindingCount))
        var pool: VkDescriptorPool?
        try withUnsafePointer(to: &size) { size in
            var info = VkDescriptorPoolCreateInfo()
            info.sType = VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO
            info.maxSets = 1
            info.poolSizeCount = 1
            info.pPoolSizes = size
            try check(vkCreateDescriptorPool(device, &info, nil, &pool), "vkCreateDescriptorPool")
        }
        self.pool = pool!
        let poolHandle = pool
        var layout: VkDescriptorSetLayout? = algorithm.setLayout
        var set: VkDescriptorSet?
        let result = withUnsafePointer(to: &layout) { layouts -> VkResult in
            var info = VkDescriptorSetAllocateInfo()
            info.sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO
            info.descriptorPool = poolHandle
            info.descriptorSetCount = 1
            info.pSetLayouts = layouts
            return vkAllocateDescriptorSets(device, &info, &set)
        }
        if result != VK_SUCCESS { vkDestroyDescriptorPool(device, self.pool, nil) }
        try check(result, "vkAllocateDescriptorSets")
        self.set = set!
    }

    deinit {
        // Destroying the pool frees its set.
        vkDestroyDescriptorPool(algorithm.manager.device, pool, nil)
    }

    /// Points binding i at tensors[i] (whole buffer). Only between submissions of its owner.
    func bind(_ tensors: [Tensor]) {
        precondition(tensors.count == algorithm.bindingCount, "\(algorithm.name) takes \(algorithm.bindingCount) buffers")
        // Tensors are rounded up to 16 bytes, which may pass a limit that is not (2^32 − 1);
        // shaders never index past the bytes asked for.
        let limit = Int(algorithm.manager.limits.maxStorageBufferRange)
        var infos = tensors.map { VkDescriptorBufferInfo(buffer: $0.buffer, offset: 0, range: VkDeviceSize(min($0.byteCount, limit))) }
        infos.withUnsafeMutableBufferPointer { infos in
            var writes = (0..<infos.count).map { i -> VkWriteDescriptorSet in
                var w = VkWriteDescriptorSet()
                w.sType = VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET
                w.dstSet = set
                w.dstBinding = UInt32(i)
                w.descriptorCount = 1
                w.descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER
                w.pBufferInfo = UnsafePointer(infos.baseAddress! + i)
                return w
            }
            vkUpdateDescriptorSets(algorithm.manager.device, UInt32(writes.count), &writes, 0, nil)
        }
    }
}
