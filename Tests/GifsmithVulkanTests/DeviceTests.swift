import XCTest
@testable import GifsmithVulkan

final class DeviceTests: XCTestCase {
    private func device(_ index: Int, _ type: String, compute: Bool = true) -> VulkanDeviceInfo {
        VulkanDeviceInfo(index: index, name: "dev\(index)", type: type, apiVersion: "1.3.0", driver: nil,
                         maxComputeWorkGroupSize: [1024, 1024, 64], maxComputeWorkGroupCount: [65535, 65535, 65535],
                         maxComputeWorkGroupInvocations: 1024, maxStorageBufferRange: 1 << 27, subgroupSize: 32,
                         memoryHeapsMiB: [1024], hasCompute: compute)
    }

    func testAutoPrefersDiscreteThenIntegratedAndNeverCPU() {
        XCTAssertEqual(VulkanDevices.autoChoice([device(0, "cpu"), device(1, "integrated"), device(2, "discrete")]).index, 2)
        XCTAssertEqual(VulkanDevices.autoChoice([device(0, "cpu"), device(1, "integrated"), device(2, "integrated")]).index, 1)
        XCTAssertEqual(VulkanDevices.autoChoice([device(0, "virtual"), device(1, "integrated")]).index, 1)
        XCTAssertEqual(VulkanDevices.autoChoice([device(0, "discrete", compute: false), device(1, "integrated")]).index, 1)
        let cpuOnly = VulkanDevices.autoChoice([device(0, "cpu")])
        XCTAssertNil(cpuOnly.index)
        XCTAssertTrue(cpuOnly.reason.contains("dev0 (cpu)"), cpuOnly.reason)
        XCTAssertNil(VulkanDevices.autoChoice([]).index)
    }

    func testListDescribesTheDevices() throws {
        let devices: [VulkanDeviceInfo]
        do { devices = try VulkanDevices.list() } catch { throw XCTSkip("no Vulkan: \(error)") }
        XCTAssertFalse(devices.isEmpty)
        for (i, d) in devices.enumerated() {
            XCTAssertEqual(d.index, i)
            XCTAssertFalse(d.name.isEmpty)
            XCTAssertTrue(["discrete", "integrated", "virtual", "cpu", "other"].contains(d.type))
            XCTAssertGreaterThanOrEqual(d.maxComputeWorkGroupInvocations, 128)
            XCTAssertFalse(d.memoryHeapsMiB.isEmpty)
        }
        let backend = try vulkan()
        XCTAssertEqual(backend.name, "vulkan: \(devices[Backends.deviceIndex].name)")
        // JSON round trip (the CLI prints it).
        let data = try JSONEncoder().encode(devices)
        XCTAssertEqual(try JSONDecoder().decode([VulkanDeviceInfo].self, from: data), devices)
    }

    func testBadIndexIsAnError() throws {
        let count: Int
        do { count = try VulkanDevices.list().count } catch { throw XCTSkip("no Vulkan: \(error)") }
        XCTAssertThrowsError(try VulkanBackend(deviceIndex: count)) { error in
            XCTAssertEqual(error as? VulkanError, .deviceIndexOutOfRange(count, count: count))
            XCTAssertTrue("\(error)".contains("does not exist"), "\(error)")
        }
    }
}
