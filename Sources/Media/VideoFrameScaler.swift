import CFFmpeg
import CamsiftCore

/// Decoded video frame → model-input RGB with swscale, framed like the JPEG path (`FitGeometry`).
///
/// Crop scales the whole frame so its short side covers the target and copies the centre out; letterbox
/// scales into the centred target rectangle of a black buffer. Scaling the whole frame for crop costs up to
/// ~1.8× the pixels of the window (16:9), but only sampled frames are converted, and it avoids per-plane
/// pointer arithmetic for every subsampled pixel format.
final class VideoFrameScaler {
    private var sws: OpaquePointer?
    private var scratch: [UInt8] = []

    deinit { sws_freeContext(sws) }

    func convert(_ frame: UnsafeMutablePointer<AVFrame>, width: Int, height: Int, fit: FitMode,
                 subject: String) throws(MediaError) -> DecodedFrame {
        let fw = Int(frame.pointee.width), fh = Int(frame.pointee.height)
        guard fw > 0, fh > 0 else { throw MediaError(.undecodable, "decoder returned a \(fw)x\(fh) frame for \(subject); the stream is corrupt") }
        let g = FitGeometry(sourceWidth: fw, sourceHeight: fh, width: width, height: height, fit: fit)
        // Size swscale renders to, and where the output window sits inside it.
        let (sw, sh): (Int, Int)
        switch fit {
        case .crop:
            sw = max(width, Int((Double(fw) * g.scale).rounded()))
            sh = max(height, Int((Double(fh) * g.scale).rounded()))
        case .letterbox:
            sw = g.targetWidth
            sh = g.targetHeight
        }
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
            scratch.withUnsafeBufferPointer { s in
                switch fit {
                case .crop:
                    let ox = (sw - width) / 2, oy = (sh - height) / 2
                    for y in 0..<height {
                        (dst + y * width * 3).initialize(from: s.baseAddress! + ((oy + y) * sw + ox) * 3, count: width * 3)
                    }
                case .letterbox:
                    dst.initialize(repeating: 0, count: width * height * 3)
                    for y in 0..<sh {
                        (dst + ((g.targetY + y) * width + g.targetX) * 3).update(from: s.baseAddress! + y * sw * 3, count: sw * 3)
                    }
                }
            }
            n = width * height * 3
        }
        return DecodedFrame(width: width, height: height, rgb: rgb)
    }
}
