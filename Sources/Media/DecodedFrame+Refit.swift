import CamsiftCore

extension DecodedFrame {
    /// This frame framed again for `geometry` (crop or letterbox with its crop fraction, same resampler as the
    /// JPEG path). Only for frames decoded before a model with another input size was swapped in: an
    /// already-framed frame cannot be framed exactly like its source would be, so ingest decodes to the
    /// serving geometry and this covers the few frames in flight during a swap. A frame already at the size is
    /// taken as framed for it and returned as is.
    public func refitted(to g: InputGeometry) -> DecodedFrame {
        if width == g.size && height == g.size { return self }
        let fit = FitGeometry(sourceWidth: width, sourceHeight: height, geometry: g)
        var resampler = RGBResampler()
        let n = g.size * g.size * 3
        let out = [UInt8](unsafeUninitializedCapacity: n) { buf, count in
            buf.baseAddress!.initialize(repeating: 0, count: n)
            rgb.withUnsafeBufferPointer { src in
                resampler.resample(src: src.baseAddress!, width: width, height: height, pitch: width * 3,
                                   into: buf.baseAddress!, dstWidth: g.size, geometry: fit)
            }
            count = n
        }
        return DecodedFrame(width: g.size, height: g.size, rgb: out)
    }
}
