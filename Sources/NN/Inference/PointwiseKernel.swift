import COpenBLAS

/// The GEMM-shaped parts of inference: 1×1 convolutions, the stem's im2col, and their fused epilogues.
///
/// Activations are channel-major per image (`[C × H·W]`), so a 1×1 conv is one row-major
/// `Y[Cout × HW] = W[Cout × Cin] · X[Cin × HW]` (`cblas_sgemm`, no transposes, no copies).
enum PointwiseKernel {
    /// `C[m×n] = A[m×k] · B[k×n]` (row-major, β = 0), on sub-matrices given by leading dimensions.
    @inline(__always)
    static func gemm(m: Int, n: Int, k: Int, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                     c: UnsafeMutablePointer<Float>, ldc: Int) {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(m), Int32(n), Int32(k), 1, a, Int32(lda),
                    b, Int32(ldb), 0, c, Int32(ldc))
    }

    /// Slice `t` of `chunks` of a project conv `C = A·B + bias (+ residual)`: split by columns when the plane
    /// is wide (each slice keeps the full, small A and streams its own columns), else by output channels.
    static func gemmSlice(_ t: Int, of chunks: Int, m: Int, n: Int, k: Int, a: UnsafePointer<Float>,
                          b: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>, bias: UnsafePointer<Float>,
                          residual: UnsafePointer<Float>?) {
        if n >= 8 * chunks * 16 {
            // Column slices, rounded to 16 so every slice starts on a cache-line-friendly boundary.
            let step = (n + chunks * 16 - 1) / (chunks * 16) * 16
            let lo = min(n, t * step), hi = min(n, (t + 1) * step)
            guard lo < hi else { return }
            gemm(m: m, n: hi - lo, k: k, a: a, lda: k, b: b + lo, ldb: n, c: c + lo, ldc: n)
            addBias(c, bias: bias, residual: residual, plane: n, channels: 0..<m, columns: lo..<hi)
        } else {
            let lo = m * t / chunks, hi = m * (t + 1) / chunks
            guard lo < hi else { return }
            gemm(m: hi - lo, n: n, k: k, a: a + lo * k, lda: k, b: b, ldb: n, c: c + lo * n, ldc: n)
            addBias(c, bias: bias, residual: residual, plane: n, channels: lo..<hi, columns: 0..<n)
        }
    }

    /// Project-conv epilogue over `channels` × `columns`: `y[c] += bias[c]` and, for residual blocks,
    /// `y[c] += x[c]` (the block input), in one pass.
    static func addBias(_ y: UnsafeMutablePointer<Float>, bias: UnsafePointer<Float>,
                        residual: UnsafePointer<Float>?, plane: Int, channels: Range<Int>, columns: Range<Int>) {
        typealias V = SIMD8<Float>
        let count = columns.count
        for c in channels {
            let row = y + c * plane + columns.lowerBound
            let b = bias[c]
            let bv = V(repeating: b)
            var i = 0
            if let residual {
                let r = residual + c * plane + columns.lowerBound
                while i + 8 <= count {
                    let v = UnsafeRawPointer(row + i).loadUnaligned(as: V.self) + UnsafeRawPointer(r + i).loadUnaligned(as: V.self) + bv
                    UnsafeMutableRawPointer(row + i).storeBytes(of: v, as: V.self)
                    i += 8
                }
                while i < count { row[i] += r[i] + b; i += 1 }
            } else {
                while i + 8 <= count {
                    let v = UnsafeRawPointer(row + i).loadUnaligned(as: V.self) + bv
                    UnsafeMutableRawPointer(row + i).storeBytes(of: v, as: V.self)
                    i += 8
                }
                while i < count { row[i] += b; i += 1 }
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

    /// Global average pool of rows `channels` of `y` (`[C × plane]`) into `out[c]`.
    static func meanPool(_ y: UnsafePointer<Float>, plane: Int, channels: Range<Int>, out: UnsafeMutablePointer<Float>) {
        let inv = 1 / Float(plane)
        for c in channels {
            let row = y + c * plane
            var s: Float = 0
            for p in 0..<plane { s += row[p] }
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
                        // Columns whose tap lies inside the row: ox·s + kx − pl ∈ [0, w).
                        let first = min(wo, max(0, (pl - kx + s - 1) / s))
                        let end = max(first, min(wo, (w - 1 - kx + pl) / s + 1))
                        dst.update(repeating: 0, count: first)
                        (dst + end).update(repeating: 0, count: wo - end)
                        var ox = first
                        if s == 2 {
                            // Stride 2 is a deinterleave: even lanes of a 32-wide load.
                            while ox + 16 <= end && (ox * 2 + kx - pl) + 32 <= w {
                                let v = UnsafeRawPointer(src + ox * 2 + kx - pl).loadUnaligned(as: SIMD32<Float>.self)
                                UnsafeMutableRawPointer(dst + ox).storeBytes(of: v.evenHalf, as: SIMD16<Float>.self)
                                ox += 16
                            }
                        }
                        while ox < end {
                            dst[ox] = src[ox * s + kx - pl]
                            ox += 1
                        }
                    }
                    row += ho * wo
                }
            }
        }
        return (ho, wo)
    }
}
