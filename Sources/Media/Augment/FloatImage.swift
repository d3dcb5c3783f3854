/// A planar float image (CHW, channel-major), the unit the trainer feeds the network and the augmentation
/// ops transform. Pixel values are in the 0...255 range until the model's normalization is applied.
public struct FloatImage: Sendable, Equatable {
    public var channels: Int
    public var height: Int
    public var width: Int
    public var pixels: [Float]

    public init(channels: Int, height: Int, width: Int, pixels: [Float]) {
        precondition(pixels.count == channels * height * width, "pixels must hold channels*height*width values")
        self.channels = channels
        self.height = height
        self.width = width
        self.pixels = pixels
    }

    public init(channels: Int, height: Int, width: Int, fill: Float = 0) {
        self.init(channels: channels, height: height, width: width,
                  pixels: [Float](repeating: fill, count: channels * height * width))
    }

    /// From interleaved 8-bit samples (RGB or gray), e.g. a decoded JPEG.
    public init(interleaved: [UInt8], channels: Int, height: Int, width: Int) {
        var p = [Float](repeating: 0, count: channels * height * width)
        let plane = height * width
        for i in 0..<plane {
            for c in 0..<channels { p[c * plane + i] = Float(interleaved[i * channels + c]) }
        }
        self.init(channels: channels, height: height, width: width, pixels: p)
    }

    @inlinable public subscript(c: Int, y: Int, x: Int) -> Float {
        get { pixels[(c * height + y) * width + x] }
        set { pixels[(c * height + y) * width + x] = newValue }
    }

    /// Bilinear resize (pixel centres aligned), used to bring archive images to the model's input size.
    public func resized(height h: Int, width w: Int) -> FloatImage {
        if h == height && w == width { return self }
        var out = FloatImage(channels: channels, height: h, width: w)
        let sy = Float(height) / Float(h), sx = Float(width) / Float(w)
        for c in 0..<channels {
            for y in 0..<h {
                let fy = (Float(y) + 0.5) * sy - 0.5
                for x in 0..<w {
                    out[c, y, x] = sample(c, fy, (Float(x) + 0.5) * sx - 0.5)
                }
            }
        }
        return out
    }

    /// Bilinear sample with edge clamping (Keras' default `fill_mode="nearest"`).
    @inlinable public func sample(_ c: Int, _ fy: Float, _ fx: Float) -> Float {
        let y = min(max(fy, 0), Float(height - 1)), x = min(max(fx, 0), Float(width - 1))
        let y0 = Int(y), x0 = Int(x)
        let y1 = min(y0 + 1, height - 1), x1 = min(x0 + 1, width - 1)
        let dy = y - Float(y0), dx = x - Float(x0)
        let base = c * height * width
        let a = pixels[base + y0 * width + x0], b = pixels[base + y0 * width + x1]
        let d = pixels[base + y1 * width + x0], e = pixels[base + y1 * width + x1]
        return (a * (1 - dx) + b * dx) * (1 - dy) + (d * (1 - dx) + e * dx) * dy
    }
}
