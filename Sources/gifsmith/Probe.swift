import ArgumentParser
import Foundation
import Gifsmith
import GifsmithMedia

struct Probe: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Describe a video: container, codec, size, duration, fps, pixel format, colour matrix/range, rotation."
    )

    @Argument(help: "Input video or image.")
    var input: String

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    func run() throws {
        let info: MediaInfo
        do {
            info = try Inspector.probe(input)
        } catch let e as GifsmithError {
            ExitCodes.fail(e)
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            FileHandleOutput.stdout(String(decoding: try encoder.encode(info), as: UTF8.self) + "\n")
            return
        }
        FileHandleOutput.stdout(Inspector.describe(info, path: input))
    }
}
