import CTurboJPEG
import CamsiftCore

/// JPEG → model-input RGB.
///
/// Why this shape: DCT-domain scaling (libjpeg's `scale_num/scale_denom`; the M/8 factors TurboJPEG lists
/// via `tjGetScalingFactors`) skips most of the IDCT and colour conversion for pixels the model would throw
/// away, so we decode at the smallest factor whose output still covers the target (never upsampling), then
/// finish with a cheap ≤1.34× bilinear resample to the exact size. For a centre-crop of a wide frame only
/// the columns the crop keeps are decoded (`jpeg_crop_scanline`: 25% less IDCT/colour work for 4:3, 44% for
/// 16:9). Headers are read with TurboJPEG; the windowed decode is libjpeg behind a C shim whose setjmp
/// never lets libjpeg's longjmp cross a Swift frame (`cturbojpeg_decode_window`).
///
/// Not `Sendable`: it owns a `tjhandle`, a libjpeg decompressor and scratch buffers, so use one per thread.
public final class JPEGDecoder {
    private var handle: tjhandle
    private let window: UnsafeMutablePointer<cturbojpeg_window_ctx>
    private var scaled: [UInt8] = []
    private var resampler = RGBResampler()
    /// Largest source image accepted, in pixels (default 50 Mpix, above 8K). Guards against headers that
    /// claim 65535×65535 to make us allocate gigabytes.
    public var maxPixels = 50_000_000
    /// The scaling factor used by the last `decode`, for tests and the benchmark (`tjbench -scale M/N`).
    public private(set) var lastScale: (num: Int, denom: Int) = (1, 1)

    /// TurboJPEG's factors that reduce (≤ 1/1), smallest first.
    static let reducingFactors: [(num: Int, denom: Int)] = {
        var n: Int32 = 0
        guard let p = tjGetScalingFactors(&n) else { return [(1, 1)] }
        var out: [(num: Int, denom: Int)] = []
        for i in 0..<Int(n) where p[i].num <= p[i].denom {
            out.append((Int(p[i].num), Int(p[i].denom)))
        }
        return out.sorted { Double($0.num) / Double($0.denom) < Double($1.num) / Double($1.denom) }
    }()

    public init() throws {
        guard let h = tjInitDecompress() else {
            throw MediaError(.outOfMemory, "tjInitDecompress failed; the process is out of memory or libturbojpeg is broken; reinstall libturbojpeg0")
        }
        guard let w = cturbojpeg_window_create() else {
            tjDestroy(h)
            throw MediaError(.outOfMemory, "cannot allocate a libjpeg decompressor; the process is out of memory")
        }
        handle = h
        window = w
    }

    deinit {
        tjDestroy(handle)
        cturbojpeg_window_destroy(window)
    }

    /// Reads the frame header only (no entropy decoding): width and height in pixels.
    public func header(_ jpeg: UnsafeRawBufferPointer) throws -> (width: Int, height: Int) {
        let h = try readHeader(jpeg)
        return (h.width, h.height)
    }

    /// The smallest DCT scaling factor that keeps the decoded image at or above what `fit` needs for a
    /// `width`×`height` output; 1/1 when even that is too small (the resampler then upsamples).
    public static func scale(
        sourceWidth: Int, sourceHeight: Int, width: Int, height: Int, fit: FitMode, cropFraction: Double = 1
    ) -> (num: Int, denom: Int) {
        let need = FitGeometry(sourceWidth: sourceWidth, sourceHeight: sourceHeight, width: width, height: height,
                               fit: fit, cropFraction: cropFraction).minimumSourceScale
        // TJSCALED rounds up, so a factor ≥ the needed scale always yields enough pixels.
        for f in reducingFactors where Double(f.num) / Double(f.denom) >= need - 1e-9 { return f }
        return (1, 1)
    }

