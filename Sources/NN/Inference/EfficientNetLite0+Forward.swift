extension EfficientNetLite0 {
    /// One fork-join phase of a forward pass: what `runPhase` needs besides the workspace. Payloads are plain
    /// values (pointers, indices, geometry), so setting the phase stores no closure and allocates nothing.
    enum Phase {
        case idle
        /// Stem im2col (TF-SAME, stride 2), split by im2col rows.
        case stem(image: UnsafePointer<Float>)
        /// Producer 1×1 conv rows (bias + ReLU6) + the depthwise conv of the same channels.
        case expand(block: Int, input: UnsafeMutablePointer<Float>, geometry: DepthwiseKernel.Geometry)
        /// Project conv with bias (+ residual), split by columns (wide planes) or output channels.
        case project(block: Int, output: UnsafeMutablePointer<Float>, residual: UnsafePointer<Float>?, plane: Int)
        /// Head 1×1 conv + bias + ReLU6 + global average pool, split by output channels.
        case head(input: UnsafeMutablePointer<Float>, plane: Int, features: UnsafeMutablePointer<Float>)
        /// The stem conv straight into channels-last `ws.expanded` (block 0's depthwise input), split by rows.
        case stemChannelsLast(image: UnsafePointer<Float>)
        /// Channel-major `[C × plane]` → channels-last `[plane × padded(C)]`, split by pixels.
        case toChannelsLast(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, channels: Int, plane: Int)
        /// Channels-last `expand` (expand conv + depthwise of the same channels), split by output rows (planes of
        /// ≥ `rowSplitMinRows` rows) or by 16-channel groups. With `project` (an unsplit pass,
        /// `fuseProjectIntoBands`), each row band's project conv too, into `project.output` (+ residual).
        case expandChannelsLast(block: Int, input: UnsafeMutablePointer<Float>, geometry: DepthwiseKernel.Geometry,
                                project: ProjectTarget?)
        /// Channels-last `project`, split by pixels or by output channels (`projectSplitsPixels`).
        case projectChannelsLast(block: Int, output: UnsafeMutablePointer<Float>, residual: UnsafePointer<Float>?, plane: Int)
        /// Channels-last `head`, split by output channels.
        case headChannelsLast(input: UnsafeMutablePointer<Float>, plane: Int, features: UnsafeMutablePointer<Float>)
    }

    /// Where a block's project conv writes, and the residual it adds.
    struct ProjectTarget {
        let output: UnsafeMutablePointer<Float>, residual: UnsafePointer<Float>?
    }

    /// One image through the network into its pooled features, split into `chunks` parallel slices per phase.
    ///
    /// Each block is two fork-join phases. Phase A: the producer 1×1 conv (expand, or the stem conv for block
    /// 0) for a slice of channels, then the depthwise conv of *the same* channels — depthwise channel c reads
    /// only producer channel c, so the slice needs no barrier in between and its output is still in cache.
    /// Phase B: the project conv, split by output columns (large planes) or output channels (small planes),
    /// with bias and residual add fused. Blocks from `channelsLastFrom` (`channelsLastFromSplit` when split) on
    /// run channels-last (`ChannelsLastStem`/`ChannelsLastGEMM`/`ChannelsLastDepthwise`, split by 16-channel
    /// groups, or rows and pixels on large planes); blocks before it channel-major (`PointwiseGEMM`, the stem after
    /// im2col). An unsplit channels-last pass (`chunks` 1) runs phase B inside phase A, band by band
    /// (`fuseProjectIntoBands`). The parallelism is ours, so a preempted helper thread is covered by whichever
    /// thread is free.
    ///
    /// Phases are described by `ws.phase` and run by the workspace's persistent `task` closure: a closure
    /// literal per phase would be converted to an escaping one for the worker threads on every call, and that
    /// conversion allocates (the inference hot path must not).
    ///
    /// With several tops (trunk sharing), top `v`'s features go to `out + v·topStride`.
    func forward(image x: UnsafePointer<Float>, features out: UnsafeMutablePointer<Float>, topStride: Int,
                 workspace ws: InferenceWorkspace, chunks: Int) {
        walk(image: x, features: out, topStride: topStride, workspace: ws, chunks: chunks) { _ in
            InferenceParallel.forEach(chunks, ws.task)
        }
    }

    /// The sequence of phases of one forward pass: sets `ws.phase` to each in turn and calls `run` to run it
    /// (`forward` fork-joins it; `forEachPhase` hands it to a benchmark that times it), so the two cannot drift
    /// apart. `run` is non-escaping: nothing is allocated.
    func walk(image x: UnsafePointer<Float>, features out: UnsafeMutablePointer<Float>, workspace ws: InferenceWorkspace,
              chunks: Int, _ run: (Phase) -> Void) {
        walk(image: x, features: out, topStride: featureCount, workspace: ws, chunks: chunks, run)
    }

    /// `walk` over every top (trunk sharing, `SharedTrunkEfficientNet`): the stem and the blocks below
    /// `trunkBlocks` once, the last of them writing to `ws.trunk`, then each top's blocks from there on (reading
    /// `ws.trunk`, which no top writes), head conv and pooling into `out + v·topStride` for top `v`. With one top,
    /// the plain pass.
    func walk(image x: UnsafePointer<Float>, features out: UnsafeMutablePointer<Float>, topStride: Int,
              workspace ws: InferenceWorkspace, chunks: Int, _ run: (Phase) -> Void) {
        ws.chunks = chunks
        let all = 0..<blocks.count
        if tops.count == 1 {
            walkBlocks(all, top: 0, image: x, from: nil, features: out, save: nil, workspace: ws, chunks: chunks, run)
        } else if trunkBlocks == blocks.count && headShared {
            // Only the classifiers differ: one pass gives every top's features.
            walkBlocks(all, top: 0, image: x, from: nil, features: out, save: nil, workspace: ws, chunks: chunks, run)
            for v in 1..<tops.count { (out + v * topStride).update(from: out, count: featureCount) }
        } else if trunkBlocks == 0 {
            // Only the stem is shared. Its output is block 0's depthwise input, not a block output (channels-last:
            // already in the zero-bordered planes of `ws.expanded`); each top runs it again (~1 % of a pass).
            for v in tops.indices {
                walkBlocks(all, top: v, image: x, from: nil, features: out + v * topStride, save: nil, workspace: ws,
                           chunks: chunks, run)
            }
        } else {
            let saved = ws.trunk!
            walkBlocks(0..<trunkBlocks, top: 0, image: x, from: nil, features: nil, save: saved, workspace: ws,
                       chunks: chunks, run)
            for v in tops.indices {
                walkBlocks(trunkBlocks..<blocks.count, top: v, image: nil, from: saved, features: out + v * topStride,
                           save: nil, workspace: ws, chunks: chunks, run)
            }
        }
        ws.phase = .idle
        ws.top = 0
    }

    /// Blocks `range` of one pass with top `top`'s weights (blocks below `trunkBlocks` are every top's). With
    /// `image`, `range` starts at block 0 and the stem runs first; otherwise `start` is the activation entering
    /// block `range.lowerBound`, as a `walkBlocks` of the same pass kind (`chunks` 1 or not: the layout depends
    /// on it) left it in its `save` (only read). With `out`, `range` ends at the last block and the head pools
    /// into `out`; otherwise the range's last block writes its output to `save`.
    private func walkBlocks(_ range: Range<Int>, top: Int, image x: UnsafePointer<Float>?,
                            from start: UnsafeMutablePointer<Float>?, features out: UnsafeMutablePointer<Float>?,
                            save: UnsafeMutablePointer<Float>?, workspace ws: InferenceWorkspace, chunks: Int,
                            _ run: (Phase) -> Void) {
        func step(_ phase: Phase) {
            ws.phase = phase
            run(phase)
        }
        ws.top = top
        let switchAt = chunks == 1 ? channelsLastFrom : channelsLastFromSplit
        var h = (inputSize + 1) / 2, w = (inputSize + 1) / 2
        var input: UnsafeMutablePointer<Float>
        if let x {
            step(switchAt == 0 ? .stemChannelsLast(image: x) : .stem(image: x))
            input = UnsafeMutablePointer<Float>(mutating: ws.cols)
        } else {
            input = start!
            for i in 0..<range.lowerBound {   // the plane entering the range ("same" padding: ⌈side / stride⌉)
                h = (h + blocks[i].spec.stride - 1) / blocks[i].spec.stride
                w = (w + blocks[i].spec.stride - 1) / blocks[i].spec.stride
            }
        }
        for i in range {
            let spec = blocks[i].spec
            let g = DepthwiseKernel.Geometry(h: h, w: w, k: spec.kernel, stride: spec.stride)
            let last = i >= switchAt
            if last && i == switchAt && i > 0 {
                // The switch to channels-last: the block input moves to the other ping-pong buffer.
                let moved = input == ws.a ? ws.b : ws.a
                step(.toChannelsLast(input: input, output: moved, channels: spec.in, plane: h * w))
                input = moved
            }
            let y = i == range.upperBound - 1 && save != nil ? save! : i == 0 || input == ws.b ? ws.a : ws.b
            let residual = spec.residual ? UnsafePointer(input) : nil
            if last && chunks == 1 && Self.fuseProjectIntoBands {
                step(.expandChannelsLast(block: i, input: input, geometry: g, project: ProjectTarget(output: y, residual: residual)))
            } else {
                step(last ? .expandChannelsLast(block: i, input: input, geometry: g, project: nil)
                          : .expand(block: i, input: input, geometry: g))
                step(last ? .projectChannelsLast(block: i, output: y, residual: residual, plane: g.ho * g.wo)
                          : .project(block: i, output: y, residual: residual, plane: g.ho * g.wo))
            }
            input = y
            h = g.ho
            w = g.wo
        }
        guard let out else { return }
        step(switchAt < blocks.count ? .headChannelsLast(input: input, plane: h * w, features: out)
                                     : .head(input: input, plane: h * w, features: out))
    }

    /// Slice `t` of `ws.chunks` of the current phase.
    func runPhase(_ t: Int, _ ws: InferenceWorkspace) {
        let chunks = ws.chunks
        switch ws.phase {
        case .idle:
            return
        case let .stem(x):
            let planes = stem.inChannels, sh = (inputSize + 1) / 2, sw = (inputSize + 1) / 2
            let lo = planes * t / chunks, hi = planes * (t + 1) / chunks
            guard lo < hi else { return }
            _ = PointwiseKernel.im2colSame(x + lo * inputSize * inputSize, channels: hi - lo, h: inputSize,
                                           w: inputSize, k: stem.kernel, stride: 2,
                                           cols: ws.cols + lo * stem.kernel * stem.kernel * sh * sw)
        case let .expand(i, blockInput, g):
            let block = tops[ws.top].blocks[i], spec = block.spec, plane = g.h * g.w
            let rows = Self.rowSlice(t, of: chunks, rows: spec.expand)
            guard !rows.isEmpty else { return }
            let producer = block.expandGEMM ?? stemGEMM
            producer.run(b: blockInput, c: ws.expanded, n: plane, rows: rows, columns: 0..<plane,
                         epilogue: .biasReLU6, tail: ws.tail[t])
            let scratch = ws.scratch[t]
            DepthwiseKernel.prepare(scratch: scratch, g)
            let kk = g.k * g.k, outPlane = g.ho * g.wo
            block.depthwise.weights.withUnsafeBufferPointer { dw in
                block.depthwise.bias.withUnsafeBufferPointer { db in
                    for c in rows {
                        DepthwiseKernel.plane(input: ws.expanded + c * plane, inputBias: nil,
                                              weights: dw.baseAddress! + c * kk, bias: db[c], relu6: true,
                                              output: ws.depthwise + c * outPlane, g, scratch: scratch)
                    }
                }
            }
        case let .project(i, y, residual, outPlane):
            let block = tops[ws.top].blocks[i]
            var rows = 0..<block.spec.out, columns = 0..<outPlane
            if outPlane >= chunks * 8 * PointwiseGEMM.nr {
                let step = (outPlane + chunks * PointwiseGEMM.nr - 1) / (chunks * PointwiseGEMM.nr) * PointwiseGEMM.nr
                columns = min(outPlane, t * step)..<min(outPlane, (t + 1) * step)
            } else {
                rows = Self.rowSlice(t, of: chunks, rows: block.spec.out)
            }
            guard !rows.isEmpty && !columns.isEmpty else { return }
            block.projectGEMM.run(b: ws.depthwise, c: y, n: outPlane, rows: rows, columns: columns,
                                  epilogue: .bias(residual: residual), tail: ws.tail[t])
        case let .head(headInput, plane, out):
            let rows = Self.rowSlice(t, of: chunks, rows: head.outChannels)
            guard !rows.isEmpty else { return }
            tops[ws.top].headGEMM.run(b: headInput, c: ws.head, n: plane, rows: rows, columns: 0..<plane,
                                      epilogue: .biasReLU6, tail: ws.tail[t])
            PointwiseKernel.meanPool(ws.head, plane: plane, channels: rows, out: out)
        default:
            runChannelsLastPhase(t, ws)
        }
    }

    /// Slice `t` of `chunks` of `rows` output channels, cut at multiples of the GEMM's 8-row tile.
    static func rowSlice(_ t: Int, of chunks: Int, rows: Int) -> Range<Int> {
        let groups = (rows + PointwiseGEMM.mr - 1) / PointwiseGEMM.mr
        return min(rows, groups * t / chunks * PointwiseGEMM.mr)..<min(rows, groups * (t + 1) / chunks * PointwiseGEMM.mr)
    }
}
