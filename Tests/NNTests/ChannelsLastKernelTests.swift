import Testing
@testable import NN

/// The channels-last (NHWC) inference kernels against naive loops over the same definitions, and the whole
/// network with and without the channels-last switch.
@Suite("Channels-last inference kernels")
struct ChannelsLastKernelTests {
    @Test func gemmMatchesNaiveWithEveryEpilogue() {
        var rng = SplitMix(seed: 7)
        for trial in 0..<40 {
            let m = 16 * rng.int(1...9), k = rng.int(1...90), n = rng.int(1...60)
            let w = (0..<(m * k)).map { _ in rng.float() }
            let bias = (0..<m).map { _ in rng.float() }
            // 6 pixel rows of slack past n, as the workspace buffers have; NaN so that using them would show.
            let x = (0..<(n * k)).map { _ in rng.float() } + [Float](repeating: .nan, count: 6 * k)
            let residual = (0..<(m * n)).map { _ in rng.float() }
            // Real output channels (`mActive`): all m, or fewer (a 24-of-32 / 40-of-48 project): the tiles stop
            // at them rounded up to 8 (an 8-channel half tile), and the channels past that stay unwritten.
            let real = trial % 2 == 0 ? m : max(1, m - rng.int(1...15))
            let gemm = ChannelsLastGEMM(weights: w, bias: bias, m: m, k: k, mActive: real)
            let computed = (real + 7) / 8 * 8
            // A slice of 16-channel groups, as the parallel phases use.
            let g0 = rng.int(0...(m / 16 - 1)), g1 = rng.int((g0 + 1)...(m / 16))
            let mode = trial % 3
            var c = [Float](repeating: .nan, count: m * n + 1)
            c[m * n] = 12345   // sentinel: nothing written past the last pixel
            residual.withUnsafeBufferPointer { rp in
                c.withUnsafeMutableBufferPointer { cp in
                    let e: PointwiseGEMM.Epilogue = mode == 0 ? .biasReLU6 : .bias(residual: mode == 1 ? rp.baseAddress! : nil)
                    gemm.run(x: x, c: cp.baseAddress!, n: n, channels: (g0 * 16)..<(g1 * 16), epilogue: e)
                }
            }
            #expect(c[m * n] == 12345)
            for p in 0..<n {
                for o in 0..<m {
                    guard (g0 * 16..<g1 * 16).contains(o) && o < computed else {
                        #expect(c[p * m + o].isNaN, "wrote outside its slice at pixel \(p), channel \(o)")
                        continue
                    }
                    var acc = Double(bias[o])
                    for kk in 0..<k { acc += Double(w[o * k + kk]) * Double(x[p * k + kk]) }
                    if mode == 0 { acc = min(max(acc, 0), 6) }
                    if mode == 1 { acc += Double(residual[p * m + o]) }
                    #expect(abs(Float(acc) - c[p * m + o]) <= 1e-4 * max(1, abs(Float(acc))), "m=\(m) (\(real) real) k=\(k) n=\(n)")
                }
            }
        }
    }

