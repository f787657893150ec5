import Foundation
import Gifsmith
import GifsmithAPI
import GifsmithGIF
import GifsmithMedia

/// Pieces the workflows share.
enum Steps {
    /// A private folder for intermediate files, removed by the caller.
    static func scratch() throws -> String {
        let dir = NSTemporaryDirectory() + "gifsmith-work-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        do { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) } catch {
            throw WorkflowError(.output, "cannot create a work folder: \(error.localizedDescription)")
        }
        return dir
    }

    static func apiProgress(_ progress: @escaping (WorkflowEvent) -> Void) -> (APIProgress) -> Void {
        { p in
            switch p {
            case let .status(id, status, elapsed): progress(.job(id: id, status: status, elapsed: elapsed))
            case let .submitted(id): progress(.step("submitted job \(id)"))
            case let .retrying(why): progress(.retry(why))
            case let .downloading(url): progress(.step("downloading \(url)"))
            case .refreshingURL: progress(.warning("the video URL expired; asking for a fresh one"))
            }
        }
    }

    /// Converts `video` to a GIF at `output`.
    static func gif(_ video: String, _ output: String, options: ConvertOptions, progress: @escaping (WorkflowEvent) -> Void) throws -> TranscodeResult {
        progress(.step("converting to GIF"))
        return try Transcoder(options: options).convert(input: video, output: output) { e in
            switch e {
            case let .progress(phase, done, total): progress(.transcode(phase: phase.rawValue, done: done, total: total))
            case let .warning(w): progress(.warning(w))
            default: break
            }
        }
    }

    /// Mean absolute difference of the first and last frames of a GIF, 0...255.
    static func loopDifference(_ gif: String) throws -> Double {
        guard let data = FileManager.default.contents(atPath: gif) else { throw WorkflowError(.output, "cannot read back \(gif)") }
        let image = try GIFReader.decode([UInt8](data))
        guard let first = image.frames.first, let last = image.frames.last, first.rgb.count == last.rgb.count, !first.rgb.isEmpty else { return 0 }
        var sum = 0
        for i in 0..<first.rgb.count { sum += abs(Int(first.rgb[i]) - Int(last.rgb[i])) }
        return Double(sum) / Double(first.rgb.count)
    }

    /// The centred crop of a `vw`x`vh` video with the aspect of `w`x`h`.
    static func coverCrop(videoWidth vw: Int, videoHeight vh: Int, width w: Int, height h: Int) -> PixelRect {
        if vw * h > vh * w {
            let cw = max(1, min(vw, (vh * w + h / 2) / h))
            return PixelRect(x: (vw - cw) / 2, y: 0, width: cw, height: vh)
        }
        let ch = max(1, min(vh, (vw * h + w / 2) / w))
        return PixelRect(x: 0, y: (vh - ch) / 2, width: vw, height: ch)
    }
}
