import Testing
@testable import NN

/// The inference kernels against naive loops written straight from the definitions, on random shapes.
@Suite("EfficientNet inference kernels")
struct EfficientNetKernelTests {
    /// TF "SAME" as the TensorFlow docs define it, written independently of `DepthwiseKernel.Geometry`.
    static func samePadding(_ size: Int, _ k: Int, _ s: Int) -> (out: Int, before: Int) {
        let out = (size + s - 1) / s
        let total = max((out - 1) * s + k - size, 0)
        return (out, total / 2)
    }

    static func naiveDepthwise(_ x: [Float], h: Int, w: Int, k: Int, s: Int, weights: [Float], bias: Float,
                               inputBias: Float?, relu6: Bool) -> [Float] {
        let (ho, pt) = samePadding(h, k, s), (wo, pl) = samePadding(w, k, s)
        var y = [Float](repeating: 0, count: ho * wo)
        for oy in 0..<ho {
            for ox in 0..<wo {
                var acc = Double(bias)
                for ky in 0..<k {
                    for kx in 0..<k {
                        let iy = oy * s + ky - pt, ix = ox * s + kx - pl
                        guard iy >= 0, iy < h, ix >= 0, ix < w else { continue }
                        var v = x[iy * w + ix]
                        if let b = inputBias { v = min(max(v + b, 0), 6) }
                        acc += Double(v) * Double(weights[ky * k + kx])
                    }
                }
                y[oy * wo + ox] = relu6 ? Float(min(max(acc, 0), 6)) : Float(acc)
            }
        }
        return y
    }

