import CFFmpeg
import GifsmithCore

/// Where one colour component lives in an `AVFrame`, from FFmpeg's pixel format descriptor.
struct PixelComponent: Equatable {
    var plane: Int
    /// Bytes between horizontally adjacent samples.
    var step: Int
    /// Byte offset of the first sample in a row.
    var offset: Int
    /// Bits to shift a 16-bit sample right (P010 keeps its 10 bits at the top).
    var shift: Int
    var depth: Int

    /// Readable by `FrameExtractor.readComponent`: whole bytes, or little-endian 16-bit words.
    var isDirectlyReadable: Bool {
        if depth == 8 { return shift == 0 && step >= 1 }
        return depth > 8 && depth <= 16 && shift + depth <= 16 && step >= 2
    }
}

/// How frames of one pixel format become three 8-bit planes.
enum ExtractionPlan {
    /// Kept as YUV: planar, semi-planar (NV12, P010) or packed 4:2:2, 8 to 16 bits.
    case yuv(y: PixelComponent, u: PixelComponent, v: PixelComponent, shiftX: Int, shiftY: Int)
    /// R, G, B (and alpha) readable in place: RGB24, BGRA (GIF), RGBA (PNG), GBRP, RGB48...
    case rgb(r: PixelComponent, g: PixelComponent, b: PixelComponent, alpha: PixelComponent?)
    /// Grey, optionally with alpha (PNG): R = G = B.
    case gray(PixelComponent, alpha: PixelComponent?)
    /// 8-bit palette with ARGB entries (PNG palettes).
    case palette
    /// Everything else goes through libswscale to GBRP, or GBRAP when there is alpha.
    case swscale(alpha: Bool)

    static func make(for format: AVPixelFormat) -> ExtractionPlan {
        guard let desc = av_pix_fmt_desc_get(format) else { return .swscale(alpha: false) }
        let d = desc.pointee
        let flags = d.flags
        let hasAlpha = flags & UInt64(AV_PIX_FMT_FLAG_ALPHA) != 0
        if flags & UInt64(AV_PIX_FMT_FLAG_PAL) != 0 {
            return format == AV_PIX_FMT_PAL8 ? .palette : .swscale(alpha: hasAlpha)
        }
        let unusual = UInt64(AV_PIX_FMT_FLAG_BITSTREAM | AV_PIX_FMT_FLAG_HWACCEL | AV_PIX_FMT_FLAG_BAYER
            | AV_PIX_FMT_FLAG_FLOAT | AV_PIX_FMT_FLAG_BE)
        let name = cString(d.name, or: "")
        guard flags & unusual == 0, !name.hasPrefix("xyz") else { return .swscale(alpha: hasAlpha) }

        let count = Int(d.nb_components)
        var comps: [PixelComponent] = []
        withUnsafeBytes(of: d.comp) { raw in
            let all = raw.bindMemory(to: AVComponentDescriptor.self)
            for i in 0..<count {
                let c = all[i]
                comps.append(PixelComponent(plane: Int(c.plane), step: Int(c.step), offset: Int(c.offset),
                                            shift: Int(c.shift), depth: Int(c.depth)))
            }
        }
        guard comps.allSatisfy(\.isDirectlyReadable) else { return .swscale(alpha: hasAlpha) }

        if flags & UInt64(AV_PIX_FMT_FLAG_RGB) != 0 {
            guard count >= 3 else { return .swscale(alpha: hasAlpha) }
            return .rgb(r: comps[0], g: comps[1], b: comps[2], alpha: hasAlpha && count == 4 ? comps[3] : nil)
        }
        if count == 1 { return .gray(comps[0], alpha: nil) }
        if count == 2 && hasAlpha { return .gray(comps[0], alpha: comps[1]) }
        // Alpha YUV is composited in RGB, and 4:1:1/4:1:0 subsampling is outside the layouts
        // the convert stage accepts: both go through swscale.
        if count == 3 && !hasAlpha && d.log2_chroma_w <= 1 && d.log2_chroma_h <= 1 {
            return .yuv(y: comps[0], u: comps[1], v: comps[2], shiftX: Int(d.log2_chroma_w), shiftY: Int(d.log2_chroma_h))
        }
        return .swscale(alpha: hasAlpha)
    }
}

/// Colour facts for YUV frames that the frame itself may not carry.
struct ColorFallback {
    var matrix: ColorMatrix
    var range: ColorRange
}

