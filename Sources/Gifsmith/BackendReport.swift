import GifsmithVulkan

/// What `gifsmith devices` shows: the Vulkan devices and the auto decision.
public struct BackendReport: Sendable, Codable, CustomStringConvertible {
    public var devices: [VulkanDeviceInfo]
    /// Why no device list could be had (no loader, no driver), if so.
    public var error: String?
    /// The device `--backend auto` would use; nil means the CPU backend.
    public var autoDevice: Int?
    public var autoReason: String

    public static func make() -> BackendReport {
        do {
            let devices = try VulkanDevices.list()
            let choice = VulkanDevices.autoChoice(devices)
            return BackendReport(devices: devices, error: nil, autoDevice: choice.index, autoReason: choice.reason)
        } catch {
            return BackendReport(devices: [], error: "\(error)", autoDevice: nil, autoReason: "no Vulkan: \(error)")
        }
    }

    public var description: String {
        var s = ""
        if let error { s += "Vulkan unavailable: \(error)\n" }
        for d in devices {
            s += "[\(d.index)] \(d.name)  (\(d.type), Vulkan \(d.apiVersion)\(d.driver.map { ", \($0)" } ?? ""))\n"
            s += "    workgroup ≤ \(d.maxComputeWorkGroupInvocations) invocations, size \(d.maxComputeWorkGroupSize.map(String.init).joined(separator: "x"))"
            s += ", storage buffer ≤ \(d.maxStorageBufferRange >> 20) MiB"
            if let sg = d.subgroupSize { s += ", subgroup \(sg)" }
            s += ", heaps \(d.memoryHeapsMiB.map { "\($0) MiB" }.joined(separator: " + "))"
            if !d.hasCompute { s += ", no compute queue" }
            s += "\n"
        }
        s += "auto: " + (autoDevice.map { "Vulkan device \($0)" } ?? "CPU backend") + " (\(autoReason))\n"
        return s
    }
}
