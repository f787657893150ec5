import Foundation
import GifsmithMedia

/// `--max-size`: the largest GIF that fits a byte budget.
///
/// Settings give way in a fixed order, mildest first: lossy LZW (40, 80, 120, 160, 240), then
/// colours (halved down to 32), then frame rate (halved, not below 5 fps), then width (×3/4, not
/// below 64 px). A short sample of the clip (a third of it, at most two seconds, from its middle) is
/// encoded at each step to predict the full size (bytes scale with duration), so only the
/// predicted-to-fit step and, if the prediction was optimistic, the next few are encoded in full. The result is never over the
/// budget: when even the last step does not fit, the job fails and writes nothing.
public struct SizeTarget: Sendable {
    public var maxBytes: Int64

    public init(maxBytes: Int64) {
        self.maxBytes = maxBytes
    }

    /// Parses "2MB", "500KB", "1.5MiB", "800000" (bytes). KB/MB are 1000-based, KiB/MiB 1024-based.
    public init?(parsing text: String) {
        let t = text.trimmingCharacters(in: .whitespaces).lowercased()
        let units: [(String, Double)] = [("kib", 1024), ("mib", 1_048_576), ("gib", 1_073_741_824), ("kb", 1000), ("mb", 1_000_000),
                                         ("gb", 1_000_000_000), ("k", 1000), ("m", 1_000_000), ("b", 1)]
        var number = Substring(t), scale = 1.0
        for (suffix, s) in units where t.hasSuffix(suffix) {
            number = t.dropLast(suffix.count)
            scale = s
            break
        }
        guard let v = Double(number.trimmingCharacters(in: .whitespaces)), v > 0, v.isFinite, v * scale >= 1024 else { return nil }
        maxBytes = Int64((v * scale).rounded(.down))
    }

    /// The ladder of settings from `base`, mildest first (the base itself is step 0).
    static func ladder(from base: ConvertOptions, source: MediaInfo) -> [ConvertOptions] {
        var steps = [base]
        var o = base
        for lossy in [40, 80, 120, 160, 240] where lossy > o.lossy {
            o.lossy = lossy
            steps.append(o)
        }
        while o.colors > 32 {
            o.colors = max(32, o.colors / 2)
            steps.append(o)
        }
        var fps = o.fps?.value ?? source.frameRate.value ?? 25
        while fps / 2 >= 5 {
            fps /= 2
            o.fps = FrameRate(parsing: String(format: "%.3f", fps))
            steps.append(o)
        }
        var width = o.width ?? o.crop?.width ?? source.width
        while width * 3 / 4 >= 64 {
            width = width * 3 / 4
            o.width = width
            o.height = nil
            steps.append(o)
        }
        return steps
    }
}

extension Transcoder {
    /// Converts like `convert(input:output:)`, choosing the mildest settings (see `SizeTarget`) whose
    /// GIF fits `target`. The result reports the settings' output; `attempts` counts full encodes.
    public func convert(input: String, output: String, fitting target: SizeTarget, cancellation: CancellationFlag? = nil,
                        progress: ((TranscodeEvent) -> Void)? = nil) throws -> (result: TranscodeResult, attempts: Int) {
        guard input != "-", output != "-" else {
            throw GifsmithError.invalidOption("--max-size needs a file input and output (it encodes more than once)")
        }
        let info: MediaInfo
        do { info = try MediaProbe.probe(input) } catch { throw GifsmithError.wrap(error) }
        let ladder = SizeTarget.ladder(from: options, source: info)
        let say = progress ?? { _ in }

        // Predict from a sample: about 2 s from the middle of the (trimmed) clip.
        let start = options.start ?? 0
        let length = max(0, min((info.durationSeconds ?? 0) - start, options.duration ?? .infinity))
        var first = 0
        if length >= 1.5 {
            let sampleLength = min(2.0, length / 3)
            let scratch = output + ".sample.gif"
            defer { try? FileManager.default.removeItem(atPath: scratch) }
            first = ladder.count - 1
            for (i, step) in ladder.enumerated() {
                var o = step
                o.start = start + (length - sampleLength) / 2
                o.duration = sampleLength
                let r = try Transcoder(options: o, backend: backend).convert(input: input, output: scratch, cancellation: cancellation)
                let predicted = Double(r.bytes) * length / sampleLength
                if predicted <= 0.9 * Double(target.maxBytes) {
                    first = i
                    break
                }
            }
        }

        // Full encodes from the predicted step on, until one fits.
        var attempts = 0
        for step in ladder[first...] {
            attempts += 1
            let attempt = output + ".attempt.gif"
            let r = try Transcoder(options: step, backend: backend).convert(input: input, output: attempt, cancellation: cancellation)
            if r.bytes <= target.maxBytes {
                guard rename(attempt, output) == 0 else {
                    let reason = String(cString: strerror(errno))
                    unlink(attempt)
                    throw GifsmithError.output("\(output): could not be renamed into place (\(reason))")
                }
                var result = r
                result.output = output
                say(.finished(result))
                return (result, attempts)
            }
            unlink(attempt)
            say(.warning("\(r.bytes) bytes at \(describe(step)) is over the \(target.maxBytes)-byte budget; trying smaller settings"))
        }
        throw GifsmithError.invalidOption("no settings fit \(target.maxBytes) bytes: even \(describe(ladder.last!)) is larger")
    }

    private func describe(_ o: ConvertOptions) -> String {
        var parts = ["lossy \(o.lossy)", "\(o.colors) colours"]
        if let fps = o.fps { parts.append("\(fps) fps") }
        if let w = o.width { parts.append("width \(w)") }
        return parts.joined(separator: ", ")
    }
}