    @Test(arguments: [3, 5])
    func depthwiseMatchesNaive(k: Int) {
        var rng = SplitMix(seed: 100 + UInt64(k))
        for _ in 0..<30 {
            let h = rng.int(1...16), w = rng.int(1...16), s = rng.int(1...2), channels = 16 * rng.int(1...4)
            let g = DepthwiseKernel.Geometry(h: h, w: w, k: k, stride: s)
            let x = (0..<(h * w * channels)).map { _ in rng.float() * 4 }
            let weights = (0..<(channels * k * k)).map { _ in rng.float() }
            let bias = (0..<channels).map { _ in rng.float() }
            let packed = ChannelsLastDepthwise.pack(weights: weights, channels: channels, k: k)
            let g0 = rng.int(0...(channels / 16 - 1)), g1 = rng.int((g0 + 1)...(channels / 16))
            var y = [Float](repeating: .nan, count: g.ho * g.wo * channels + 1)
            y[g.ho * g.wo * channels] = 12345
            var scratch = [Float](repeating: .nan, count: ChannelsLastDepthwise.scratchCount(g))
            y.withUnsafeMutableBufferPointer { yp in
                scratch.withUnsafeMutableBufferPointer { sp in
                    // In two row bands, as the banded expand phase runs it (scratch zeroed by the first only).
                    let split = rng.int(0...g.ho)
                    ChannelsLastDepthwise.run(input: x, channels: channels, groups: g0..<g1, weights: packed, bias: bias,
                                              output: yp.baseAddress!, g, scratch: sp.baseAddress!, rows: 0..<split)
                    ChannelsLastDepthwise.run(input: x, channels: channels, groups: g0..<g1, weights: packed, bias: bias,
                                              output: yp.baseAddress!, g, scratch: sp.baseAddress!, rows: split..<g.ho,
                                              zeroScratch: false)
                }
            }
            #expect(y[g.ho * g.wo * channels] == 12345)
            for c in 0..<channels {
                let plane = (0..<(h * w)).map { x[$0 * channels + c] }
                let ref = EfficientNetKernelTests.naiveDepthwise(plane, h: h, w: w, k: k, s: s,
                                                                 weights: Array(weights[(c * k * k)..<((c + 1) * k * k)]),
                                                                 bias: bias[c], inputBias: nil, relu6: true)
                let got = (0..<(g.ho * g.wo)).map { y[$0 * channels + c] }
                if (g0 * 16..<g1 * 16).contains(c) {
                    #expect(EfficientNetKernelTests.close(got, ref), "h=\(h) w=\(w) k=\(k) s=\(s) channel \(c)")
                } else {
                    #expect(got.allSatisfy { $0.isNaN }, "wrote channel \(c) outside its groups")
                }
            }
        }
    }

    /// The planar path (expand GEMM straight into zero-bordered group planes, depthwise in place) against the
    /// copy path (`[pixels × channels]`, then `run` copies each group into a scratch plane), in row bands as the
    /// expand phase runs them, over buffers that start full of garbage (the planes' rings are zeroed by the first band).
    @Test(arguments: [3, 5])
    func planarExpandMatchesTheCopyPath(k: Int) {
        var rng = SplitMix(seed: 300 + UInt64(k))
        for _ in 0..<20 {
            let w = 7 * rng.int(1...3), h = rng.int(1...16), s = rng.int(1...2)
            let channels = 16 * rng.int(1...4), kIn = rng.int(1...20)
            let g = DepthwiseKernel.Geometry(h: h, w: w, k: k, stride: s)
            let expand = ChannelsLastGEMM(weights: (0..<(channels * kIn)).map { _ in rng.float() },
                                          bias: (0..<channels).map { _ in rng.float() }, m: channels, k: kIn)
            let x = (0..<(h * w * kIn)).map { _ in rng.float() * 2 } + [Float](repeating: 0, count: 6 * kIn)
            let packed = ChannelsLastDepthwise.pack(weights: (0..<(channels * k * k)).map { _ in rng.float() },
                                                    channels: channels, k: k)
            let bias = (0..<channels).map { _ in rng.float() }
            let g0 = rng.int(0...(channels / 16 - 1)), g1 = rng.int((g0 + 1)...(channels / 16))
            let split = rng.int(0...g.ho)
            var copyOut = [Float](repeating: .nan, count: g.ho * g.wo * channels)
            var planarOut = copyOut
            var expanded = [Float](repeating: .nan, count: h * w * channels)
            var scratch = [Float](repeating: .nan, count: ChannelsLastDepthwise.scratchCount(g))
            var planes = [Float](repeating: 7, count: channels / 16 * ChannelsLastDepthwise.scratchCount(g))
            x.withUnsafeBufferPointer { xp in
                expand.run(x: xp.baseAddress!, c: &expanded, n: h * w, channels: g0 * 16..<g1 * 16, epilogue: .biasReLU6)
                for band in [0..<split, split..<g.ho] {
                    ChannelsLastDepthwise.run(input: expanded, channels: channels, groups: g0..<g1, weights: packed,
                                              bias: bias, output: &copyOut, g, scratch: &scratch, rows: band,
                                              zeroScratch: band.lowerBound == 0)
                    let rows = ChannelsLastDepthwise.inputRows(g, band)
                    let first = band.lowerBound == 0 ? 0 : ChannelsLastDepthwise.inputRows(g, 0..<split).upperBound
                    if rows.upperBound > first {
                        expand.run(x: xp.baseAddress! + first * w * kIn, c: &planes, n: (rows.upperBound - first) * w,
                                   channels: g0 * 16..<g1 * 16, epilogue: .biasReLU6,
                                   planes: ChannelsLastDepthwise.planeLayout(g, firstPixel: first * w))
                    }
                    ChannelsLastDepthwise.runPadded(planes: &planes, groups: g0..<g1, channels: channels, weights: packed,
                                                    bias: bias, output: &planarOut, g, rows: band,
                                                    zeroBorder: band.lowerBound == 0)
                }
            }
            for i in 0..<copyOut.count where !(copyOut[i].isNaN && planarOut[i].isNaN) {
                #expect(copyOut[i] == planarOut[i], "h=\(h) w=\(w) s=\(s) at \(i)")
            }
            #expect(copyOut.contains { !$0.isNaN } == (g.ho > 0))
        }
    }

