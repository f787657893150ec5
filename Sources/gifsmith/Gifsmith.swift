import ArgumentParser
import CMalloc
import Foundation
import Gifsmith

@main
struct GifsmithCommand: ParsableCommand {
    static func main() {
        tuneAllocator()
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            exit(withError: error)
        }
    }

    /// Frames are megabytes each. glibc serves blocks that large with mmap and returns them on
    /// free, so every frame buffer would fault in fresh zeroed pages: on a 1080p clip that was a
    /// third of the run in the kernel (7.2 s → 4.6 s wall with these, same output). Keeping them in
    /// the heap reuses the pages. One arena: worker threads otherwise each keep their own copy of
    /// that high-water mark (peak RSS 237 → 190 MB on 1080p, same speed; allocations are few and
    /// large, so the shared lock is not contended).
    static func tuneAllocator() {
        _ = mallopt(M_ARENA_MAX, 1)
        _ = mallopt(M_MMAP_THRESHOLD, 32 << 20)  // glibc refuses more than 32 MiB here
        _ = mallopt(M_TRIM_THRESHOLD, 512 << 20)
    }

    static let configuration = CommandConfiguration(
        commandName: "gifsmith",
        abstract: "Turns video into animated GIFs, fast.",
        discussion: """
        Exit codes: 0 success; 64 bad option or geometry; 65 input is not usable video (empty, corrupt, \
        not media, no frames in range); 66 input missing or unreadable; 69 codec, format or requested Vulkan backend not available; \
        70 internal error; 73 output cannot be written; workflows also 75 network or deadline, \
        76 the remote service refused or failed the job, 77 no or refused API key; 130 interrupted.
        """,
        version: "0.1.0",
        subcommands: [Convert.self, Probe.self, Devices.self, BannerCommand.self, AnimateCommand.self, TemplateCommand.self,
                      TextToGIFCommand.self, AnimatePageCommand.self, StandInCommand.self, BatchCommand.self, BenchCommand.self]
    )
}
