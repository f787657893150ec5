import Foundation

/// libjxl's perceptual metrics, run as child processes on the sampled frames when Debian's
/// `libjxl-devtools` is installed. Debian 12 ships libjxl 0.7, whose tools are `butteraugli_main`
/// and `ssimulacra_main` (the original SSIMULACRA; SSIMULACRA 2 came with libjxl 0.8). Both read
/// binary PPM and take it as sRGB. Lower is better for both; identical images score 0.
public struct PerceptualTools: Sendable {
    /// `butteraugli_main REF DIST`: prints the max-norm distance, then `3-norm: X`.
    public var butteraugli: String?
    /// `ssimulacra_main ORIG DIST`: prints one number.
    public var ssimulacra: String?

    public init(butteraugli: String?, ssimulacra: String?) {
        self.butteraugli = butteraugli
        self.ssimulacra = ssimulacra
    }

    /// The tools found on PATH.
    public static func find() -> PerceptualTools {
        PerceptualTools(butteraugli: ExternalTools.find("butteraugli_main"), ssimulacra: ExternalTools.find("ssimulacra_main"))
    }

    /// None of them: no perceptual columns at all.
    public static let none = PerceptualTools(butteraugli: nil, ssimulacra: nil)

    public var isEmpty: Bool { butteraugli == nil && ssimulacra == nil }

    /// Smaller frames are not scored: ssimulacra refuses them (yet exits 0), and butteraugli
    /// reports 0 for them, which would read as a perfect score.
    public static let minimumSide = 8

    /// What the report says about tools that are not installed.
    public var missingNotes: [String] {
        var notes: [String] = []
        if butteraugli == nil { notes.append("butteraugli_main is not installed (Debian package `libjxl-devtools`): the butteraugli columns are empty.") }
        if ssimulacra == nil { notes.append("ssimulacra_main is not installed (Debian package `libjxl-devtools`): the ssimulacra column is empty.") }
        return notes
    }

    /// Parses butteraugli_main's stdout: the max-norm distance alone on its line, then `3-norm: X`.
    public static func parseButteraugli(_ text: String) throws -> (maxNorm: Double, pNorm3: Double) {
        var maxNorm: Double?, pNorm3: Double?
        for line in text.split(whereSeparator: \.isNewline) {
            let t = line.trimmingCharacters(in: .whitespaces)
            if t.hasPrefix("3-norm:") {
                pNorm3 = Double(t.dropFirst("3-norm:".count).trimmingCharacters(in: .whitespaces))
            } else if maxNorm == nil, let v = Double(t) {
                maxNorm = v
            }
        }
        guard let maxNorm, let pNorm3, maxNorm.isFinite, pNorm3.isFinite else {
            throw BenchError.tool("butteraugli_main printed no score: \(text.prefix(300))")
        }
        return (maxNorm, pNorm3)
    }

    /// Parses ssimulacra_main's stdout: one number. Its refusals ("Minimum image size is 8x8
    /// pixels") also exit 0, so anything else is an error, not a score.
    public static func parseSsimulacra(_ text: String) throws -> Double {
        let t = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard let v = Double(t), v.isFinite else { throw BenchError.tool("ssimulacra_main printed no score: \(t.prefix(300))") }
        return v
    }
}

/// One frame pair's perceptual scores, or their means over a GIF; nil where the tool is missing or failed.
public struct PerceptualFrameScore: Sendable, Equatable {
    public var butteraugli: Double?
    public var butteraugli3Norm: Double?
    public var ssimulacra: Double?
}

/// Scores the sampled frame pairs of one GIF with the installed tools and averages them. A tool
/// that fails on any frame gets no mean (a mean over the frames it managed would not be comparable
/// with other rows) and a note saying why.
final class PerceptualScorer {
    let tools: PerceptualTools
    private let dir: String
    private var maxSum = 0.0, pNormSum = 0.0, ssimulacraSum = 0.0, count = 0
    private var butteraugliFailed = false, ssimulacraFailed = false
    /// Why a column is empty for this GIF.
    private(set) var notes: [String] = []

    init(tools: PerceptualTools) {
        self.tools = tools
        dir = NSTemporaryDirectory() + "gifsmith-perceptual-\(UUID().uuidString)"
    }

    deinit { try? FileManager.default.removeItem(atPath: dir) }

    /// Scores one pair (RGB24, `width`x`height`): writes both as PPM, then runs the two tools as two
    /// child processes at once (the bench is otherwise idle while they run).
    func add(reference: [UInt8], output: [UInt8], width: Int, height: Int) -> PerceptualFrameScore {
        guard !tools.isEmpty else { return PerceptualFrameScore() }
        guard min(width, height) >= PerceptualTools.minimumSide else {
            fail(&butteraugliFailed, "frames are \(width)x\(height); butteraugli and ssimulacra need at least \(PerceptualTools.minimumSide)x\(PerceptualTools.minimumSide)")
            ssimulacraFailed = true
            return PerceptualFrameScore()
        }
        let ref = "\(dir)/reference.ppm", out = "\(dir)/gif.ppm"
        do {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            try Data(PPMWriter.encode(rgb: reference, width: width, height: height)).write(to: URL(fileURLWithPath: ref))
            try Data(PPMWriter.encode(rgb: output, width: width, height: height)).write(to: URL(fileURLWithPath: out))
        } catch {
            fail(&butteraugliFailed, "could not write the frames for butteraugli/ssimulacra: \(error)")
            ssimulacraFailed = true
            return PerceptualFrameScore()
        }
        let results = Results()
        let tools = self.tools
        DispatchQueue.concurrentPerform(iterations: 2) { job in
            if job == 0, let b = tools.butteraugli {
                results.butteraugli = Result { try PerceptualTools.parseButteraugli(ExternalTools.output(b, [ref, out])) }
            } else if job == 1, let s = tools.ssimulacra {
                results.ssimulacra = Result { try PerceptualTools.parseSsimulacra(ExternalTools.output(s, [ref, out])) }
            }
        }
        var frame = PerceptualFrameScore()
        switch results.butteraugli {
        case let .success(v)?:
            frame.butteraugli = v.maxNorm
            frame.butteraugli3Norm = v.pNorm3
            maxSum += v.maxNorm
            pNormSum += v.pNorm3
        case let .failure(e)?: fail(&butteraugliFailed, "\(e)")
        case nil: break
        }
        switch results.ssimulacra {
        case let .success(v)?:
            frame.ssimulacra = v
            ssimulacraSum += v
        case let .failure(e)?: fail(&ssimulacraFailed, "\(e)")
        case nil: break
        }
        count += 1
        return frame
    }

    /// The means over the scored pairs; nil for a missing tool or one that failed on any pair.
    func means() -> PerceptualFrameScore {
        guard count > 0 else { return PerceptualFrameScore() }
        let n = Double(count)
        let b = tools.butteraugli != nil && !butteraugliFailed
        return PerceptualFrameScore(butteraugli: b ? maxSum / n : nil, butteraugli3Norm: b ? pNormSum / n : nil,
                                    ssimulacra: tools.ssimulacra != nil && !ssimulacraFailed ? ssimulacraSum / n : nil)
    }

    private func fail(_ flag: inout Bool, _ why: String) {
        if !flag { notes.append(why) }
        flag = true
    }

    /// Written by the two jobs of `add`, each to its own field, and read after both have finished.
    private final class Results: @unchecked Sendable {
        var butteraugli: Result<(maxNorm: Double, pNorm3: Double), Error>?
        var ssimulacra: Result<Double, Error>?
    }
}
