import CTurboJPEG
import CamsiftCore

/// JPEG → model-input RGB with TurboJPEG.
///
/// Why this shape: DCT-domain scaling (libjpeg's `scale_num/scale_denom`, exposed as TurboJPEG scaling
/// factors M/8) skips most of the IDCT and colour conversion for pixels the model would throw away, so we
/// decode at the smallest factor whose output still covers the target (never upsampling), then finish with a
/// cheap ≤1.34× bilinear resample to the exact size. TurboJPEG rather than libjpeg because libjpeg's error
/// manager `exit()`s or needs setjmp/longjmp, which cannot cross Swift frames; TurboJPEG returns codes.
///
/// Not `Sendable`: it owns a `tjhandle` and scratch buffers, so use one per thread.
public final class JPEGDecoder {
    private var handle: tjhandle
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
        handle = h
    }

    deinit { tjDestroy(handle) }

    /// Reads the frame header only (no entropy decoding): width and height in pixels.
    public func header(_ jpeg: UnsafeRawBufferPointer) throws -> (width: Int, height: Int) {
        let h = try readHeader(jpeg)
        return (h.width, h.height)
    }

    /// The smallest DCT scaling factor that keeps the decoded image at or above what `fit` needs for a
    /// `width`×`height` output; 1/1 when even that is too small (the resampler then upsamples).
    public static func scale(
        sourceWidth: Int, sourceHeight: Int, width: Int, height: Int, fit: FitMode
    ) -> (num: Int, denom: Int) {
        let need = FitGeometry(sourceWidth: sourceWidth, sourceHeight: sourceHeight, width: width, height: height,
                               fit: fit).minimumSourceScale
        // TJSCALED rounds up, so a factor ≥ the needed scale always yields enough pixels.
        for f in reducingFactors where Double(f.num) / Double(f.denom) >= need - 1e-9 { return f }
        return (1, 1)
    }

    /// Decodes with DCT scaling to the smallest scale ≥ the target, then resizes (crop or letterbox) to exactly
    /// `width`×`height` RGB.
    ///
    /// Throws `MediaError` with code `.truncated` (data ends early), `.undecodable` (garbage, corrupt data),
    /// `.oversized` (beyond `maxPixels`) or `.invalidArgument`; never traps on bad input.
    public func decode(_ jpeg: UnsafeRawBufferPointer, width: Int, height: Int, fit: FitMode) throws -> DecodedFrame {
        guard width > 0, height > 0, width <= 8192, height <= 8192 else {
            throw MediaError(.invalidArgument, "target size \(width)x\(height) is out of range; use 1...8192 per side (config inputSize)")
        }
        let h = try readHeader(jpeg)
        let f = Self.scale(sourceWidth: h.width, sourceHeight: h.height, width: width, height: height, fit: fit)
        lastScale = f
        let sw = (h.width * f.num + f.denom - 1) / f.denom
        let sh = (h.height * f.num + f.denom - 1) / f.denom
        let pitch = sw * 3
        if scaled.count < pitch * sh { scaled = [UInt8](repeating: 0, count: pitch * sh) }
        let base = jpeg.baseAddress!.assumingMemoryBound(to: UInt8.self)
        let rc = scaled.withUnsafeMutableBufferPointer { out in
            tjDecompress2(handle, base, UInt(jpeg.count), out.baseAddress, Int32(sw), Int32(pitch), Int32(sh),
                          Int32(TJPF_RGB.rawValue), TJFLAG_LIMITSCANS)
        }
        if rc != 0 { try classifyFailure(jpeg) }

        let g = FitGeometry(sourceWidth: sw, sourceHeight: sh, width: width, height: height, fit: fit)
        let rgb = [UInt8](unsafeUninitializedCapacity: width * height * 3) { buf, n in
            let dst = buf.baseAddress!
            if fit == .letterbox { dst.initialize(repeating: 0, count: width * height * 3) }
            scaled.withUnsafeBufferPointer { src in
                resampler.resample(src: src.baseAddress!, width: sw, height: sh, pitch: pitch, into: dst,
                                   dstWidth: width, geometry: g)
            }
            n = width * height * 3
        }
        return DecodedFrame(width: width, height: height, rgb: rgb)
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

    /// Turns a failed `tjDecompress2` into an error, unless it only warned about something harmless.
    ///
    /// TurboJPEG returns -1 for warnings too (TJERR_WARNING): a truncated file decodes with grey rows at the
    /// bottom and the warning "Premature end of JPEG file". Extraneous bytes before a marker (common in camera
    /// firmware) leave the image intact, so those frames are kept.
    private func classifyFailure(_ jpeg: UnsafeRawBufferPointer) throws {
        let text = errorText()
        let code = tjGetErrorCode(handle)
        let cause = MediaError.Cause(library: "turbojpeg", code: code, text: text)
        if code != Int32(TJERR_WARNING.rawValue) { renewHandle() }
        if code == Int32(TJERR_WARNING.rawValue) {
            if text.contains("extraneous bytes") { return }
            if text.contains("Premature end") || !hasEOI(jpeg) {
                throw MediaError(.truncated, "JPEG data ends early (\(jpeg.count) bytes, no complete scan); the camera or network cut the frame off", cause: cause)
            }
            throw MediaError(.undecodable, "JPEG data is corrupt; the frame was damaged in transit or by the camera", cause: cause)
        }
        throw MediaError(hasEOI(jpeg) ? .undecodable : .truncated, "JPEG could not be decoded; the frame is corrupt or cut off", cause: cause)
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
