extension EfficientNetLite0 {
    /// Slice `t` of `ws.chunks` of a channels-last phase (see `ChannelsLastGEMM` for why the small planes run
    /// channels-last). Same two-phase block structure as the channel-major path: the expand conv of a slice of
    /// channels is followed at once by the depthwise conv of those channels, still in cache.
    func runChannelsLastPhase(_ t: Int, _ ws: InferenceWorkspace) {
        let chunks = ws.chunks
        switch ws.phase {
        case let .stemChannelsLast(x):
            guard let kernel = stemChannelsLast else { return }
            let ho = (inputSize + 1) / 2
            let g = DepthwiseKernel.Geometry(h: ho, w: ho, k: blocks[0].spec.kernel, stride: blocks[0].spec.stride)
            kernel.run(x: x, h: inputSize, w: inputSize, y: ws.expanded, rows: ho * t / chunks..<ho * (t + 1) / chunks,
                       planes: depthwiseReadsPlanes(0, g) ? ChannelsLastDepthwise.planeLayout(g, firstPixel: 0) : nil)
        case let .toChannelsLast(x, y, channels, plane):
            // Stored 16-padded; the padding channels are 0. Channel-major reads are sequential per channel.
            let width = ChannelsLastGEMM.padded(channels)
            let lo = plane * t / chunks, hi = plane * (t + 1) / chunks
            for c in 0..<width {
                if c < channels {
                    let src = x + c * plane
                    for p in lo..<hi { y[p * width + c] = src[p] }
                } else {
                    for p in lo..<hi { y[p * width + c] = 0 }
                }
            }
        case let .expandChannelsLast(i, blockInput, g, project):
            let block = tops[ws.top].blocks[i], spec = block.spec
            guard let form = block.channelsLast else { return }
            // Split by output rows (all channels) or by 16-channel groups (all rows): see `rowSplitMinRows`.
            let byRows = chunks > 1 && g.h >= Self.rowSplitMinRows
            let groups = byRows ? 0..<spec.expand / 16 : Self.groupSlice(t, of: chunks, channels: spec.expand)
            let outRows = byRows ? g.ho * t / chunks..<g.ho * (t + 1) / chunks : 0..<g.ho
            guard !groups.isEmpty && !outRows.isEmpty else { return }
            // Block 0's depthwise input is the stem output, already in `ws.expanded`; a row-split expand conv
            // writes to the thread's own buffer (neighbouring slices compute the rows they share).
            let expanded = byRows && form.expand != nil ? ws.expanded(thread: t) : ws.expanded
            // Row bands: the expand conv computes the input rows a band of depthwise output rows needs (rows
            // shared with the previous band are already there) and the depthwise conv reads them while they are
            // in L2.
            let channels = groups.lowerBound * 16..<groups.upperBound * 16
            let kIn = ChannelsLastGEMM.padded(spec.in)
            let band = max(1, Self.bandBytes / max(1, g.stride * g.w * channels.count * 4))
            // Planar: the expand GEMM writes each 16-channel group straight into its own zero-bordered plane, the
            // layout the depthwise taps read, instead of `[pixels × channels]` that the depthwise conv then copied
            // group by group into a scratch plane. Measured 1 thread, batch 16 (bench/RESULTS.md session 6): CPU
            // 10.12 → 9.66 ms per image (medians of 12). Needs widths in whole 7-pixel GEMM tiles (every plane of
            // a 224² input; other sizes take the copy).
            let planar = depthwiseReadsPlanes(i, g)
            var computed = ChannelsLastDepthwise.inputRows(g, outRows).lowerBound, oy0 = outRows.lowerBound
            while oy0 < outRows.upperBound {
                let oy1 = min(outRows.upperBound, oy0 + band)
                let need = ChannelsLastDepthwise.inputRows(g, oy0..<oy1).upperBound
                if need > computed, let expand = form.expand {
                    // Planar output is addressed from the planes' start; `[pixels × channels]` from row `computed`.
                    expand.run(x: blockInput + computed * g.w * kIn,
                               c: planar ? expanded : expanded + computed * g.w * spec.expand,
                               n: (need - computed) * g.w, channels: channels, epilogue: .biasReLU6,
                               planes: planar ? ChannelsLastDepthwise.planeLayout(g, firstPixel: computed * g.w) : nil)
                }
                computed = max(computed, need)
                // Fused project: the band's depthwise rows go to the start of `ws.depthwise` (row `oy0` there), so
                // the project reads them from L2 and they are overwritten by the next band while still cached.
                let row0 = project == nil ? 0 : oy0
                form.depthwise.withUnsafeBufferPointer { dw in
                    block.depthwise.bias.withUnsafeBufferPointer { db in
                        if planar {
                            ChannelsLastDepthwise.runPadded(planes: expanded, groups: groups, channels: spec.expand,
                                                            weights: dw.baseAddress!, bias: db.baseAddress!,
                                                            output: ws.depthwise, outputRow0: row0, g, rows: oy0..<oy1,
                                                            zeroBorder: form.expand != nil && oy0 == outRows.lowerBound)
                        } else {
                            ChannelsLastDepthwise.run(input: expanded, channels: spec.expand, groups: groups,
                                                      weights: dw.baseAddress!, bias: db.baseAddress!, output: ws.depthwise,
                                                      g, scratch: ws.scratch[t], rows: oy0..<oy1,
                                                      zeroScratch: oy0 == outRows.lowerBound, outputRow0: row0)
                        }
                    }
                }
                if let project {
                    let m = form.project.m, first = oy0 * g.wo
                    form.project.run(x: ws.depthwise, c: project.output + first * m, n: (oy1 - oy0) * g.wo,
                                     channels: 0..<m, epilogue: .bias(residual: project.residual.map { $0 + first * m }))
                }
                oy0 = oy1
            }
        case let .projectChannelsLast(i, y, residual, plane):
            guard let form = tops[ws.top].blocks[i].channelsLast else { return }
            let gemm = form.project
            if Self.projectSplitsPixels(plane: plane, channels: gemm.m, chunks: chunks) {
                let pixels = Self.pixelSlice(t, of: chunks, plane: plane)
                guard !pixels.isEmpty else { return }
                let p0 = pixels.lowerBound
                gemm.run(x: ws.depthwise + p0 * gemm.k, c: y + p0 * gemm.m, n: pixels.count, channels: 0..<gemm.m,
                         epilogue: .bias(residual: residual.map { $0 + p0 * gemm.m }))
                return
            }
            let groups = Self.groupSlice(t, of: chunks, channels: gemm.m)
            guard !groups.isEmpty else { return }
            gemm.run(x: ws.depthwise, c: y, n: plane, channels: groups.lowerBound * 16..<groups.upperBound * 16,
                     epilogue: .bias(residual: residual))
        case let .headChannelsLast(x, plane, out):
            guard let gemm = tops[ws.top].headChannelsLast else { return }
            let groups = Self.groupSlice(t, of: chunks, channels: gemm.m)
            guard !groups.isEmpty else { return }
            let channels = groups.lowerBound * 16..<groups.upperBound * 16
            gemm.run(x: x, c: ws.head, n: plane, channels: channels, epilogue: .biasReLU6)
            Self.meanPoolChannelsLast(ws.head, plane: plane, stride: gemm.m, channels: channels, out: out)
        default:
            return
        }
    }