    /// Decodes with DCT scaling to the smallest scale ≥ the target, then resizes (crop or letterbox) to exactly
    /// `width`×`height` RGB.
    ///
    /// Throws `MediaError` with code `.truncated` (data ends early), `.undecodable` (garbage, corrupt data),
    /// `.oversized` (beyond `maxPixels`) or `.invalidArgument`; never traps on bad input.
    public func decode(_ jpeg: UnsafeRawBufferPointer, width: Int, height: Int, fit: FitMode,
                       cropFraction: Double = 1) throws -> DecodedFrame {
        guard width > 0, height > 0, width <= 8192, height <= 8192 else {
            throw MediaError(.invalidArgument, "target size \(width)x\(height) is out of range; use 1...8192 per side (config inputSize)")
        }
        let h = try readHeader(jpeg)
        let f = Self.scale(sourceWidth: h.width, sourceHeight: h.height, width: width, height: height, fit: fit,
                           cropFraction: cropFraction)
        lastScale = f
        let sw = (h.width * f.num + f.denom - 1) / f.denom
        let sh = (h.height * f.num + f.denom - 1) / f.denom
        let pitch = sw * 3
        if scaled.count < pitch * sh { scaled = [UInt8](repeating: 0, count: pitch * sh) }
        // Centre-crop of a wide frame: decode only the columns the resampler reads (plus a 2-pixel margin for
        // its taps); libjpeg widens the window to iMCU boundaries and reports what it decoded.
        let full = FitGeometry(sourceWidth: sw, sourceHeight: sh, width: width, height: height, fit: fit,
                               cropFraction: cropFraction)
        let wantX = max(0, Int(full.sourceX.rounded(.down)) - 2)
        let wantW = min(sw - wantX, Int((full.sourceX + full.sourceWidth).rounded(.up)) + 2 - wantX)
        var r = cturbojpeg_window_result()
        let base = jpeg.baseAddress!.assumingMemoryBound(to: UInt8.self)
        let rc = scaled.withUnsafeMutableBufferPointer { out in
            cturbojpeg_decode_window(window, base, UInt(jpeg.count), Int32(f.num), Int32(f.denom), Int32(wantX), Int32(wantW),
                                     0, out.baseAddress, Int32(pitch), Int32(sw), Int32(sh), &r)
        }
        try classify(rc, r, jpeg)
        let winW = Int(r.out_w), winH = Int(r.out_h), winX = Int(r.out_x)
        guard winW > 0, winH > 0, winX + winW <= sw, winH <= sh else {
            throw MediaError(.undecodable, "JPEG decoded to an unexpected \(winW)x\(winH) window; the frame is corrupt")
        }
        var g = full
        g.sourceX -= Double(winX)
        let rgb = [UInt8](unsafeUninitializedCapacity: width * height * 3) { buf, n in
            let dst = buf.baseAddress!
            if fit == .letterbox {
                // Only the bars: the resampler writes every byte of the target rectangle.
                let row = width * 3
                dst.initialize(repeating: 0, count: g.targetY * row)
                let below = (g.targetY + g.targetHeight) * row
                (dst + below).initialize(repeating: 0, count: height * row - below)
                let right = (g.targetX + g.targetWidth) * 3
                for y in g.targetY..<(g.targetY + g.targetHeight) {
                    (dst + y * row).initialize(repeating: 0, count: g.targetX * 3)
                    (dst + y * row + right).initialize(repeating: 0, count: row - right)
                }
            }
            scaled.withUnsafeBufferPointer { src in
                resampler.resample(src: src.baseAddress!, width: winW, height: winH, pitch: pitch, into: dst,
                                   dstWidth: width, geometry: g)
            }
            n = width * height * 3
        }
        return DecodedFrame(width: width, height: height, rgb: rgb)
    }

    /// The `region` of the frame at full resolution (scale 1/1, no resampling): exactly the pixels of a whole
    /// decode inside `Region.pixels(width:height:)`. This is a region camera's one cut-out, re-encoded once
    /// (`RegionFrame`); the model input is decoded from that JPEG, not from this.
    ///
    /// Only rows above the region's bottom edge are decoded (stopping early changes no pixel), and only columns
    /// near it: the window is widened by 16 pixels each side (one 4:2:0 iMCU) so libjpeg's edge handling of a
    /// cropped scanline never touches a pixel that is kept.
    public func decodeRegion(_ jpeg: UnsafeRawBufferPointer, region: Region) throws -> DecodedFrame {
        let h = try readHeader(jpeg)
        let rect = region.pixels(width: h.width, height: h.height)
        let wantX = max(0, rect.x - 16)
        let wantW = min(h.width, rect.x + rect.width + 16) - wantX
        let rows = rect.y + rect.height
        let pitch = h.width * 3
        if scaled.count < pitch * rows { scaled = [UInt8](repeating: 0, count: pitch * rows) }
        var r = cturbojpeg_window_result()
        let base = jpeg.baseAddress!.assumingMemoryBound(to: UInt8.self)
        let rc = scaled.withUnsafeMutableBufferPointer { out in
            cturbojpeg_decode_window(window, base, UInt(jpeg.count), 1, 1, Int32(wantX), Int32(wantW),
                                     Int32(rows), out.baseAddress, Int32(pitch), Int32(h.width), Int32(h.height), &r)
        }
        try classify(rc, r, jpeg)
        let winX = Int(r.out_x), winW = Int(r.out_w), winH = Int(r.out_h)
        guard winH == rows, winX <= rect.x, winX + winW >= rect.x + rect.width, winX + winW <= h.width else {
            throw MediaError(.undecodable, "JPEG decoded to an unexpected \(winW)x\(winH)+\(winX)+0 window "
                             + "for region \(rect); the frame is corrupt")
        }
        let row = rect.width * 3
        let rgb = [UInt8](unsafeUninitializedCapacity: rect.height * row) { buf, n in
            scaled.withUnsafeBufferPointer { src in
                for y in 0..<rect.height {
                    (buf.baseAddress! + y * row).initialize(
                        from: src.baseAddress! + (rect.y + y) * pitch + (rect.x - winX) * 3, count: row)
                }
            }
            n = rect.height * row
        }
        return DecodedFrame(width: rect.width, height: rect.height, rgb: rgb)
    }