    @Test func groupSlicesCoverEveryChannelOnce() {
        for channels in stride(from: 16, through: 1280, by: 16) {
            for chunks in 1...3 {
                let slices = (0..<chunks).map { EfficientNetLite0.groupSlice($0, of: chunks, channels: channels) }
                #expect(slices.first?.lowerBound == 0 && slices.last?.upperBound == channels / 16)
                #expect(zip(slices, slices.dropFirst()).allSatisfy { $0.upperBound == $1.lowerBound })
            }
        }
    }

    @Test func pixelSlicesCoverEveryPixelOnceInWholeTiles() {
        for plane in [1, 7, 49, 50, 196, 784, 3136, 12544] {
            for chunks in 1...3 {
                let slices = (0..<chunks).map { EfficientNetLite0.pixelSlice($0, of: chunks, plane: plane) }
                #expect(slices.first?.lowerBound == 0 && slices.last?.upperBound == plane, "plane \(plane)")
                #expect(zip(slices, slices.dropFirst()).allSatisfy { $0.upperBound == $1.lowerBound })
                #expect(slices.allSatisfy { $0.lowerBound % ChannelsLastGEMM.pixels == 0 })
            }
        }
    }

    /// The split project picks whichever cut leaves the busiest thread less work.
    @Test func projectSplitPicksTheEvenerCut() {
        // Block 0: 16 output channels are one group; a channel split idles the second thread.
        #expect(EfficientNetLite0.projectSplitsPixels(plane: 112 * 112, channels: 16, chunks: 2))
        // 80 channels (2 + 3 groups) on 14² (28 tiles, 14 + 14).
        #expect(EfficientNetLite0.projectSplitsPixels(plane: 196, channels: 80, chunks: 2))
        // 7² is 7 tiles (3 + 4); 192 channels split 6 + 6.
        #expect(!EfficientNetLite0.projectSplitsPixels(plane: 49, channels: 192, chunks: 2))
        #expect(!EfficientNetLite0.projectSplitsPixels(plane: 196, channels: 80, chunks: 1))
    }

    @Test func stemMatchesNaiveTFSameConvOnOddAndEvenSizes() {
        var rng = SplitMix(seed: 31)
        for _ in 0..<12 {
            let h = rng.int(3...40), w = rng.int(3...40)
            let weights = (0..<(32 * 27)).map { _ in rng.float() }
            let bias = (0..<32).map { _ in rng.float() }
            let x = (0..<(3 * h * w)).map { _ in rng.float() * 2 }
            let conv = FoldedConv(outChannels: 32, inChannels: 3, kernel: 3, weights: weights, bias: bias)
            guard let stem = ChannelsLastStem(conv) else { Issue.record("32-channel 3×3 stem refused"); return }
            let (ho, pt) = EfficientNetKernelTests.samePadding(h, 3, 2), (wo, pl) = EfficientNetKernelTests.samePadding(w, 3, 2)
            var y = [Float](repeating: .nan, count: ho * wo * 32 + 1)
            y[ho * wo * 32] = 12345
            let split = rng.int(0...ho)   // two row slices, as two threads would run them
            y.withUnsafeMutableBufferPointer { yp in
                stem.run(x: x, h: h, w: w, y: yp.baseAddress!, rows: 0..<split)
                stem.run(x: x, h: h, w: w, y: yp.baseAddress!, rows: split..<ho)
            }
            #expect(y[ho * wo * 32] == 12345)
            for oy in 0..<ho {
                for ox in 0..<wo {
                    for co in 0..<32 {
                        var acc = Double(bias[co])
                        for ci in 0..<3 {
                            for ky in 0..<3 {
                                for kx in 0..<3 {
                                    let iy = oy * 2 + ky - pt, ix = ox * 2 + kx - pl
                                    guard iy >= 0, iy < h, ix >= 0, ix < w else { continue }
                                    acc += Double(x[(ci * h + iy) * w + ix]) * Double(weights[co * 27 + (ci * 3 + ky) * 3 + kx])
                                }
                            }
                        }
                        let ref = Float(min(max(acc, 0), 6))
                        let got = y[(oy * wo + ox) * 32 + co]
                        #expect(abs(got - ref) <= 1e-4 * max(1, abs(ref)), "h=\(h) w=\(w) at (\(oy), \(ox)) channel \(co)")
                    }
                }
            }
        }
    }

