import COpenBLAS

/// The GEMM-shaped parts of inference: 1×1 convolutions, the stem's im2col, and their fused epilogues.
///
/// Activations are channel-major per image (`[C × H·W]`), so a 1×1 conv is one row-major
/// `Y[Cout × HW] = W[Cout × Cin] · X[Cin × HW]` (`cblas_sgemm`, no transposes, no copies).
enum PointwiseKernel {
    /// `C[m×n] = A[m×k] · B[k×n]` (row-major, β = 0).
    @inline(__always)
    static func gemm(m: Int, n: Int, k: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>,
                     c: UnsafeMutablePointer<Float>) {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(m), Int32(n), Int32(k), 1, a, Int32(k),
                    b, Int32(n), 0, c, Int32(n))
    }

    /// Project-conv epilogue over channels `channels`: `y[c] += bias[c]` and, for residual blocks,
    /// `y[c] += x[c]` (the block input), in one pass.
    static func addBias(_ y: UnsafeMutablePointer<Float>, bias: UnsafePointer<Float>,
                        residual: UnsafePointer<Float>?, plane: Int, channels: Range<Int>) {
        typealias V = SIMD8<Float>
        for c in channels {
            let row = y + c * plane
            let b = bias[c]
            let bv = V(repeating: b)
            var i = 0
            if let residual {
                let r = residual + c * plane
                while i + 8 <= plane {
                    let v = UnsafeRawPointer(row + i).loadUnaligned(as: V.self) + UnsafeRawPointer(r + i).loadUnaligned(as: V.self) + bv
                    UnsafeMutableRawPointer(row + i).storeBytes(of: v, as: V.self)
                    i += 8
                }
                while i < plane { row[i] += r[i] + b; i += 1 }
            } else {
                while i + 8 <= plane {
                    let v = UnsafeRawPointer(row + i).loadUnaligned(as: V.self) + bv
                    UnsafeMutableRawPointer(row + i).storeBytes(of: v, as: V.self)
                    i += 8
                }
                while i < plane { row[i] += b; i += 1 }
            }
        }
    }

    /// Head epilogue fused with global average pooling: `out[c] = mean_p relu6(y[c][p] + bias[c])`.
    static func relu6MeanPool(_ y: UnsafePointer<Float>, bias: UnsafePointer<Float>, plane: Int, channels: Int,
                              out: UnsafeMutablePointer<Float>) {
        let inv = 1 / Float(plane)
        for c in 0..<channels {
            let row = y + c * plane
            let b = bias[c]
            var s: Float = 0
            for p in 0..<plane { s += min(max(row[p] + b, 0), 6) }
            out[c] = s * inv
        }
    }

    /// im2col with TensorFlow "SAME" padding: `cols[(ci·k + ky)·k + kx][oy·wo + ox] = x[ci][oy·s + ky − pt][ox·s + kx − pl]`
    /// (0 outside), so the stem conv is one GEMM `[Cout × Cin·k²] · cols`.
    static func im2colSame(_ x: UnsafePointer<Float>, channels: Int, h: Int, w: Int, k: Int, stride s: Int,
                           cols: UnsafeMutablePointer<Float>) -> (ho: Int, wo: Int) {
        let ho = (h + s - 1) / s, wo = (w + s - 1) / s
        let pt = max((ho - 1) * s + k - h, 0) / 2
        let pl = max((wo - 1) * s + k - w, 0) / 2
        var row = cols
        for ci in 0..<channels {
            let plane = x + ci * h * w
            for ky in 0..<k {
                for kx in 0..<k {
                    for oy in 0..<ho {
                        let iy = oy * s + ky - pt
                        let dst = row + oy * wo
                        guard iy >= 0 && iy < h else {
                            dst.update(repeating: 0, count: wo)
                            continue
                        }
                        let src = plane + iy * w
                        for ox in 0..<wo {
                            let ix = ox * s + kx - pl
                            dst[ox] = (ix >= 0 && ix < w) ? src[ix] : 0
                        }
                    }
                    row += ho * wo
                }
            }
        }
        return (ho, wo)
    }
}