    /// Whether block `i`'s channels-last depthwise conv reads its input in place from zero-bordered group planes
    /// (`ChannelsLastDepthwise.planeLayout`), written by the block's expand GEMM or, for block 0 (no expand conv),
    /// by the stem: widths in whole 7-pixel GEMM/stem tiles (every plane of a 224² input); otherwise the
    /// depthwise conv copies `[pixels × channels]` into a scratch plane group by group.
    func depthwiseReadsPlanes(_ i: Int, _ g: DepthwiseKernel.Geometry) -> Bool {
        guard let form = blocks[i].channelsLast, g.w % ChannelsLastGEMM.pixels == 0 else { return false }
        // Block 0 without an expand conv convolves the stem's 32 channels (`ChannelsLastStem` exists only for 32).
        return form.expand != nil || (i == 0 && stemChannelsLast != nil)
    }

    /// Expand + depthwise phases whose input plane has at least this many rows are split by output rows when one
    /// image is split over threads (at 224² input: blocks 0–5, planes 112² … 28²); smaller planes split by
    /// channel groups. Rows keep each thread on the rows it wrote in the phase before (the stem and the
    /// pixel-split projects cut the same rows); block 0 has only 2 groups, and its group split read every other
    /// cache line of the whole 112² plane on both threads: no speed-up at all. The cost is the input rows two
    /// slices share, which both compute (1–2 rows per slice). Measured (`engine-profile --chunks 2`, bench/RESULTS.md
    /// session 6): block 0 0.28 → 0.09 ms, block 1 0.42 → 0.34, blocks 2–5 within noise.
    /// A constant (the sweep that chose it ran on a throw-away build; bench/history/RESULTS-diary-2026.md).
    static let rowSplitMinRows = 28