    /// Decodes to `geometry`'s size, fit and crop fraction: the one JPEG → model-input framing, used alike by
    /// ingest, training, eval and `camsift classify`.
    public func decode(_ jpeg: UnsafeRawBufferPointer, geometry g: InputGeometry) throws -> DecodedFrame {
        try decode(jpeg, width: g.size, height: g.size, fit: g.fit, cropFraction: g.cropFraction)
    }

    /// libjpeg-turbo 2.1 can leave a handle unusable after a fatal error inside `jpeg_read_header` (the next
    /// good JPEG then fails with the previous error's text), so a handle that failed is replaced. Failures are
    /// rare (bad frames), `tjInitDecompress` costs microseconds.
    private func renewHandle() {
        if let h = tjInitDecompress() {
            tjDestroy(handle)
            handle = h
        }
    }

    private func readHeader(_ jpeg: UnsafeRawBufferPointer) throws -> (width: Int, height: Int) {
        guard jpeg.count >= 4, let base = jpeg.baseAddress else {
            throw MediaError(.truncated, "JPEG is \(jpeg.count) bytes, too short to hold a header; the camera sent an empty or cut-off frame")
        }
        guard jpeg[0] == 0xFF, jpeg[1] == 0xD8 else {
            throw MediaError(.undecodable, "data does not start with a JPEG SOI marker (got \(hex(jpeg[0])) \(hex(jpeg[1]))); the URL serves something other than JPEG (an HTML error page?), check the camera kind and path")
        }
        var w: Int32 = 0, hh: Int32 = 0, sub: Int32 = 0, cs: Int32 = 0
        if tjDecompressHeader3(handle, base.assumingMemoryBound(to: UInt8.self), UInt(jpeg.count), &w, &hh, &sub, &cs) != 0 {
            let text = errorText()
            let tjCode = tjGetErrorCode(handle)
            renewHandle()
            let code: MediaError.Code = hasEOI(jpeg) ? .undecodable : .truncated
            throw MediaError(code, "JPEG header unreadable; the frame is corrupt or cut off",
                             cause: .init(library: "turbojpeg", code: tjCode, text: text))
        }
        guard w > 0, hh > 0 else {
            // libjpeg reports a header cut off before the frame size as 0×0 rather than failing.
            throw MediaError(hasEOI(jpeg) ? .undecodable : .truncated,
                             "JPEG header declares \(w)x\(hh) pixels; the frame is corrupt or cut off before its size")
        }
        guard Int(w) * Int(hh) <= maxPixels else {
            throw MediaError(.oversized, "JPEG is \(w)x\(hh) pixels, above the \(maxPixels)-pixel limit; lower the camera's resolution or raise JPEGDecoder.maxPixels")
        }
        return (Int(w), Int(hh))
    }

    /// Turns libjpeg's outcome into an error, unless it only warned about something harmless.
    ///
    /// A truncated file still "decodes" (libjpeg pads it with grey rows) but raises the warning "Premature end
    /// of JPEG file": that is a `truncated` reject. Extraneous bytes before a marker (common in camera
    /// firmware) leave the image intact, so those frames are kept; other warnings mean corrupt data.
    private func classify(_ rc: Int32, _ r: cturbojpeg_window_result, _ jpeg: UnsafeRawBufferPointer) throws {
        var result = r
        let text = withUnsafeBytes(of: &result.message) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        let cause = MediaError.Cause(library: "libjpeg", code: r.last_code, text: text)
        if rc != 0 {
            throw MediaError(hasEOI(jpeg) ? .undecodable : .truncated, "JPEG could not be decoded; the frame is corrupt or cut off", cause: cause)
        }
        if r.hit_eof != 0 || (r.serious > 0 && !hasEOI(jpeg)) {
            throw MediaError(.truncated, "JPEG data ends early (\(jpeg.count) bytes, no complete scan); the camera or network cut the frame off", cause: cause)
        }
        if r.serious > 0 {
            throw MediaError(.undecodable, "JPEG data is corrupt; the frame was damaged in transit or by the camera", cause: cause)
        }
    }

    private func errorText() -> String { String(cString: tjGetErrorStr2(handle)) }

    /// Whether the data ends with the EOI marker (allowing trailing padding some cameras add).
    private func hasEOI(_ jpeg: UnsafeRawBufferPointer) -> Bool {
        let n = jpeg.count
        var i = n - 1
        while i > 0 && n - i < 64 {
            if jpeg[i - 1] == 0xFF && jpeg[i] == 0xD9 { return true }
            i -= 1
        }
        return false
    }

    private func hex(_ b: UInt8) -> String {
        let d = Array("0123456789ABCDEF")
        return "0x" + String(d[Int(b >> 4)]) + String(d[Int(b & 15)])
    }
}
