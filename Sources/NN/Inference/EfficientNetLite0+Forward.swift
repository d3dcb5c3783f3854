extension EfficientNetLite0 {
    /// One image through the network into its pooled features, split into `chunks` parallel slices per phase.
    ///
    /// Each block is two fork-join phases. Phase A: the producer 1×1 conv (expand, or the stem conv for block
    /// 0) for a slice of channels, then the depthwise conv of *the same* channels — depthwise channel c reads
    /// only producer channel c, so the slice needs no barrier in between and its output is still in cache.
    /// Phase B: the project conv, split by output columns (large planes) or output channels (small planes),
    /// with bias and residual add fused. All 1×1 convs (and the stem, after im2col) run `PointwiseGEMM`; the
    /// parallelism is ours, so a preempted helper thread is covered by whichever thread is free.
    func forward(image x: UnsafePointer<Float>, features out: UnsafeMutablePointer<Float>,
                 workspace ws: InferenceWorkspace, chunks: Int) {
        // Stem im2col (TF-SAME, stride 2), split by im2col rows.
        let sh = (inputSize + 1) / 2, sw = (inputSize + 1) / 2
        InferenceParallel.forEach(chunks) { t in
            let planes = stem.inChannels
            let lo = planes * t / chunks, hi = planes * (t + 1) / chunks
            guard lo < hi else { return }
            _ = PointwiseKernel.im2colSame(x + lo * inputSize * inputSize, channels: hi - lo, h: inputSize,
                                           w: inputSize, k: stem.kernel, stride: 2,
                                           cols: ws.cols + lo * stem.kernel * stem.kernel * sh * sw)
        }
        var h = sh, w = sw
        var input = UnsafeMutablePointer<Float>(mutating: ws.cols)
        for (i, block) in blocks.enumerated() {
            let spec = block.spec
            let g = DepthwiseKernel.Geometry(h: h, w: w, k: spec.kernel, stride: spec.stride)
            let blockInput = input, plane = h * w
            // Phase A: producer conv rows (bias + ReLU6 in its epilogue) + depthwise of the same channels.
            let producer = block.expandGEMM ?? stemGEMM
            block.depthwise.weights.withUnsafeBufferPointer { dw in
                block.depthwise.bias.withUnsafeBufferPointer { db in
                    InferenceParallel.forEach(chunks) { t in
                        let rows = Self.rowSlice(t, of: chunks, rows: spec.expand)
                        guard !rows.isEmpty else { return }
                        producer.run(b: blockInput, c: ws.expanded, n: plane, rows: rows, columns: 0..<plane,
                                     epilogue: .biasReLU6, tail: ws.tail[t])
                        let scratch = ws.scratch[t]
                        DepthwiseKernel.prepare(scratch: scratch, g)
                        let kk = g.k * g.k, outPlane = g.ho * g.wo
                        for c in rows {
                            DepthwiseKernel.plane(input: ws.expanded + c * plane, inputBias: nil,
                                                  weights: dw.baseAddress! + c * kk, bias: db[c], relu6: true,
                                                  output: ws.depthwise + c * outPlane, g, scratch: scratch)
                        }
                    }
                }
            }
            // Phase B: project conv with bias (+ residual) in its epilogue; columns split when the plane is wide.
            let outPlane = g.ho * g.wo
            let y = i == 0 || input == ws.b ? ws.a : ws.b
            let residual: UnsafePointer<Float>? = spec.residual ? UnsafePointer(blockInput) : nil
            InferenceParallel.forEach(chunks) { t in
                var rows = 0..<spec.out, columns = 0..<outPlane
                if outPlane >= chunks * 8 * PointwiseGEMM.nr {
                    let step = (outPlane + chunks * PointwiseGEMM.nr - 1) / (chunks * PointwiseGEMM.nr) * PointwiseGEMM.nr
                    columns = min(outPlane, t * step)..<min(outPlane, (t + 1) * step)
                } else {
                    rows = Self.rowSlice(t, of: chunks, rows: spec.out)
                }
                guard !rows.isEmpty && !columns.isEmpty else { return }
                block.projectGEMM.run(b: ws.depthwise, c: y, n: outPlane, rows: rows, columns: columns,
                                      epilogue: .bias(residual: residual), tail: ws.tail[t])
            }
            input = y
            h = g.ho
            w = g.wo
        }
        // Head 1×1 conv + bias + ReLU6 + global average pool, split by output channels.
        let plane = h * w, headInput = input
        InferenceParallel.forEach(chunks) { t in
            let rows = Self.rowSlice(t, of: chunks, rows: head.outChannels)
            guard !rows.isEmpty else { return }
            headGEMM.run(b: headInput, c: ws.head, n: plane, rows: rows, columns: 0..<plane, epilogue: .biasReLU6,
                         tail: ws.tail[t])
            PointwiseKernel.meanPool(ws.head, plane: plane, channels: rows, out: out)
        }
    }

    /// Slice `t` of `chunks` of `rows` output channels, cut at multiples of the GEMM's 8-row tile.
    static func rowSlice(_ t: Int, of chunks: Int, rows: Int) -> Range<Int> {
        let groups = (rows + PointwiseGEMM.mr - 1) / PointwiseGEMM.mr
        return min(rows, groups * t / chunks * PointwiseGEMM.mr)..<min(rows, groups * (t + 1) / chunks * PointwiseGEMM.mr)
    }
}
