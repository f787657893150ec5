import ArgumentParser
import Foundation
import Gifsmith

@main
struct GifsmithCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gifsmith",
        abstract: "Turns video into animated GIFs, fast.",
        discussion: """
        Exit codes: 0 success; 64 bad option or geometry; 65 input is not usable video (empty, corrupt, \
        not media, no frames in range); 66 input missing or unreadable; 69 codec or format not supported; \
        70 internal error; 73 output cannot be written; 130 interrupted.
        """,
        version: "0.1.0",
        subcommands: [Convert.self, Probe.self]
    )
}
