import ArgumentParser
import Foundation
import Gifsmith

struct Devices: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List Vulkan devices, their type and limits, and which one --backend auto picks and why."
    )

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    func run() throws {
        let report = BackendReport.make()
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            FileHandleOutput.stdout(String(decoding: try encoder.encode(report), as: UTF8.self) + "\n")
        } else {
            FileHandleOutput.stdout(report.description)
        }
    }
}
