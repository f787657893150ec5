import CVulkan
import Foundation

/// What one call of the backend works with: a sequence and the tensors and descriptor sets of
/// every stage, kept between calls and grown when a larger frame arrives. A context is used by
/// one thread at a time; the backend keeps a pool of them, so several frames are in flight at
/// once (one per calling thread), each with its own buffers.
final class FrameContext: @unchecked Sendable {
    let manager: Manager
    let sequence: Sequence
    let forceStaging: Bool
    private var sets: [ObjectIdentifier: DescriptorSet] = [:]
    private var tensors: [String: Tensor] = [:]

    init(manager: Manager, forceStaging: Bool) throws {
        self.manager = manager
        self.forceStaging = forceStaging
        sequence = try Sequence(manager: manager)
    }

    /// The context's descriptor set for `algorithm`.
    func set(_ algorithm: Algorithm) throws -> DescriptorSet {
        if let s = sets[ObjectIdentifier(algorithm)] { return s }
        let s = try DescriptorSet(algorithm)
        sets[ObjectIdentifier(algorithm)] = s
        return s
    }

    /// The context's tensor named `key`, at least `bytes` long; `fresh` is true when it was
    /// (re)allocated by this call, so its contents are undefined.
    func tensor(_ key: String, bytes: Int, role: Tensor.Role, fresh: UnsafeMutablePointer<Bool>? = nil) throws -> Tensor {
        let limit = Int(manager.limits.maxStorageBufferRange)
        guard bytes <= limit else {
            throw VulkanError.frameTooLarge("\(key) needs \(bytes >> 20) MiB, the device's storage buffer limit is \(limit >> 20) MiB")
        }
        if let t = tensors[key], t.byteCount >= bytes {
            fresh?.pointee = false
            return t
        }
        tensors[key] = nil
        // Some headroom, so frames that vary a little in size do not reallocate every time.
        let size = min(limit, max(bytes, 16) + max(bytes, 16) / 8)
        let t = try Tensor.make(manager: manager, byteCount: size, role: role, forceStaging: forceStaging)
        tensors[key] = t
        fresh?.pointee = true
        return t
    }

    /// Drops a tensor whose contents may be wrong (a call failed half-way).
    func discard(_ key: String) {
        tensors[key] = nil
    }
}

/// A lock-protected free list of contexts.
final class ContextPool: @unchecked Sendable {
    private let lock = NSLock()
    private var free: [FrameContext] = []
    private let make: () throws -> FrameContext

    init(make: @escaping () throws -> FrameContext) {
        self.make = make
    }

    func with<T>(_ body: (FrameContext) throws -> T) throws -> T {
        let context = try lock.withLock { free.popLast() } ?? make()
        let result: T
        do {
            result = try body(context)
        } catch VulkanError.deviceLost {
            // Nothing on a lost device is usable again; do not hand the context back.
            throw VulkanError.deviceLost
        } catch {
            lock.withLock { free.append(context) }
            throw error
        }
        lock.withLock { free.append(context) }
        return result
    }
}
