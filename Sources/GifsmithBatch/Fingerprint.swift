import Foundation
import Gifsmith
import GifsmithCore

/// What the journal remembers of an input and of the options it was converted with, so that a
/// rerun can tell "already done" from "changed since".
public enum Fingerprint {
    /// Bytes read from each end of an input: enough to notice a re-encode or a truncation
    /// without reading a multi-gigabyte file through.
    public static let edgeBytes = 64 * 1024

    /// SHA-256 over size, mtime (nanoseconds) and the first and last 64 KiB. Nil if the file
    /// cannot be read (the conversion then reports why).
    public static func input(path: String) -> String? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        let size = Int64(st.st_size)
        let mtime = Int64(st.st_mtim.tv_sec) * 1_000_000_000 + Int64(st.st_mtim.tv_nsec)
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        var h = SHA256()
        h.update("gifsmith-input-1|\(size)|\(mtime)|")
        do {
            h.update(try handle.read(upToCount: edgeBytes) ?? Data())
            if size > Int64(edgeBytes) {
                try handle.seek(toOffset: UInt64(max(Int64(edgeBytes), size - Int64(edgeBytes))))
                h.update(try handle.read(upToCount: edgeBytes) ?? Data())
            }
        } catch {
            return nil
        }
        return h.finalizeHex()
    }

    /// SHA-256 of the options that decide the output's bytes. Threads and backend are left out:
    /// every backend and thread count gives the same bytes, so changing them must not redo work.
    public static func options(_ o: ConvertOptions) -> String {
        struct Canonical: Encodable {
            // 2: quantizer, lossy and stability joined (they decide bytes too). 3: the stabilizer
            // gained its second rule, so one stability value now gives other bytes than before.
            var version = 3
            var width: Int?, height: Int?
            var crop: PixelRectCodable?
            var cropAspect: AspectRatio?
            var fps: FrameRate?
            var start: Double?, duration: Double?
            var colors: Int
            var dither: String, bayerScale: Int
            var palette: String
            var loop: String
            var filter: String
            var optimize: Bool
            var quantizer: String, lossy: Int, stability: Int?
            // nil for rgb: JSONEncoder leaves nil out, so hashes from before the option existed
            // stay valid (no version bump needed).
            var colorspace: String?
        }
        struct PixelRectCodable: Encodable { var x, y, w, h: Int }
        let loop: String
        switch o.loop {
        case .forever: loop = "forever"
        case .none: loop = "none"
        case let .count(n): loop = "\(n)"
        }
        let c = Canonical(
            width: o.width, height: o.height,
            crop: o.crop.map { PixelRectCodable(x: $0.x, y: $0.y, w: $0.width, h: $0.height) },
            cropAspect: o.crop == nil ? o.cropAspect : nil,
            fps: o.fps, start: o.start, duration: o.duration, colors: o.colors,
            dither: o.dither.method.rawValue, bayerScale: o.dither.method.isOrdered ? o.dither.bayerScale : 0,
            palette: o.paletteMode.rawValue, loop: loop, filter: o.filter.rawValue, optimize: o.optimize,
            quantizer: o.quantizer.rawValue, lossy: o.lossy, stability: o.stability,
            colorspace: o.colorspace == .rgb ? nil : o.colorspace.rawValue)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = (try? encoder.encode(c)) ?? Data()
        return SHA256.hex(data)
    }
}
