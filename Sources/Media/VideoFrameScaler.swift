import CFFmpeg
import CamsiftCore

/// Decoded video frame → model-input RGB with swscale, framed like the JPEG path (`FitGeometry`).
///
/// swscale renders the whole frame at the geometry's scale, and the source window (`FitGeometry.source*`,
/// scaled) is copied into the target rectangle: for `crop` that is the centre covering the output, for
/// `letterbox` the whole (crop-fraction) region on black bars. Scaling the whole frame costs up to ~1.8× the
/// pixels of the window (16:9), but only sampled frames are converted, and it avoids per-plane pointer
/// arithmetic for every subsampled pixel format.
final class VideoFrameScaler {
    private var sws: OpaquePointer?
    private var scratch: [UInt8] = []

    deinit { sws_freeContext(sws) }

    func convert(_ frame: UnsafeMutablePointer<AVFrame>, width: Int, height: Int, fit: FitMode,
                 cropFraction: Double = 1, subject: String) throws(MediaError) -> DecodedFrame {
        let fw = Int(frame.pointee.width), fh = Int(frame.pointee.height)
        guard fw > 0, fh > 0 else { throw MediaError(.undecodable, "decoder returned a \(fw)x\(fh) frame for \(subject); the stream is corrupt") }
        let g = FitGeometry(sourceWidth: fw, sourceHeight: fh, width: width, height: height, fit: fit,
                            cropFraction: cropFraction)
        // Size swscale renders the whole frame to, and where the source window starts inside it.
        let sw = max(1, Int((Double(fw) * g.scale).rounded())), sh = max(1, Int((Double(fh) * g.scale).rounded()))
        let ox = min(max(0, Int((g.sourceX * g.scale).rounded())), max(0, sw - g.targetWidth))
        let oy = min(max(0, Int((g.sourceY * g.scale).rounded())), max(0, sh - g.targetHeight))
        let copyW = min(g.targetWidth, sw - ox), copyH = min(g.targetHeight, sh - oy)
        sws = sws_getCachedContext(sws, Int32(fw), Int32(fh), AVPixelFormat(rawValue: frame.pointee.format),
                                   Int32(sw), Int32(sh), AV_PIX_FMT_RGB24, SWS_BILINEAR, nil, nil, nil)
        guard sws != nil else {
            throw MediaError(.unsupported, "swscale cannot convert \(fw)x\(fh) pixel format \(frame.pointee.format) for \(subject)")
        }
        if scratch.count < sw * sh * 3 { scratch = [UInt8](repeating: 0, count: sw * sh * 3) }
        let rc: Int32 = scratch.withUnsafeMutableBufferPointer { out in
            var dst: [UnsafeMutablePointer<UInt8>?] = [out.baseAddress, nil, nil, nil]
            var dstStride: [Int32] = [Int32(sw * 3), 0, 0, 0]
            return withUnsafePointer(to: &frame.pointee.data) { dp in
                dp.withMemoryRebound(to: UnsafePointer<UInt8>?.self, capacity: 8) { src in
                    withUnsafePointer(to: &frame.pointee.linesize) { lp in
                        lp.withMemoryRebound(to: Int32.self, capacity: 8) { strides in
                            sws_scale(sws, src, strides, 0, Int32(fh), &dst, &dstStride)
                        }
                    }
                }
            }
        }
        try FFmpeg.check(rc, "sws_scale", subject)
        let rgb = [UInt8](unsafeUninitializedCapacity: width * height * 3) { buf, n in
            let dst = buf.baseAddress!
            dst.initialize(repeating: 0, count: width * height * 3)
            scratch.withUnsafeBufferPointer { s in
                for y in 0..<copyH {
                    (dst + ((g.targetY + y) * width + g.targetX) * 3)
                        .update(from: s.baseAddress! + ((oy + y) * sw + ox) * 3, count: copyW * 3)
                }
            }
            n = width * height * 3
        }
        return DecodedFrame(width: width, height: height, rgb: rgb)
    }
}
