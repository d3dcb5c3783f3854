/// Small SIMD16 loops shared by the elementwise layers (BatchNorm, ReLU). Unaligned vector loads with a scalar
/// tail; each function reads/writes exactly `count` elements.
enum VectorKernels {
    typealias V = SIMD16<Float>
    static let lanes = 16

    @inline(__always)
    static func load(_ p: UnsafePointer<Float>) -> V { UnsafeRawPointer(p).loadUnaligned(as: V.self) }

    @inline(__always)
    static func store(_ v: V, _ p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: V.self)
    }

    /// Σ p[i].
    @inline(__always)
    static func sum(_ p: UnsafePointer<Float>, _ count: Int) -> Float {
        var acc = V(repeating: 0), i = 0
        while i + lanes <= count {
            acc += load(p + i)
            i += lanes
        }
        var s = acc.sum()
        while i < count {
            s += p[i]
            i += 1
        }
        return s
    }

    /// Σ (p[i] − mean)².
    @inline(__always)
    static func sumSquaredDeviation(_ p: UnsafePointer<Float>, _ count: Int, mean: Float) -> Float {
        var acc = V(repeating: 0), i = 0
        let m = V(repeating: mean)
        while i + lanes <= count {
            let d = load(p + i) - m
            acc += d * d
            i += lanes
        }
        var s = acc.sum()
        while i < count {
            let d = p[i] - mean
            s += d * d
            i += 1
        }
        return s
    }

    /// (Σ g[i], Σ g[i]·(x[i] − mean)).
    @inline(__always)
    static func sumAndCenteredDot(_ g: UnsafePointer<Float>, _ x: UnsafePointer<Float>, _ count: Int,
                                  mean: Float) -> (Float, Float) {
        var a = V(repeating: 0), b = V(repeating: 0), i = 0
        let m = V(repeating: mean)
        while i + lanes <= count {
            let gv = load(g + i)
            a += gv
            b += gv * (load(x + i) - m)
            i += lanes
        }
        var s = a.sum(), d = b.sum()
        while i < count {
            s += g[i]
            d += g[i] * (x[i] - mean)
            i += 1
        }
        return (s, d)
    }

    /// out[i] = x[i]·scale + shift.
    @inline(__always)
    static func affine(_ x: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, _ count: Int,
                       scale: Float, shift: Float) {
        var i = 0
        let s = V(repeating: scale), t = V(repeating: shift)
        while i + lanes <= count {
            store(load(x + i) * s + t, out + i)
            i += lanes
        }
        while i < count {
            out[i] = x[i] * scale + shift
            i += 1
        }
    }

    /// out[i] = max(0, x[i]·scale + shift) (BatchNorm with a fused ReLU).
    @inline(__always)
    static func affineReLU(_ x: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, _ count: Int,
                           scale: Float, shift: Float) {
        var i = 0
        let s = V(repeating: scale), t = V(repeating: shift), zero = V(repeating: 0)
        while i + lanes <= count {
            store(pointwiseMax(load(x + i) * s + t, zero), out + i)
            i += lanes
        }
        while i < count {
            out[i] = Swift.max(0, x[i] * scale + shift)
            i += 1
        }
    }

    /// `sumAndCenteredDot` of the ReLU-gated gradient: g[i] counts where x[i]·scale + shift > 0 (the same
    /// expression `affineReLU` evaluated, so the mask is the forward's bit for bit).
    @inline(__always)
    static func gatedSumAndCenteredDot(_ g: UnsafePointer<Float>, _ x: UnsafePointer<Float>, _ count: Int,
                                       mean: Float, scale: Float, shift: Float) -> (Float, Float) {
        var a = V(repeating: 0), b = V(repeating: 0), i = 0
        let m = V(repeating: mean), s = V(repeating: scale), t = V(repeating: shift), zero = V(repeating: 0)
        while i + lanes <= count {
            let xv = load(x + i)
            let gv = zero.replacing(with: load(g + i), where: xv * s + t .> zero)
            a += gv
            b += gv * (xv - m)
            i += lanes
        }
        var sum = a.sum(), dot = b.sum()
        while i < count {
            if x[i] * scale + shift > 0 {
                sum += g[i]
                dot += g[i] * (x[i] - mean)
            }
            i += 1
        }
        return (sum, dot)
    }

    /// out[i] = g[i] where lo < x[i] < hi, else 0 (ReLU: lo 0, hi +∞; ReLU6: 0, 6).
    @inline(__always)
    static func gate(_ g: UnsafePointer<Float>, _ x: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>,
                     _ count: Int, lo: Float, hi: Float) {
        var i = 0
        let l = V(repeating: lo), h = V(repeating: hi), zero = V(repeating: 0)
        while i + lanes <= count {
            let xv = load(x + i)
            let keep = (xv .> l) .& (xv .< h)
            store(zero.replacing(with: load(g + i), where: keep), out + i)
            i += lanes
        }
        while i < count {
            out[i] = (x[i] > lo && x[i] < hi) ? g[i] : 0
            i += 1
        }
    }
}
