import CFFmpeg
import GifsmithCore

/// How FFmpeg's colour tags map to the core's colour description.
enum ColorTags {
    /// The matrix a colour-space tag names, nil when untagged or not one we convert
    /// (RGB/YCgCo/ICtCp fall back to the size rule like untagged streams).
    static func matrix(_ space: AVColorSpace) -> ColorMatrix? {
        switch space {
        case AVCOL_SPC_BT709: return .bt709
        case AVCOL_SPC_BT470BG, AVCOL_SPC_SMPTE170M, AVCOL_SPC_FCC: return .bt601
        case AVCOL_SPC_BT2020_NCL, AVCOL_SPC_BT2020_CL: return .bt2020
        // SMPTE 240M is within a rounding step of BT.709 at 8 bits.
        case AVCOL_SPC_SMPTE240M: return .bt709
        default: return nil
        }
    }

    /// The range a tag names; the yuvj* formats are full range by definition.
    static func range(_ range: AVColorRange, pixelFormat: AVPixelFormat) -> ColorRange? {
        if isJPEGFormat(pixelFormat) { return .full }
        switch range {
        case AVCOL_RANGE_JPEG: return .full
        case AVCOL_RANGE_MPEG: return .limited
        default: return nil
        }
    }

    /// Horizontal siting from the chroma location tag; untagged sources whose format defines
    /// centred chroma (JPEG/JFIF, MJPEG, MPEG-1, VP8/WebP, Theora) are centred, everything
    /// else co-sited left (the MPEG-2/H.264/HEVC default).
    static func siting(_ loc: AVChromaLocation, pixelFormat: AVPixelFormat, codec: AVCodecID) -> ChromaSiting {
        switch loc {
        case AVCHROMA_LOC_LEFT, AVCHROMA_LOC_TOPLEFT, AVCHROMA_LOC_BOTTOMLEFT: return .left
        case AVCHROMA_LOC_CENTER, AVCHROMA_LOC_TOP, AVCHROMA_LOC_BOTTOM: return .center
        default:
            let centred: Set<UInt32> = [AV_CODEC_ID_MJPEG.rawValue, AV_CODEC_ID_WEBP.rawValue, AV_CODEC_ID_VP8.rawValue,
                                        AV_CODEC_ID_MPEG1VIDEO.rawValue, AV_CODEC_ID_THEORA.rawValue]
            let jpegLike = isJPEGFormat(pixelFormat) || centred.contains(codec.rawValue)
            return jpegLike ? .center : .left
        }
    }

    static func isJPEGFormat(_ f: AVPixelFormat) -> Bool {
        switch f {
        case AV_PIX_FMT_YUVJ420P, AV_PIX_FMT_YUVJ422P, AV_PIX_FMT_YUVJ444P, AV_PIX_FMT_YUVJ440P, AV_PIX_FMT_YUVJ411P:
            return true
        default:
            return false
        }
    }
}
