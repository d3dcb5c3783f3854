@testable import NN

/// Naive float64 convolution loops, the reference the GEMM and SIMD kernels are checked against.
enum ReferenceConvolution {
    /// y[n, o, oy, ox] = b[o] + Σ_{c in group, ky, kx} w[o, c', ky, kx] · x[n, c, oy·s + ky·d − pt, ox·s + kx·d − pl].
    static func conv(_ x: Tensor, weight: Tensor, bias: Tensor?, stride: (Int, Int), dilation: (Int, Int),
                     pad: Padding2D, groups: Int) -> (values: [Double], shape: Shape) {
        let n = x.shape.n, c = x.shape.c, h = x.shape.h, w = x.shape.w
        let oc = weight.shape[0], cg = weight.shape[1], kh = weight.shape[2], kw = weight.shape[3]
        let oh = (h + pad.top + pad.bottom - dilation.0 * (kh - 1) - 1) / stride.0 + 1
        let ow = (w + pad.left + pad.right - dilation.1 * (kw - 1) - 1) / stride.1 + 1
        precondition(cg * groups == c)
        var out = [Double](repeating: 0, count: n * oc * oh * ow)
        let ocg = oc / groups
        for img in 0..<n {
            for o in 0..<oc {
                let g = o / ocg
                for oy in 0..<oh {
                    for ox in 0..<ow {
                        var s = Double(bias?.pointer[o] ?? 0)
                        for ci in 0..<cg {
                            let ch = g * cg + ci
                            for ky in 0..<kh {
                                let iy = oy * stride.0 + ky * dilation.0 - pad.top
                                if iy < 0 || iy >= h { continue }
                                for kx in 0..<kw {
                                    let ix = ox * stride.1 + kx * dilation.1 - pad.left
                                    if ix < 0 || ix >= w { continue }
                                    let xv = Double(x.pointer[((img * c + ch) * h + iy) * w + ix])
                                    let wv = Double(weight.pointer[((o * cg + ci) * kh + ky) * kw + kx])
                                    s += xv * wv
                                }
                            }
                        }
                        out[((img * oc + o) * oh + oy) * ow + ox] = s
                    }
                }
            }
        }
        return (out, Shape(n: n, c: oc, h: oh, w: ow))
    }

    /// Largest |a − b| / (1 + |b|) over all elements.
    static func maxRelativeError(_ actual: Tensor, _ expected: [Double]) -> Double {
        var worst = 0.0
        for i in 0..<expected.count {
            worst = Swift.max(worst, abs(Double(actual.pointer[i]) - expected[i]) / (1 + abs(expected[i])))
        }
        return worst
    }
}
