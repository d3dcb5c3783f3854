#if canImport(Glibc)
import Glibc
#endif

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
            kernel.run(x: x, h: inputSize, w: inputSize, y: ws.expanded, rows: ho * t / chunks..<ho * (t + 1) / chunks)
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
        case let .expandChannelsLast(i, blockInput, g):
            let block = blocks[i], spec = block.spec
            guard let form = block.channelsLast else { return }
            let groups = Self.groupSlice(t, of: chunks, channels: spec.expand)
            guard !groups.isEmpty else { return }
            // Row bands: the expand conv computes the input rows a band of depthwise output rows needs (rows
            // shared with the previous band are already there) and the depthwise conv reads them while they are
            // in L2. Block 0 has no expand conv: its depthwise input, the stem output, is already in `ws.expanded`.
            let channels = groups.lowerBound * 16..<groups.upperBound * 16
            let kIn = ChannelsLastGEMM.padded(spec.in)
            let band = max(1, Self.bandBytes / max(1, g.stride * g.w * channels.count * 4))
            var computed = 0, oy0 = 0
            while oy0 < g.ho {
                let oy1 = min(g.ho, oy0 + band)
                let need = ChannelsLastDepthwise.inputRows(g, oy0..<oy1).upperBound
                if need > computed, let expand = form.expand {
                    expand.run(x: blockInput + computed * g.w * kIn, c: ws.expanded + computed * g.w * spec.expand,
                               n: (need - computed) * g.w, channels: channels, epilogue: .biasReLU6)
                }
                computed = max(computed, need)
                form.depthwise.withUnsafeBufferPointer { dw in
                    block.depthwise.bias.withUnsafeBufferPointer { db in
                        ChannelsLastDepthwise.run(input: ws.expanded, channels: spec.expand, groups: groups,
                                                  weights: dw.baseAddress!, bias: db.baseAddress!, output: ws.depthwise, g,
                                                  scratch: ws.scratch[t], rows: oy0..<oy1, zeroScratch: oy0 == 0)
                    }
                }
                oy0 = oy1
            }
        case let .projectChannelsLast(i, y, residual, plane):
            guard let form = blocks[i].channelsLast else { return }
            let groups = Self.groupSlice(t, of: chunks, channels: form.project.m)
            guard !groups.isEmpty else { return }
            form.project.run(x: ws.depthwise, c: y, n: plane, channels: groups.lowerBound * 16..<groups.upperBound * 16,
                             epilogue: .bias(residual: residual))
        case let .headChannelsLast(x, plane, out):
            guard let gemm = headChannelsLast else { return }
            let groups = Self.groupSlice(t, of: chunks, channels: gemm.m)
            guard !groups.isEmpty else { return }
            let channels = groups.lowerBound * 16..<groups.upperBound * 16
            gemm.run(x: x, c: ws.head, n: plane, channels: channels, epilogue: .biasReLU6)
            Self.meanPoolChannelsLast(ws.head, plane: plane, stride: gemm.m, channels: channels, out: out)
        default:
            return
        }
    }

    /// Bytes of new expanded rows per band (CAMSIFT_BAND_BYTES overrides, for measuring; huge = no bands).
    nonisolated(unsafe) static var bandBytes: Int = {
        if let v = getenv("CAMSIFT_BAND_BYTES").flatMap({ Int(String(cString: $0)) }), v > 0 { return v }
        return 256 * 1024
    }()

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
