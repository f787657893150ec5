import Foundation
import Gifsmith
import GifsmithMedia

/// Shows a transcode's events: a progress bar on a terminal, JSON lines with --json, nothing with --quiet.
final class ProgressReporter {
    enum Mode {
        case terminal
        case json(toStderr: Bool)
        case quiet
    }

    private let mode: Mode
    private let input: String
    private var barShown = false
    private var lastDraw = Date.distantPast
    private let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return e
    }()

    init(mode: Mode, input: String) {
        self.mode = mode
        self.input = input
    }

    func handle(_ event: TranscodeEvent) {
        switch (mode, event) {
        case (.quiet, _):
            return
        case let (.json, .started(info, output, crop)):
            emit(["event": "started", "input": input, "source": info, "output_width": output.width, "output_height": output.height,
                  "crop": crop.description])
        case let (.json, .progress(phase, done, total)):
            emit(["event": "progress", "phase": phase.rawValue, "done": done, "total": total as Any])
        case let (.json, .warning(message)):
            emit(["event": "warning", "message": message])
        case (.json, .finished):
            return // finish(_:) prints the result once.
        case let (.terminal, .progress(phase, done, total)):
            drawBar(phase: phase, done: done, total: total)
        case let (.terminal, .warning(message)):
            clearBar()
            FileHandleOutput.stderr("gifsmith: warning: \(message)\n")
        case (.terminal, _):
            return
        }
    }

    func finish(_ result: TranscodeResult) {
        switch mode {
        case .quiet: return
        case .json: emit(["event": "finished", "result": result])
        case .terminal:
            clearBar()
            let size = ByteCountFormatter.string(fromByteCount: result.bytes, countStyle: .file)
            let target = result.output == "-" ? "stdout" : result.output
            FileHandleOutput.stderr(String(format: "%@: %d frames, %dx%d, %.2f s, %d colours, %@ in %.2f s\n",
                                           target, result.frames, result.width, result.height, result.durationSeconds,
                                           result.paletteColors, size, result.elapsedSeconds))
        }
    }

    func failed(_ error: GifsmithError) {
        if case .json = mode {
            emit(["event": "error", "message": error.description, "exit_code": Int(ExitCodes.code(for: error))])
        }
    }

    /// Leaves the terminal line clean before an error message.
    func abort() { clearBar() }

    // MARK: -

    private func drawBar(phase: TranscodePhase, done: Int, total: Int?) {
        guard FileHandleOutput.stderrIsTerminal else { return }
        let now = Date()
        guard now.timeIntervalSince(lastDraw) > 0.1 || done == total else { return }
        lastDraw = now
        let width = 30
        var line = "\r\(phase.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0)) "
        if let total, total > 0 {
            let filled = min(width, done * width / total)
            line += "[" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled) + "] \(done)/\(total)"
        } else {
            line += "\(done) frames"
        }
        FileHandleOutput.stderr(line + "\u{1B}[K")
        barShown = true
    }

    private func clearBar() {
        if barShown {
            FileHandleOutput.stderr("\r\u{1B}[K")
            barShown = false
        }
    }

    private func emit(_ fields: [String: Any]) {
        var parts: [String] = []
        for key in fields.keys.sorted() {
            parts.append("\"\(key)\":" + jsonValue(fields[key]!))
        }
        let line = "{" + parts.joined(separator: ",") + "}\n"
        if case .json(true) = mode { FileHandleOutput.stderr(line) } else { FileHandleOutput.stdout(line) }
    }

    private func jsonValue(_ v: Any) -> String {
        switch v {
        case let e as Encodable:
            if let d = try? encoder.encode(AnyEncodable(e)), let s = String(data: d, encoding: .utf8) { return s }
            return "null"
        default:
            return "null"
        }
    }
}

private struct AnyEncodable: Encodable {
    let value: Encodable
    init(_ value: Encodable) { self.value = value }
    func encode(to encoder: Encoder) throws { try value.encode(to: encoder) }
}