/// Turns decoded `AVFrame`s into tight 8-bit planes.
///
/// Alpha is composited over black: out = round(c·a/255), so fully transparent pixels are
/// black whatever colour the encoder left under them, which keeps output deterministic.
/// More than 8 bits are reduced with round-half-up, (v + 2^(d−9)) >> (d−8), clamped to 255.
final class FrameExtractor {
    private var plans: [Int32: ExtractionPlan] = [:]
    private var sws: OpaquePointer?
    private var scaled: UnsafeMutablePointer<AVFrame>?

    init() {}

    deinit {
        sws_freeContext(sws)
        av_frame_free(&scaled)
    }

    func plan(for format: AVPixelFormat) -> ExtractionPlan {
        if let p = plans[format.rawValue] { return p }
        let p = ExtractionPlan.make(for: format)
        plans[format.rawValue] = p
        return p
    }

    /// The frame's pixels as three planes (not yet rotated), with `pts`/`duration` left 0.
    /// With `borrow`, 8-bit planar YUV is read in place (a new reference to the decoder's picture,
    /// rows `linesize` apart) instead of copied into tight planes.
    func extract(_ frame: UnsafeMutablePointer<AVFrame>, fallback: ColorFallback, name: String, borrow: Bool = false) throws -> PlanarFrame {
        let format = AVPixelFormat(rawValue: frame.pointee.format)
        let w = Int(frame.pointee.width)
        let h = Int(frame.pointee.height)
        guard w > 0, h > 0 else { throw MediaError.corrupt(path: name, detail: "the decoder returned an empty picture") }

        switch plan(for: format) {
        case let .yuv(y, u, v, sx, sy):
            let cw = (w + (1 << sx) - 1) >> sx
            let ch = (h + (1 << sy) - 1) >> sy
            let matrix = ColorTags.matrix(frame.pointee.colorspace) ?? fallback.matrix
            let range = ColorTags.range(frame.pointee.color_range, pixelFormat: format) ?? fallback.range
            let layout = PlaneLayout.yuv(chromaShiftX: sx, chromaShiftY: sy, matrix: matrix, range: range, siting: ColorTags.siting)
            if borrow, let planes = Self.borrowPlanes(frame, [y, u, v], widths: [w, cw, cw], heights: [h, ch, ch]) {
                return PlanarFrame(width: w, height: h, layout: layout, borrowing: planes.planes, strides: planes.strides, pts: 0)
            }
            let planes = [
                Self.readPlane(y, frame, width: w, height: h),
                Self.readPlane(u, frame, width: cw, height: ch),
                Self.readPlane(v, frame, width: cw, height: ch),
            ]
            return PlanarFrame(width: w, height: h, layout: layout, planes: planes, strides: [w, cw, cw], pts: 0)

        case let .rgb(r, g, b, alpha):
            return Self.rgbFrame(frame, r: r, g: g, b: b, alpha: alpha, width: w, height: h)

        case let .gray(c, alpha):
            // Untagged grey (PNG) is full range; grey tagged limited needs expanding, which
            // swscale does.
            if frame.pointee.color_range == AVCOL_RANGE_MPEG {
                return try viaSwscale(frame, alpha: alpha != nil, fallback: fallback, name: name)
            }
            var luma = Self.readPlane(c, frame, width: w, height: h)
            if let alpha {
                let a = Self.readPlane(alpha, frame, width: w, height: h)
                Self.compositeOverBlack(&luma, alpha: a)
            }
            return PlanarFrame(width: w, height: h, layout: .rgb, planes: [luma, luma, luma], strides: [w, w, w], pts: 0)

        case .palette:
            return Self.paletteFrame(frame, width: w, height: h)

        case let .swscale(alpha):
            return try viaSwscale(frame, alpha: alpha, fallback: fallback, name: name)
        }
    }

    // MARK: - Direct reads

    /// A new reference to `frame`'s picture as borrowed planes, when the three components are
    /// whole bytes in planes of their own, rows top-down, and the picture is reference-counted
    /// (the decoder's pool takes it back once the frame is released). Nil otherwise: copy.
    static func borrowPlanes(_ frame: UnsafeMutablePointer<AVFrame>, _ comps: [PixelComponent], widths: [Int], heights: [Int])
        -> (planes: BorrowedPlanes, strides: [Int])? {
        guard frame.pointee.buf.0 != nil, Set(comps.map(\.plane)).count == 3,
              comps.allSatisfy({ $0.depth == 8 && $0.step == 1 && $0.offset == 0 && $0.shift == 0 }) else { return nil }
        var strides: [Int] = []
        for (i, c) in comps.enumerated() {
            let lineSize = Int(gs_frame_linesize(frame, Int32(c.plane)))
            guard lineSize >= widths[i], gs_frame_data(frame, Int32(c.plane)) != nil else { return nil }
            strides.append(lineSize)
        }
        guard let reference = av_frame_clone(frame) else { return nil }
        let bases = comps.map { UnsafePointer(gs_frame_data(reference, Int32($0.plane))!) }
        let counts = (0..<3).map { strides[$0] * (heights[$0] - 1) + widths[$0] }
        let planes = BorrowedPlanes(bases: bases, counts: counts) {
            var owned: UnsafeMutablePointer<AVFrame>? = reference
            av_frame_free(&owned)
        }
        return (planes, strides)
    }

