import Foundation
import GifsmithCore

/// Backends resolved once and shared by many transcodes: a batch or a server converting many
/// clips at once then opens the Vulkan device once (instance, device, pipelines, uploaded tables)
/// instead of once per clip, and its concurrent clips submit to that one device; the backends are
/// safe to use from several transcodes at a time.
///
/// Give the same instance to every `Transcoder` that should share (`Transcoder(options:shared:)`).
/// Each `BackendChoice` is resolved on first use with `auto`'s fallbacks as for a single
/// transcode; a choice that cannot be resolved (a forced `vulkan` with no driver) fails every
/// transcode that asks for it, with the same error, without trying again.
public final class SharedBackends: @unchecked Sendable {
    private let lock = NSLock()
    private var resolved: [BackendChoice: Result<ResolvedBackend, Error>] = [:]

    public init() {}

    func resolve(_ choice: BackendChoice) throws -> ResolvedBackend {
        try lock.withLock {
            if let r = resolved[choice] { return try r.get() }
            let r = Result { try ResolvedBackend.resolve(choice) }
            resolved[choice] = r
            return try r.get()
        }
    }

    /// The backend `choice` resolves to (resolving it now if needed): for reports and tests.
    public func backend(for choice: BackendChoice) throws -> any PixelBackend {
        try resolve(choice).backend
    }
}
