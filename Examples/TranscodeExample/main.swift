// gifsmith-example: Gifsmith as a library. Converts one file to a GIF with the async session API,
// printing progress as it goes; Ctrl-C cancels (no output is left behind).
//
//   swift run gifsmith-example INPUT OUTPUT.gif [WIDTH]
import Foundation
import Gifsmith

let args = CommandLine.arguments
guard args.count == 3 || args.count == 4, args.count == 3 || Int(args[3]) != nil else {
    FileHandle.standardError.write(Data("usage: gifsmith-example INPUT OUTPUT.gif [WIDTH]\n".utf8))
    exit(64)
}
let options = ConvertOptions(width: args.count == 4 ? Int(args[3]) : 480)
let session = Transcoder(options: options).start(.file(args[1]), to: .file(args[2]))

// Ctrl-C asks the session to stop; the transcode abandons its temporary file.
signal(SIGINT, SIG_IGN)
let interrupt = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
interrupt.setEventHandler { session.cancel() }
interrupt.resume()

let printer = Task {
    for await event in session.events {
        switch event {
        case let .started(input, output, _):
            print("\(input.codec) \(input.width)x\(input.height) -> \(output.width)x\(output.height)")
        case let .progress(phase, done, total):
            print("\(phase.rawValue): \(done)" + (total.map { "/\($0)" } ?? "") + " frames")
        case let .warning(message):
            print("warning: \(message)")
        case .finished:
            break
        }
    }
}

do {
    let gif = try await session.value()
    await printer.value
    let r = gif.result
    print("\(r.output): \(r.frames) frames, \(r.width)x\(r.height), \(r.bytes) bytes, \(r.paletteColors) colours, "
          + String(format: "%.2f s", r.elapsedSeconds))
} catch let error as GifsmithError {
    await printer.value
    FileHandle.standardError.write(Data("gifsmith-example: \(error)\n".utf8))
    exit(error.category == .cancelled ? 130 : 1)
}