    /// Block 0 has no expand conv: the stem writes its output straight into the depthwise conv's zero-bordered
    /// group planes (and zeroes their rings), in two row slices as two threads run it, over planes full of
    /// garbage; block 0's depthwise then reads them in place. Must equal the `[pixels × 32]` stem output run
    /// through the copy path, bit for bit, with every padding float of both planes zero.
    @Test(arguments: [3, 5])
    func stemIntoPlanesMatchesTheCopyPath(k: Int) {
        var rng = SplitMix(seed: 400 + UInt64(k))
        for _ in 0..<10 {
            let h = 14 * rng.int(1...3) - rng.int(0...1), w = 14 * rng.int(1...3) - rng.int(0...1)
            let ho = (h + 1) / 2, wo = (w + 1) / 2
            let weights = (0..<(32 * 27)).map { _ in rng.float() }
            let conv = FoldedConv(outChannels: 32, inChannels: 3, kernel: 3, weights: weights,
                                  bias: (0..<32).map { _ in rng.float() })
            guard let stem = ChannelsLastStem(conv) else { Issue.record("32-channel 3×3 stem refused"); return }
            let x = (0..<(3 * h * w)).map { _ in rng.float() * 2 }
            let g = DepthwiseKernel.Geometry(h: ho, w: wo, k: k, stride: rng.int(1...2))
            let packed = ChannelsLastDepthwise.pack(weights: (0..<(32 * k * k)).map { _ in rng.float() }, channels: 32, k: k)
            let bias = (0..<32).map { _ in rng.float() }
            let layout = ChannelsLastDepthwise.planeLayout(g, firstPixel: 0)
            var nhwc = [Float](repeating: .nan, count: ho * wo * 32)
            var scratch = [Float](repeating: .nan, count: ChannelsLastDepthwise.scratchCount(g))
            var planes = [Float](repeating: 7, count: 2 * layout.planeFloats)
            var copyOut = [Float](repeating: .nan, count: g.ho * g.wo * 32), planarOut = copyOut
            let split = rng.int(0...ho)
            for rows in [0..<split, split..<ho] {
                stem.run(x: x, h: h, w: w, y: &nhwc, rows: rows)
                stem.run(x: x, h: h, w: w, y: &planes, rows: rows, planes: layout)
            }
            ChannelsLastDepthwise.run(input: nhwc, channels: 32, groups: 0..<2, weights: packed, bias: bias,
                                      output: &copyOut, g, scratch: &scratch)
            ChannelsLastDepthwise.runPadded(planes: &planes, groups: 0..<2, channels: 32, weights: packed, bias: bias,
                                            output: &planarOut, g, rows: 0..<g.ho, zeroBorder: false)
            #expect(copyOut == planarOut, "h=\(h) w=\(w) k=\(k) s=\(g.stride)")
            var ring = 0
            for q in 0..<2 {
                for r in 0..<(layout.planeFloats / (layout.columns * 16)) {
                    for c in 0..<layout.columns {
                        let inside = r >= g.padTop && r < g.padTop + ho && c >= g.padLeft && c < g.padLeft + wo
                        for j in 0..<16 where !inside {
                            ring += 1
                            #expect(planes[q * layout.planeFloats + (r * layout.columns + c) * 16 + j] == 0)
                        }
                    }
                }
            }
            #expect(ring > 0)
        }
    }
}
