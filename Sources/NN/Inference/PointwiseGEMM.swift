/// A 1×1-convolution GEMM specialised for inference: `C[m×n] = A[m×k]·B[k×n]` with the weights `A` packed
/// once at load time and the epilogue (bias, ReLU6, residual add) applied while the output tile is still in
/// registers — so the output is written once, already activated, and B (the activations) is never copied.
///
/// Register tile: 8 output channels × 32 columns = 16 accumulators of `SIMD16<Float>` (two AVX2 registers each
/// in the x86-64-v3 release build, more than its 16: some live on the stack; no AVX-512 twin, as this
/// channel-major GEMM runs only in passes that start channels-last late, never by default — see
/// `InferenceKernels`), fed per reduction step by two loads of B and eight broadcasts of A; the
/// classic outer-product micro-kernel (Goto & van de Geijn 2008, §5) without the B packing, which the
/// channel-major layout makes unnecessary: a 32-column panel of B is `k` contiguous 128-byte rows.
struct PointwiseGEMM: Sendable {
    typealias V = SIMD16<Float>
    static let mr = 8
    static let nr = 32

    let m: Int, k: Int
    /// `A` in panels of 8 rows: `packed[(p·k + kk)·8 + i] = A[p·8 + i][kk]` (zero rows past `m`).
    let packed: [Float]
    let bias: [Float]

    init(weights: [Float], bias: [Float], m: Int, k: Int) {
        precondition(weights.count == m * k && bias.count == m)
        self.m = m
        self.k = k
        let panels = (m + Self.mr - 1) / Self.mr
        var p = [Float](repeating: 0, count: panels * k * Self.mr)
        for r in 0..<m {
            for kk in 0..<k { p[((r / Self.mr) * k + kk) * Self.mr + r % Self.mr] = weights[r * k + kk] }
        }
        packed = p
        self.bias = bias
    }

    init(_ conv: FoldedConv) {
        self.init(weights: conv.weights, bias: conv.bias, m: conv.outChannels, k: conv.inChannels * conv.kernel * conv.kernel)
    }

    enum Epilogue {
        /// `relu6(acc + bias)`.
        case biasReLU6
        /// `acc + bias (+ residual)`.
        case bias(residual: UnsafePointer<Float>?)
    }

    /// Computes output rows `rows` (a multiple of 8 at the start) over columns `columns` (`ldb = ldc = n`).
    /// `tail` must hold `k × 32` floats for the last, partial column panel.
    func run(b: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>, n: Int, rows: Range<Int>, columns: Range<Int>,
             epilogue: Epilogue, tail: UnsafeMutablePointer<Float>) {
        precondition(rows.lowerBound % Self.mr == 0)
        packed.withUnsafeBufferPointer { ap in
            bias.withUnsafeBufferPointer { bp in
                var n0 = columns.lowerBound
                while n0 < columns.upperBound {
                    let width = min(Self.nr, columns.upperBound - n0)
                    let panel: UnsafePointer<Float>, ldb: Int
                    if width == Self.nr {
                        panel = b + n0
                        ldb = n
                    } else {
                        for kk in 0..<k {
                            let dst = tail + kk * Self.nr
                            dst.update(from: b + kk * n + n0, count: width)
                            (dst + width).update(repeating: 0, count: Self.nr - width)
                        }
                        panel = UnsafePointer(tail)
                        ldb = Self.nr
                    }
                    var r0 = rows.lowerBound
                    while r0 < rows.upperBound {
                        tile(a: ap.baseAddress! + (r0 / Self.mr) * k * Self.mr, b: panel, ldb: ldb,
                             c: c + r0 * n + n0, ldc: n, rowsValid: min(Self.mr, rows.upperBound - r0), width: width,
                             bias: bp.baseAddress! + r0, epilogue: epilogue, residualOffset: r0 * n + n0)
                        r0 += Self.mr
                    }
                    n0 += Self.nr
                }
            }
        }
    }

