import Foundation
import GifsmithMedia

/// `gifsmith probe`: what a source is, as data and as a few lines for people.
public enum Inspector {
    public static func probe(_ path: String) throws -> MediaInfo {
        do {
            return try MediaProbe.probe(path)
        } catch {
            throw GifsmithError.wrap(error)
        }
    }

    public static func describe(_ info: MediaInfo, path: String) -> String {
        func row(_ k: String, _ v: String) -> String { k.padding(toLength: 12, withPad: " ", startingAt: 0) + v + "\n" }
        var s = row("file", path)
        s += row("container", info.container)
        s += row("codec", info.codec)
        var size = "\(info.width)x\(info.height)"
        if info.rotationDegrees != 0 { size += " (coded \(info.codedWidth)x\(info.codedHeight), rotated \(info.rotationDegrees)°)" }
        s += row("size", size)
        s += row("duration", info.durationSeconds.map { String(format: "%.3f s", $0) } ?? "unknown")
        if info.isStillImage {
            s += row("fps", "still image")
        } else {
            let fps = info.frameRate.den > 0 ? Double(info.frameRate.num) / Double(info.frameRate.den) : 0
            var text = String(format: "%.3f (%d/%d)", fps, info.frameRate.num, info.frameRate.den)
            if info.isVariableFrameRate { text += ", variable" }
            s += row("fps", text)
        }
        if let n = info.estimatedFrameCount { s += row("frames", "\(n)") }
        s += row("pixels", "\(info.pixelFormat), \(info.bitDepth)-bit")
        s += row("matrix", info.colorMatrix.rawValue + (info.colorMatrixAssumed ? " (untagged: assumed from the frame size)" : ""))
        s += row("range", info.colorRange.rawValue + (info.rangeAssumed ? " (untagged: assumed)" : ""))
        s += row("rotation", "\(info.rotationDegrees)°")
        s += row("audio", info.hasAudio ? "yes (ignored)" : "no")
        return s
    }
}