    static func close(_ a: [Float], _ b: [Float], tol: Float = 1e-4) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { abs($0 - $1) <= tol * max(1, abs($1)) }
    }

    @Test func tfSamePaddingIsAsymmetricForStride2OnEvenSizes() {
        var g = DepthwiseKernel.Geometry(h: 112, w: 112, k: 3, stride: 2)
        #expect(g.ho == 56 && g.padTop == 0 && g.padLeft == 0 && g.rows == 113)  // 0 before, 1 after
        g = DepthwiseKernel.Geometry(h: 56, w: 56, k: 5, stride: 2)
        #expect(g.ho == 28 && g.padTop == 1 && g.padLeft == 1 && g.rows == 59)   // 1 before, 2 after
        g = DepthwiseKernel.Geometry(h: 7, w: 7, k: 5, stride: 1)
        #expect(g.ho == 7 && g.padTop == 2 && g.rows == 11)                      // symmetric
        g = DepthwiseKernel.Geometry(h: 15, w: 9, k: 3, stride: 2)
        #expect(g.ho == 8 && g.wo == 5 && g.padTop == 1 && g.padLeft == 1)        // odd: 1 and 1
    }

    @Test(arguments: [3, 5, 7])
    func depthwiseMatchesNaiveOnRandomShapes(k: Int) {
        var rng = SplitMix(seed: UInt64(k))
        for trial in 0..<60 {
            let h = rng.int(1...23), w = rng.int(1...37), s = rng.int(1...2)
            let x = (0..<(h * w)).map { _ in rng.float() * 4 }
            let wts = (0..<(k * k)).map { _ in rng.float() }
            let bias = rng.float()
            let inputBias: Float? = trial % 3 == 0 ? nil : rng.float()
            let relu6 = trial % 2 == 0
            let g = DepthwiseKernel.Geometry(h: h, w: w, k: k, stride: s)
            var scratch = [Float](repeating: .nan, count: g.scratchCount)
            var y = [Float](repeating: .nan, count: g.ho * g.wo + 1)
            y[g.ho * g.wo] = 12345  // sentinel: the kernel must not write past its plane
            scratch.withUnsafeMutableBufferPointer { sp in
                DepthwiseKernel.prepare(scratch: sp.baseAddress!, g)
                // Twice through the same scratch, as for consecutive channels of one layer.
                for _ in 0..<2 {
                    y.withUnsafeMutableBufferPointer { yp in
                        DepthwiseKernel.plane(input: x, inputBias: inputBias, weights: wts, bias: bias, relu6: relu6,
                                              output: yp.baseAddress!, g, scratch: sp.baseAddress!)
                    }
                }
            }
            let ref = Self.naiveDepthwise(x, h: h, w: w, k: k, s: s, weights: wts, bias: bias, inputBias: inputBias,
                                          relu6: relu6)
            #expect(Self.close(Array(y.prefix(g.ho * g.wo)), ref), "h=\(h) w=\(w) k=\(k) s=\(s)")
            #expect(y[g.ho * g.wo] == 12345)
        }
    }

    @Test func pointwiseGEMMMatchesNaiveWithEveryEpilogue() {
        var rng = SplitMix(seed: 99)
        for trial in 0..<40 {
            let m = rng.int(1...41), k = rng.int(1...70), n = rng.int(1...150)
            let a = (0..<(m * k)).map { _ in rng.float() }
            let bias = (0..<m).map { _ in rng.float() }
            let b = (0..<(k * n)).map { _ in rng.float() }
            let residual = (0..<(m * n)).map { _ in rng.float() }
            let gemm = PointwiseGEMM(weights: a, bias: bias, m: m, k: k)
            // A slice of rows (starting on a tile boundary) and columns, as the parallel phases use.
            let r0 = rng.int(0...(m - 1)) / 8 * 8, r1 = rng.int((r0 + 1)...m)
            let c0 = rng.int(0...(n - 1)), c1 = rng.int((c0 + 1)...n)
            let mode = trial % 3
            var c = [Float](repeating: .nan, count: m * n)
            var tail = [Float](repeating: 0, count: k * PointwiseGEMM.nr)
            residual.withUnsafeBufferPointer { rp in
                c.withUnsafeMutableBufferPointer { cp in
                    tail.withUnsafeMutableBufferPointer { tp in
                        let e: PointwiseGEMM.Epilogue = mode == 0 ? .biasReLU6
                            : .bias(residual: mode == 1 ? rp.baseAddress! : nil)
                        gemm.run(b: b, c: cp.baseAddress!, n: n, rows: r0..<r1, columns: c0..<c1, epilogue: e,
                                 tail: tp.baseAddress!)
                    }
                }
            }
            for i in 0..<m {
                for j in 0..<n {
                    let inside = (r0..<r1).contains(i) && (c0..<c1).contains(j)
                    guard inside else {
                        #expect(c[i * n + j].isNaN, "wrote outside its slice at (\(i), \(j))")
                        continue
                    }
                    var acc = Double(bias[i])
                    for kk in 0..<k { acc += Double(a[i * k + kk]) * Double(b[kk * n + j]) }
                    if mode == 0 { acc = min(max(acc, 0), 6) }
                    if mode == 1 { acc += Double(residual[i * n + j]) }
                    #expect(abs(Float(acc) - c[i * n + j]) <= 1e-4 * max(1, abs(Float(acc))), "m=\(m) k=\(k) n=\(n)")
                }
            }
        }
    }

    @Test func im2colMatchesNaive() {
        var rng = SplitMix(seed: 5)
        for _ in 0..<20 {
            let ch = rng.int(1...3), h = rng.int(1...40), w = rng.int(1...70), k = rng.int(1...2) * 2 + 1
            let s = rng.int(1...2)
            let x = (0..<(ch * h * w)).map { _ in rng.float() }
            let (ho, pt) = Self.samePadding(h, k, s), (wo, pl) = Self.samePadding(w, k, s)
            var cols = [Float](repeating: .nan, count: ch * k * k * ho * wo)
            let shape = cols.withUnsafeMutableBufferPointer {
                PointwiseKernel.im2colSame(x, channels: ch, h: h, w: w, k: k, stride: s, cols: $0.baseAddress!)
            }
            #expect(shape.ho == ho && shape.wo == wo)
            for c in 0..<ch {
                for ky in 0..<k {
                    for kx in 0..<k {
                        for oy in 0..<ho {
                            for ox in 0..<wo {
                                let iy = oy * s + ky - pt, ix = ox * s + kx - pl
                                let want: Float = (iy >= 0 && iy < h && ix >= 0 && ix < w) ? x[(c * h + iy) * w + ix] : 0
                                let got = cols[(((c * k + ky) * k + kx) * ho + oy) * wo + ox]
                                #expect(got == want, "c=\(c) ky=\(ky) kx=\(kx) oy=\(oy) ox=\(ox) h=\(h) w=\(w) s=\(s)")
                            }
                        }
                    }
                }
            }
        }
    }

    @Test func foldedBatchNormEqualsConvThenBatchNorm() {
        var rng = SplitMix(seed: 11)
        let out = 6, cin = 4, k = 3, eps: Float = 1e-3
        let w = (0..<(out * cin * k * k)).map { _ in rng.float() }
        let gamma = (0..<out).map { _ in rng.float() + 1.5 }
        let beta = (0..<out).map { _ in rng.float() }
        let mean = (0..<out).map { _ in rng.float() }
        let variance = (0..<out).map { _ in rng.float() + 1.2 }
        let folded = FoldedConv.fold(weights: w, shape: [out, cin, k, k], gamma: gamma, beta: beta, mean: mean,
                                     variance: variance, epsilon: eps)
        // One receptive field of input per trial; conv output then BN vs folded conv.
        for _ in 0..<20 {
            let patch = (0..<(cin * k * k)).map { _ in rng.float() * 3 }
            for o in 0..<out {
                var conv: Float = 0, foldedOut = folded.bias[o]
                for i in 0..<(cin * k * k) {
                    conv += w[o * cin * k * k + i] * patch[i]
                    foldedOut += folded.weights[o * cin * k * k + i] * patch[i]
                }
                let bn = gamma[o] * (conv - mean[o]) / (variance[o] + eps).squareRoot() + beta[o]
                #expect(abs(bn - foldedOut) <= 1e-4 * max(1, abs(bn)))
            }
        }
    }
}