    /// Whether an unsplit pass (`chunks` 1: every image of a batch) runs each block's project conv band by band
    /// inside the expand phase, right after the band's depthwise rows, instead of as a phase of its own over the
    /// whole plane. The depthwise output then lives in one band-sized region that stays in L2: written over the
    /// whole plane, every 64-byte store of a 16-channel group missed cache (the 112² and 56² outputs are 1–2 MB;
    /// `engine-profile`: block 0's phase 0.21–0.24 → 0.11–0.15 ms with its output kept to 8 rows). Split passes
    /// (one image over threads) keep separate phases: their project is split differently from the expand.
    /// A constant (fused vs separate: engine session 7, item 4, in bench/history/RESULTS-diary-2026.md).
    static let fuseProjectIntoBands = true

    /// Bytes of new expanded rows per band: 256 K beat 128 K, 512 K and 1 M (engine session 7, same diary).
    static let bandBytes = 256 * 1024

    /// Slice `t` of `chunks` of a channel count, in 16-channel groups, cutting at multiples of 48 channels (the
    /// GEMM's widest tile) when whole 48-channel triples share out evenly; otherwise by groups. (Triples were also
    /// used when they did not share out evenly: 144 channels as 48 + 96 left one batch-1 thread idle for a third
    /// of the 56² blocks' expand + depthwise.)
    static func groupSlice(_ t: Int, of chunks: Int, channels: Int) -> Range<Int> {
        let groups = channels / 16
        if groups % 3 == 0 && (groups / 3) % chunks == 0 {
            let triples = groups / 3
            return triples * t / chunks * 3..<triples * (t + 1) / chunks * 3
        }
        return groups * t / chunks..<groups * (t + 1) / chunks
    }

    /// Whether a split project phase cuts pixels (7-pixel row tiles, all output channels each) rather than
    /// 16-channel groups: whichever leaves the busiest thread less work, pixels on a tie. The projects' outputs
    /// are 16–320 channels, 1–20 groups: 16 (block 0) is one group, so a channel split left the second thread
    /// idle; 48 (blocks 3–4) split 1 + 2, 80 split 2 + 3, 112 split 3 + 4. A pixel slice also reads only its own
    /// rows of the depthwise output instead of all of it. 7² planes (7 tiles: 3 + 4) keep the channel split.
    static func projectSplitsPixels(plane: Int, channels: Int, chunks: Int) -> Bool {
        guard chunks > 1 else { return false }
        let tiles = (plane + ChannelsLastGEMM.pixels - 1) / ChannelsLastGEMM.pixels
        let groups = channels / 16
        let busiestPixels = Double((tiles + chunks - 1) / chunks) / Double(tiles)
        var most = 0
        for t in 0..<chunks { most = max(most, groupSlice(t, of: chunks, channels: channels).count) }
        return busiestPixels <= Double(most) / Double(groups)
    }

    /// Slice `t` of `chunks` of a plane's pixels, cut at whole 7-pixel row tiles.
    static func pixelSlice(_ t: Int, of chunks: Int, plane: Int) -> Range<Int> {
        let tiles = (plane + ChannelsLastGEMM.pixels - 1) / ChannelsLastGEMM.pixels
        let lo = tiles * t / chunks * ChannelsLastGEMM.pixels, hi = tiles * (t + 1) / chunks * ChannelsLastGEMM.pixels
        return min(plane, lo)..<min(plane, hi)
    }

    /// `out[c] = mean_p y[p][c]` over a channels-last `[plane × stride]` tensor, for `channels` (16-aligned).
    static func meanPoolChannelsLast(_ y: UnsafePointer<Float>, plane: Int, stride: Int, channels: Range<Int>,
                                     out: UnsafeMutablePointer<Float>) {
        typealias V = SIMD16<Float>
        let inv = V(repeating: 1 / Float(plane))
        var c = channels.lowerBound
        while c < channels.upperBound {
            var s = V()
            var p = UnsafeRawPointer(y + c)
            for _ in 0..<plane {
                s += p.loadUnaligned(as: V.self)
                p += stride * 4
            }
            UnsafeMutableRawPointer(out + c).storeBytes(of: s * inv, as: V.self)
            c += 16
        }
    }
}
