/// Conv2D backward: dW = dY · colᵀ, dX = col2im(Wᵀ · dY), db = Σ dY — the transposes of the forward GEMM.
/// Columns are recomputed from the saved input rather than kept from forward (im2col costs one pass over memory,
/// the GEMM K·OC/… flops per element, and keeping them would hold a training batch's full column matrix).
extension Conv2D {
    public func backward(_ dy: Tensor) throws -> Tensor {
        let x = try requireSaved(input, layer: layerName)
        guard let g = geometry else { throw NNError(code: .invalidArgument,
            message: "\(layerName): backward without forward") }
        let n = x.shape.n, plane = g.outPlane
        try requireGradShape(dy, Shape(n: n, c: outChannels, h: g.outH, w: g.outW), layer: layerName)
        let ocg = outChannels / groups, k = inChannels / groups * g.kH * g.kW
        let wantW = !weight.isFrozen, wantX = needsInputGradient
        if let bias, !bias.isFrozen { accumulateBiasGradient(dy, into: bias.grad, plane: plane) }
        let dx = gradInputCache.tensor(x.shape)
        guard wantW || wantX else { return dx }
        let w = UnsafePointer(weight.value.pointer), dw = weight.grad.pointer
        if usesDirectPath(g) {
            for img in 0..<n {
                let xi = x.pointer + img * inChannels * g.inPlane, dyi = dy.pointer + img * outChannels * plane
                let dxi = dx.pointer + img * inChannels * g.inPlane
                for grp in 0..<groups {
                    if wantW {
                        BLAS.gemm(transB: true, m: ocg, n: k, k: plane, a: dyi + grp * ocg * plane, lda: plane,
                                  b: xi + grp * k * plane, ldb: plane, beta: 1, c: dw + grp * ocg * k, ldc: k)
                    }
                    if wantX {
                        BLAS.gemm(transA: true, m: k, n: plane, k: ocg, a: w + grp * ocg * k, lda: k,
                                  b: dyi + grp * ocg * plane, ldb: plane, beta: 0, c: dxi + grp * k * plane,
                                  ldc: plane)
                    }
                }
            }
            return dx
        }
        let chunk = chunkImages(batch: n, geometry: g)
        let rows = inChannels * g.kH * g.kW
        var start = 0
        while start < n {
            let count = Swift.min(chunk, n - start), ld = count * plane
            let dyChunk = dy.pointer + start * outChannels * plane
            let dyMat: UnsafePointer<Float>
            if count == 1 {
                dyMat = UnsafePointer(dyChunk)
            } else {
                let buffer = gemmCache.scratch(outChannels * ld)
                Im2Col.transposeBlocks(dyChunk, rows: outChannels, images: count, plane: plane, into: buffer,
                                       toGEMMLayout: true)
                dyMat = UnsafePointer(buffer)
            }
            let col = columnCache.scratch(rows * ld)
            if wantW {
                if !(columnsHoldInput && count == n) {
                    Im2Col.pack(x.pointer + start * inChannels * g.inPlane, channels: inChannels, images: count,
                                geometry: g, into: col)
                }
                for grp in 0..<groups {
                    BLAS.gemm(transB: true, m: ocg, n: k, k: ld, a: dyMat + grp * ocg * ld, lda: ld,
                              b: col + grp * k * ld, ldb: ld, beta: 1, c: dw + grp * ocg * k, ldc: k)
                }
            }
            if wantX {
                // The column buffer is free again: reuse it for dCol.
                for grp in 0..<groups {
                    BLAS.gemm(transA: true, m: k, n: ld, k: ocg, a: w + grp * ocg * k, lda: k,
                              b: dyMat + grp * ocg * ld, ldb: ld, beta: 0, c: col + grp * k * ld, ldc: ld)
                }
                Im2Col.unpack(col, channels: inChannels, images: count, geometry: g,
                              into: dx.pointer + start * inChannels * g.inPlane)
                columnsHoldInput = false
            }
            start += count
        }
        return dx
    }

    /// db[c] += Σ_{n, y, x} dY[n, c, y, x], one task per channel (deterministic summation order).
    func accumulateBiasGradient(_ dy: Tensor, into db: Tensor, plane: Int) {
        let n = dy.shape.n, oc = outChannels, src = dy.pointer, dst = db.pointer
        NNThreads.parallelChunks(oc, grain: Swift.max(1, 16_384 / Swift.max(1, n * plane))) { range in
            for c in range {
                var sum: Float = 0
                for img in 0..<n {
                    let p = src + (img * oc + c) * plane
                    for i in 0..<plane { sum += p[i] }
                }
                dst[c] += sum
            }
        }
    }
}