    /// Copies one component into a tight `width`×`height` plane, reducing to 8 bits.
    static func readPlane(_ c: PixelComponent, _ frame: UnsafeMutablePointer<AVFrame>, width: Int, height: Int) -> [UInt8] {
        let base = gs_frame_data(frame, Int32(c.plane))!
        let lineSize = Int(gs_frame_linesize(frame, Int32(c.plane)))
        return [UInt8](unsafeUninitializedCapacity: width * height) { out, initialized in
            let dst = out.baseAddress!
            for y in 0..<height {
                // Linesize may be negative (bottom-up pictures); pointer arithmetic handles it.
                let row = base + y * lineSize + c.offset
                let dstRow = dst + y * width
                if c.depth == 8 {
                    if c.step == 1 {
                        dstRow.update(from: row, count: width)
                    } else {
                        let step = c.step
                        for x in 0..<width { dstRow[x] = row[x * step] }
                    }
                } else {
                    reduceRow(UnsafeRawPointer(row), step: c.step, shift: c.shift, depth: c.depth, into: dstRow, count: width)
                }
            }
            initialized = width * height
        }
    }

    /// 9…16-bit little-endian samples to 8 bits, round half up.
    @inline(__always)
    static func reduceRow(_ row: UnsafeRawPointer, step: Int, shift: Int, depth: Int, into dst: UnsafeMutablePointer<UInt8>, count: Int) {
        let down = depth - 8           // 1...8
        let bias = 1 << (down - 1)     // half of the dropped step
        let mask = (1 << depth) - 1
        for x in 0..<count {
            let word = Int(UInt16(littleEndian: row.loadUnaligned(fromByteOffset: x * step, as: UInt16.self)))
            let v = (word >> shift) & mask
            // v ≤ 65535 and bias ≤ 128, so the sum fits any Int; the quotient is ≤ 256.
            let r = (v + bias) >> down
            dst[x] = UInt8(truncatingIfNeeded: r > 255 ? 255 : r)
        }
    }

    /// c' = round(c·a/255) over black, exactly: with t = c·a + 128, (t + (t >> 8)) >> 8 equals
    /// (c·a + 127) / 255 for all c, a in 0...255 (checked exhaustively); c·a ≤ 65025.
    static func compositeOverBlack(_ plane: inout [UInt8], alpha: [UInt8]) {
        plane.withUnsafeMutableBufferPointer { p in
            alpha.withUnsafeBufferPointer { a in
                for i in 0..<p.count {
                    let av = Int(a[i])
                    if av == 255 { continue }
                    p[i] = premultiply(Int(p[i]), av)
                }
            }
        }
    }

    /// round(c·a/255) for c, a in 0...255; see `compositeOverBlack`.
    @inline(__always)
    static func premultiply(_ c: Int, _ a: Int) -> UInt8 {
        let t = c * a + 128   // ≤ 65153
        return UInt8(truncatingIfNeeded: (t + (t >> 8)) >> 8)
    }

    static func rgbFrame(_ frame: UnsafeMutablePointer<AVFrame>, r: PixelComponent, g: PixelComponent, b: PixelComponent,
                         alpha: PixelComponent?, width w: Int, height h: Int) -> PlanarFrame {
        var planes = [readPlane(r, frame, width: w, height: h),
                      readPlane(g, frame, width: w, height: h),
                      readPlane(b, frame, width: w, height: h)]
        if let alpha {
            let a = readPlane(alpha, frame, width: w, height: h)
            for i in 0..<3 { compositeOverBlack(&planes[i], alpha: a) }
        }
        return PlanarFrame(width: w, height: h, layout: .rgb, planes: planes, strides: [w, w, w], pts: 0)
    }

