/// How a source's YUV samples map to RGB.
///
/// The coefficients are integers in 1/4096 units, written out once here so that no
/// floating point is involved at run time (the Vulkan backend uploads the same numbers).
public enum ColorMatrix: String, Sendable, Codable, CaseIterable {
    case bt601
    case bt709
    case bt2020

    /// Untagged streams: BT.601 for SD, BT.709 for HD (height above 576 or width above 1024).
    public static func defaultFor(width: Int, height: Int) -> ColorMatrix {
        (height > 576 || width > 1024) ? .bt709 : .bt601
    }
}

public enum ColorRange: String, Sendable, Codable {
    /// Y in 16...235, Cb/Cr in 16...240 ("tv", "mpeg").
    case limited
    /// All of 0...255 ("pc", "jpeg").
    case full
}

/// Where 4:2:x chroma samples sit horizontally relative to luma.
public enum ChromaSiting: String, Sendable, Codable {
    /// MPEG-2/H.264/HEVC default: co-sited with the left luma sample.
    case left
    /// JPEG/MPEG-1: centred between luma samples.
    case center
}

/// Integer YUV→RGB coefficients (1/4096 units) for one matrix and range.
///
/// R = yScale·(Y−yOff) + rv·(V−128)
/// G = yScale·(Y−yOff) + gu·(U−128) + gv·(V−128)
/// B = yScale·(Y−yOff) + bu·(U−128)
public struct YUVCoefficients: Sendable, Equatable {
    public let yScale: Int32
    public let rv: Int32
    public let gu: Int32
    public let gv: Int32
    public let bu: Int32
    /// Luma black level in 8-bit units (16 for limited range, 0 for full).
    public let yOffset: Int32

    public static let shift: Int32 = 12

    public init(matrix: ColorMatrix, range: ColorRange) {
        // Derived from Kr/Kb of each standard; limited range scales luma by 255/219
        // and chroma by 255/224.
        let c: (Int32, Int32, Int32, Int32, Int32)
        switch (matrix, range) {
        case (.bt601, .limited): c = (4769, 6537, -1605, -3330, 8263)
        case (.bt601, .full): c = (4096, 5743, -1410, -2925, 7258)
        case (.bt709, .limited): c = (4769, 7343, -873, -2183, 8652)
        case (.bt709, .full): c = (4096, 6450, -767, -1917, 7601)
        case (.bt2020, .limited): c = (4769, 6876, -767, -2664, 8773)
        case (.bt2020, .full): c = (4096, 6040, -674, -2340, 7706)
        }
        (yScale, rv, gu, gv, bu) = c
        yOffset = range == .limited ? 16 : 0
    }
}