    /// One 8×32 output tile. Kept out of line on purpose: inlined into `run`, the function grew past the
    /// optimiser's inlining budget and the SIMD stores became calls.
    @inline(never)
    private func tile(a: UnsafePointer<Float>, b: UnsafePointer<Float>, ldb: Int, c: UnsafeMutablePointer<Float>,
                      ldc: Int, rowsValid: Int, width: Int, bias: UnsafePointer<Float>, epilogue: Epilogue,
                      residualOffset: Int) {
        var c00 = V(), c01 = V(), c10 = V(), c11 = V(), c20 = V(), c21 = V(), c30 = V(), c31 = V()
        var c40 = V(), c41 = V(), c50 = V(), c51 = V(), c60 = V(), c61 = V(), c70 = V(), c71 = V()
        var ap = a
        var bp = UnsafeRawPointer(b)
        let rowBytes = ldb * 4
        for _ in 0..<k {
            let b0 = bp.loadUnaligned(as: V.self)
            let b1 = bp.loadUnaligned(fromByteOffset: 64, as: V.self)
            var s = V(repeating: ap[0]); c00.addProduct(s, b0); c01.addProduct(s, b1)
            s = V(repeating: ap[1]); c10.addProduct(s, b0); c11.addProduct(s, b1)
            s = V(repeating: ap[2]); c20.addProduct(s, b0); c21.addProduct(s, b1)
            s = V(repeating: ap[3]); c30.addProduct(s, b0); c31.addProduct(s, b1)
            s = V(repeating: ap[4]); c40.addProduct(s, b0); c41.addProduct(s, b1)
            s = V(repeating: ap[5]); c50.addProduct(s, b0); c51.addProduct(s, b1)
            s = V(repeating: ap[6]); c60.addProduct(s, b0); c61.addProduct(s, b1)
            s = V(repeating: ap[7]); c70.addProduct(s, b0); c71.addProduct(s, b1)
            ap += 8
            bp += rowBytes
        }
        let e = EpilogueContext(c: c, ldc: ldc, rowsValid: rowsValid, width: width, bias: bias, epilogue: epilogue,
                                residualOffset: residualOffset)
        Self.emit(0, c00, c01, e); Self.emit(1, c10, c11, e); Self.emit(2, c20, c21, e); Self.emit(3, c30, c31, e)
        Self.emit(4, c40, c41, e); Self.emit(5, c50, c51, e); Self.emit(6, c60, c61, e); Self.emit(7, c70, c71, e)
    }

    private struct EpilogueContext {
        let c: UnsafeMutablePointer<Float>, ldc: Int, rowsValid: Int, width: Int, bias: UnsafePointer<Float>
        let epilogue: Epilogue, residualOffset: Int
    }

    /// Row `i` of the tile: bias, then ReLU6 or the residual add, then the store (partial for a tail panel).
    @_transparent
    private static func emit(_ i: Int, _ lo: V, _ hi: V, _ e: EpilogueContext) {
        guard i < e.rowsValid else { return }
        let bv = V(repeating: e.bias[i])
        var x0 = lo + bv, x1 = hi + bv
        let out = e.c + i * e.ldc
        switch e.epilogue {
        case .biasReLU6:
            let zero = V(repeating: 0), six = V(repeating: 6)
            x0 = DepthwiseKernel.clamp(x0, zero, six)
            x1 = DepthwiseKernel.clamp(x1, zero, six)
        case .bias(let residual):
            if let residual {
                let r = residual + e.residualOffset + i * e.ldc
                if e.width == nr {
                    x0 += UnsafeRawPointer(r).loadUnaligned(as: V.self)
                    x1 += UnsafeRawPointer(r + 16).loadUnaligned(as: V.self)
                } else {
                    for j in 0..<e.width { if j < 16 { x0[j] += r[j] } else { x1[j - 16] += r[j] } }
                }
            }
        }
        if e.width == nr {
            UnsafeMutableRawPointer(out).storeBytes(of: x0, as: V.self)
            UnsafeMutableRawPointer(out + 16).storeBytes(of: x1, as: V.self)
        } else {
            for j in 0..<e.width { out[j] = j < 16 ? x0[j] : x1[j - 16] }
        }
    }
}
