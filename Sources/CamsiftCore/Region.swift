/// The part of a camera's frame the model sees (registry field `region`), as fractions of the frame:
/// `{"x": 0.1, "y": 0.4, "w": 0.5, "h": 0.5}` is the rectangle starting 10% from the left and 40% from the
/// top, half the frame wide and half high.
///
/// It is cut from the decoded frame *before* the model's framing (crop fraction, crop | letterbox, resize), for
/// every source kind, so for the model a camera with a region is a camera whose frame is that rectangle. The
/// archive keeps the same rectangle (re-encoded as JPEG), so training and eval see what the daemon saw.
public struct Region: Hashable, Codable, Sendable, CustomStringConvertible {
    public var x: Double
    public var y: Double
    public var w: Double
    public var h: Double

    /// Smallest width and height, as a fraction of the frame (2%: 38 pixels of a 1920-wide frame).
    public static let minimumSize = 0.02

    public init(x: Double, y: Double, w: Double, h: Double) {
        self.x = x
        self.y = y
        self.w = w
        self.h = h
    }

    /// What is wrong with these values, or nil; one problem per field, keyed by field name, in x, y, w, h order
    /// and then the sums (`x+w`, `y+h`).
    public var problems: [(field: String, problem: String)] {
        var out: [(String, String)] = []
        for (name, v) in [("x", x), ("y", y)] where !(v >= 0 && v <= 1) {
            out.append((name, "is \(Self.format(v)), outside 0...1"))
        }
        for (name, v) in [("w", w), ("h", h)] {
            if !(v <= 1) { out.append((name, "is \(Self.format(v)), more than 1 (the whole frame)")) }
            else if !(v >= Self.minimumSize) { out.append((name, "is \(Self.format(v)), less than the minimum \(Self.format(Self.minimumSize))")) }
        }
        if out.isEmpty {
            // 1e-9: 0.3 + 0.7 is 1.0000000000000002 in binary floating point.
            if x + w > 1 + 1e-9 { out.append(("w", "x + w is \(Self.format(x + w)), past the right edge (x + w must be at most 1)")) }
            if y + h > 1 + 1e-9 { out.append(("h", "y + h is \(Self.format(y + h)), past the bottom edge (y + h must be at most 1)")) }
        }
        return out
    }

    /// The region in pixels of a `width`×`height` frame: edges rounded to the nearest pixel, clamped to the
    /// frame, at least one pixel each way. Every source kind and the archive cut exactly this rectangle.
    public func pixels(width: Int, height: Int) -> PixelRect {
        func span(_ start: Double, _ length: Double, _ size: Int) -> (Int, Int) {
            let a = min(max(0, Int((start * Double(size)).rounded())), size - 1)
            let b = min(max(a + 1, Int(((start + length) * Double(size)).rounded())), size)
            return (a, b - a)
        }
        let (px, pw) = span(x, w, width), (py, ph) = span(y, h, height)
        return PixelRect(x: px, y: py, width: pw, height: ph)
    }

    public var description: String { "x \(Self.format(x)) y \(Self.format(y)) w \(Self.format(w)) h \(Self.format(h))" }

    static func format(_ d: Double) -> String {
        d.isFinite && d == d.rounded() && abs(d) < 1e15 ? String(Int(d)) : String(d)
    }
}

/// A rectangle of whole pixels.
public struct PixelRect: Hashable, Sendable, CustomStringConvertible {
    public var x: Int
    public var y: Int
    public var width: Int
    public var height: Int

    public init(x: Int, y: Int, width: Int, height: Int) {
        self.x = x
        self.y = y
        self.width = width
        self.height = height
    }

    public var description: String { "\(width)x\(height)+\(x)+\(y)" }
}
