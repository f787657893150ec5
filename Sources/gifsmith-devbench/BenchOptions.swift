import GifsmithCore

/// Command-line options of `gifsmith-devbench` (hand-parsed: no ArgumentParser dependency).
struct BenchOptions {
    var input = ""
    /// Output width; 0 keeps the source size.
    var width = 480
    var backends = ["cpu", "vulkan"]
    var dither = Dither(.sierra24a)
    var deviceIndex: Int?
    /// Frames per timed stage (the clip's frames are looped to reach it).
    var frames = 60
    /// Each stage keeps running whole passes until at least this many seconds have passed.
    var seconds = 0.0
    /// Frames in flight at once (threads calling the backend).
    var threads = 1
    /// Frames a batched call takes (`convert`/`map` of many frames at once); 0 skips them.
    var batch = 8
    /// Frames compared CPU against Vulkan, byte for byte.
    var verifyFrames = 3
    var maxColors = 256
    var quantizer = QuantizerKind.medianCut
    var encode = true
    var json = false

    static let usage = """
    usage: gifsmith-devbench INPUT.y4m [options]
      --width W            output width (default 480; 0 = the source size)
      --backends LIST      comma-separated: cpu,vulkan (default both)
      --dither NAME        none, bayer, floyd-steinberg, sierra-2-4a (default), atkinson, blue-noise
      --bayer-scale N      0...5 for bayer / blue-noise (default 2)
      --device N           Vulkan device index (default: auto choice, else 0)
      --frames N           frames per stage, looping the clip (default 60)
      --seconds S          keep each stage running at least S seconds (default 0)
      --threads T          frames in flight at once (default 1); with --batch, batches in flight
      --batch N            frames a batched convert/map call takes (default 8; 0 skips them)
      --verify N           frames compared CPU vs Vulkan byte for byte (default 3)
      --colors N           palette size (default 256)
      --quantizer NAME     median-cut (default), wu, kmeans, octree
      --no-encode          skip the LZW encode timing
      --json               print one JSON object on stdout (human lines go to stderr)
    """

    struct UsageError: Error, CustomStringConvertible {
        var description: String
    }

    static func parse(_ args: [String]) throws -> BenchOptions {
        var o = BenchOptions()
        var bayerScale = 2
        var i = 0
        func value() throws -> String {
            i += 1
            guard i < args.count else { throw UsageError(description: "\(args[i - 1]) needs a value") }
            return args[i]
        }
        func int(_ s: String, _ name: String, _ range: ClosedRange<Int>) throws -> Int {
            guard let v = Int(s), range.contains(v) else { throw UsageError(description: "\(name): \(s) is not in \(range)") }
            return v
        }
        while i < args.count {
            let a = args[i]
            switch a {
            case "--width": o.width = try int(try value(), a, 0...16384)
            case "--backends":
                o.backends = try value().split(separator: ",").map { String($0) }
                for b in o.backends where b != "cpu" && b != "vulkan" {
                    throw UsageError(description: "--backends: unknown backend \(b) (cpu, vulkan)")
                }
            case "--dither":
                let v = try value()
                guard let m = DitherMethod(rawValue: v) else {
                    throw UsageError(description: "--dither: unknown \(v) (\(DitherMethod.allCases.map(\.rawValue).joined(separator: ", ")))")
                }
                o.dither.method = m
            case "--bayer-scale": bayerScale = try int(try value(), a, 0...5)
            case "--device": o.deviceIndex = try int(try value(), a, 0...1024)
            case "--frames": o.frames = try int(try value(), a, 1...1_000_000)
            case "--seconds":
                let v = try value()
                guard let s = Double(v), s >= 0 else { throw UsageError(description: "--seconds: \(v) is not a number ≥ 0") }
                o.seconds = s
            case "--threads": o.threads = try int(try value(), a, 1...256)
            case "--batch": o.batch = try int(try value(), a, 0...4096)
            case "--verify": o.verifyFrames = try int(try value(), a, 0...1000)
            case "--colors": o.maxColors = try int(try value(), a, 2...256)
            case "--quantizer":
                let v = try value()
                guard let q = QuantizerKind(rawValue: v) else {
                    throw UsageError(description: "--quantizer: unknown \(v) (\(QuantizerKind.allCases.map(\.rawValue).joined(separator: ", ")))")
                }
                o.quantizer = q
            case "--no-encode": o.encode = false
            case "--json": o.json = true
            case "-h", "--help": throw UsageError(description: "")
            default:
                if a.hasPrefix("-") { throw UsageError(description: "unknown option \(a)") }
                guard o.input.isEmpty else { throw UsageError(description: "one input file only (got \(o.input) and \(a))") }
                o.input = a
            }
            i += 1
        }
        guard !o.input.isEmpty else { throw UsageError(description: "no input .y4m file given") }
        o.dither.bayerScale = bayerScale
        return o
    }
}