    /// PAL8: data[1] holds 256 native-endian 0xAARRGGBB entries.
    static func paletteFrame(_ frame: UnsafeMutablePointer<AVFrame>, width w: Int, height h: Int) -> PlanarFrame {
        let indices = gs_frame_data(frame, 0)!
        let lineSize = Int(gs_frame_linesize(frame, 0))
        let palette = UnsafeRawPointer(gs_frame_data(frame, 1)!).bindMemory(to: UInt32.self, capacity: 256)
        // Pre-composite the 256 entries once instead of every pixel.
        var lut = [UInt8](repeating: 0, count: 256 * 3)
        for i in 0..<256 {
            let e = Int(palette[i])
            let a = (e >> 24) & 255
            lut[i * 3] = premultiply((e >> 16) & 255, a)
            lut[i * 3 + 1] = premultiply((e >> 8) & 255, a)
            lut[i * 3 + 2] = premultiply(e & 255, a)
        }
        var rp = [UInt8](repeating: 0, count: w * h)
        var gp = rp
        var bp = rp
        lut.withUnsafeBufferPointer { l in
            rp.withUnsafeMutableBufferPointer { r in
                gp.withUnsafeMutableBufferPointer { g in
                    bp.withUnsafeMutableBufferPointer { b in
                        for y in 0..<h {
                            let row = indices + y * lineSize
                            for x in 0..<w {
                                let k = Int(row[x]) * 3
                                r[y * w + x] = l[k]
                                g[y * w + x] = l[k + 1]
                                b[y * w + x] = l[k + 2]
                            }
                        }
                    }
                }
            }
        }
        return PlanarFrame(width: w, height: h, layout: .rgb, planes: [rp, gp, bp], strides: [w, w, w], pts: 0)
    }

    // MARK: - libswscale fallback

    private func viaSwscale(_ frame: UnsafeMutablePointer<AVFrame>, alpha: Bool, fallback: ColorFallback, name: String) throws -> PlanarFrame {
        let w = frame.pointee.width
        let h = frame.pointee.height
        let target = alpha ? AV_PIX_FMT_GBRAP : AV_PIX_FMT_GBRP
        // Bit-exact, accurate rounding and full chroma: the same bytes on every CPU.
        let flags = SWS_BICUBIC | SWS_ACCURATE_RND | SWS_BITEXACT | SWS_FULL_CHR_H_INT | SWS_FULL_CHR_H_INP
        sws = sws_getCachedContext(sws, w, h, AVPixelFormat(rawValue: frame.pointee.format), w, h, target, flags, nil, nil, nil)
        guard let sws else {
            let fmt = cString(av_get_pix_fmt_name(AVPixelFormat(rawValue: frame.pointee.format)), or: "unknown")
            throw MediaError.decodeFailed(path: name, reason: "cannot convert pixel format \(fmt) to RGB")
        }
        let space: Int32
        switch ColorTags.matrix(frame.pointee.colorspace) ?? fallback.matrix {
        case .bt601: space = SWS_CS_ITU601
        case .bt709: space = SWS_CS_ITU709
        case .bt2020: space = SWS_CS_BT2020
        }
        let format = AVPixelFormat(rawValue: frame.pointee.format)
        let full: Int32
        if let desc = av_pix_fmt_desc_get(format), desc.pointee.flags & UInt64(AV_PIX_FMT_FLAG_RGB) != 0 {
            full = 1
        } else {
            let r = ColorTags.range(frame.pointee.color_range, pixelFormat: format)
            let isGray = (av_pix_fmt_desc_get(format)?.pointee.nb_components ?? 3) <= 2
            full = (r ?? (isGray ? .full : fallback.range)) == .full ? 1 : 0
        }
        let coefficients = sws_getCoefficients(space)
        _ = sws_setColorspaceDetails(sws, coefficients, full, sws_getCoefficients(SWS_CS_DEFAULT), 1, 0, 1 << 16, 1 << 16)

        if scaled == nil { scaled = av_frame_alloc() }
        guard let dst = scaled else { throw MediaError.decodeFailed(path: name, reason: "out of memory") }
        av_frame_unref(dst)
        dst.pointee.format = target.rawValue
        dst.pointee.width = w
        dst.pointee.height = h
        let r = sws_scale_frame(sws, dst, frame)
        guard r >= 0 else {
            throw MediaError.decodeFailed(path: name, reason: "pixel format conversion failed: \(avErrorString(r))")
        }
        guard case let .rgb(rc, gc, bc, ac) = plan(for: target) else {
            throw MediaError.decodeFailed(path: name, reason: "GBRP is not planar RGB")
        }
        let out = Self.rgbFrame(dst, r: rc, g: gc, b: bc, alpha: ac, width: Int(w), height: Int(h))
        av_frame_unref(dst)
        return out
    }
}
