import CamsiftCore

/// Haar-like features (Viola & Jones 2001), the rectangle-contrast family among the low-level features of Yan,
/// Chen, Shyu, Chen ("Deep Learning for Imbalanced Multimedia Data Classification", §III-A).
///
/// The paper does not list which rectangles it evaluates. This reading keeps the five Viola–Jones prototypes and
/// evaluates each on every window of a spatial pyramid (grids 1×1, 2×2, 4×4 by default: 21 windows, 105 values),
/// on the luma plane (BT.601, as `YCbCrStatistics`), through one integral image:
/// 0. two-rectangle, left − right;  1. two-rectangle, top − bottom;
/// 2. three-rectangle horizontal, (left + right) − middle;  3. three-rectangle vertical, (top + bottom) − middle;
/// 4. four-rectangle, (top-left + bottom-right) − (top-right + bottom-left).
/// Each value is a difference of *mean* intensities divided by 255, so it lies in [−1, 1] whatever the window
/// size; rectangle edges are at ⌊size · k / parts⌋.
public struct HaarFeatures: Sendable, Equatable {
    public static let prototypes = 5
    public var grids: [Int]

    public init(grids: [Int] = [1, 2, 4]) {
        precondition(!grids.isEmpty && grids.allSatisfy { $0 >= 1 }, "Haar grids must be ≥ 1")
        self.grids = grids
    }

    public var featureCount: Int { grids.reduce(0) { $0 + $1 * $1 } * Self.prototypes }

    /// Summed-area table with a zero first row and column: `(width + 1) × (height + 1)`.
    public struct IntegralImage: Sendable {
        public let width: Int, height: Int
        var table: [Double]

        public init(luma: [Double], width: Int, height: Int) {
            precondition(luma.count == width * height, "luma must be width*height")
            self.width = width
            self.height = height
            table = [Double](repeating: 0, count: (width + 1) * (height + 1))
            for y in 0..<height {
                var row = 0.0
                for x in 0..<width {
                    row += luma[y * width + x]
                    table[(y + 1) * (width + 1) + x + 1] = table[y * (width + 1) + x + 1] + row
                }
            }
        }

        /// Sum over columns `x0..<x1`, rows `y0..<y1`.
        public func sum(_ x0: Int, _ y0: Int, _ x1: Int, _ y1: Int) -> Double {
            let w = width + 1
            return table[y1 * w + x1] - table[y0 * w + x1] - table[y1 * w + x0] + table[y0 * w + x0]
        }
    }

    /// Luma (BT.601 full range) of a frame, row-major.
    public static func luma(_ frame: DecodedFrame) -> [Double] {
        (0..<(frame.width * frame.height)).map {
            YCbCrStatistics.ycbcr(frame.rgb[3 * $0], frame.rgb[3 * $0 + 1], frame.rgb[3 * $0 + 2]).y
        }
    }

    public func features(_ frame: DecodedFrame) -> [Float] {
        features(IntegralImage(luma: Self.luma(frame), width: frame.width, height: frame.height))
    }

    /// Grid by grid, window by window (row-major), the five prototypes per window.
    public func features(_ integral: IntegralImage) -> [Float] {
        var out: [Float] = []
        out.reserveCapacity(featureCount)
        for g in grids {
            for wy in 0..<g {
                for wx in 0..<g {
                    let x0 = integral.width * wx / g, x1 = integral.width * (wx + 1) / g
                    let y0 = integral.height * wy / g, y1 = integral.height * (wy + 1) / g
                    for p in 0..<Self.prototypes {
                        out.append(Float(Self.prototype(p, integral, x0, y0, x1, y1) / 255))
                    }
                }
            }
        }
        return out
    }

    /// One prototype on the window `[x0, x1) × [y0, y1)`: mean of the positive part minus mean of the negative.
    static func prototype(_ kind: Int, _ ii: IntegralImage, _ x0: Int, _ y0: Int, _ x1: Int, _ y1: Int) -> Double {
        func mean(_ rects: [(Int, Int, Int, Int)]) -> Double {
            var s = 0.0, n = 0
            for (a, b, c, d) in rects { s += ii.sum(a, b, c, d); n += (c - a) * (d - b) }
            return n > 0 ? s / Double(n) : 0
        }
        let w = x1 - x0, h = y1 - y0
        let xm = x0 + w / 2, ym = y0 + h / 2
        let xa = x0 + w / 3, xb = x0 + 2 * w / 3, ya = y0 + h / 3, yb = y0 + 2 * h / 3
        switch kind {
        case 0: return mean([(x0, y0, xm, y1)]) - mean([(xm, y0, x1, y1)])
        case 1: return mean([(x0, y0, x1, ym)]) - mean([(x0, ym, x1, y1)])
        case 2: return mean([(x0, y0, xa, y1), (xb, y0, x1, y1)]) - mean([(xa, y0, xb, y1)])
        case 3: return mean([(x0, y0, x1, ya), (x0, yb, x1, y1)]) - mean([(x0, ya, x1, yb)])
        default: return mean([(x0, y0, xm, ym), (xm, ym, x1, y1)]) - mean([(xm, y0, x1, ym), (x0, ym, xm, y1)])
        }
    }
}
