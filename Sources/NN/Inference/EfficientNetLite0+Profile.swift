#if canImport(Glibc)
import Glibc
#endif

extension EfficientNetLite0 {
    /// Wall time of one phase of a forward pass over the images profiled (the per-image median × images).
    public struct PhaseTime: Sendable {
        /// `stem`, `block N expand+dw`, `block N project`, `head`.
        public var name: String
        public var seconds: Double
        /// Multiply-adds of the phase for one image (1×1 convs, stem conv and depthwise taps).
        public var macs: Int
    }

    /// Runs `n` images through the network one at a time, split into `chunks` slices per phase as `features`
    /// does at batch 1, and times every phase separately. For finding where a forward pass spends its time
    /// (`camsift-bench engine-profile`); not used in service.
    public func profilePhases(batch: UnsafeBufferPointer<Float>, n: Int, chunks: Int) -> [PhaseTime] {
        precondition(batch.count >= n * imageElementCount && chunks >= 1 && chunks <= threads)
        let ws = workspaces[0]
        var times: [PhaseTime] = []
        var samples: [[Double]] = []
        let features = UnsafeMutablePointer<Float>.allocate(capacity: featureCount)
        defer { features.deallocate() }
        for image in 0..<n {
            walk(image: batch.baseAddress! + image * imageElementCount, features: features, workspace: ws,
                 chunks: chunks) { phase in
                var t0 = timespec(), t1 = timespec()
                clock_gettime(CLOCK_MONOTONIC, &t0)
                InferenceParallel.forEach(chunks, ws.task)
                clock_gettime(CLOCK_MONOTONIC, &t1)
                let s = Double(t1.tv_sec - t0.tv_sec) + Double(t1.tv_nsec - t0.tv_nsec) * 1e-9
                let (name, macs) = describe(phase)
                if let i = times.firstIndex(where: { $0.name == name }) { samples[i].append(s) }
                else {
                    times.append(PhaseTime(name: name, seconds: 0, macs: macs))
                    samples.append([s])
                }
            }
        }
        ws.phase = .idle
        // Median per phase × images: robust to the preemptions of a shared box, which hit single phases.
        for i in times.indices {
            let sorted = samples[i].sorted()
            times[i].seconds = sorted[sorted.count / 2] * Double(n)
        }
        return times
    }

    /// A phase's name and multiply-adds per image, for the profile.
    private func describe(_ phase: Phase) -> (String, Int) {
        func side(_ plane: Int) -> Int { Int(Double(plane).squareRoot().rounded()) }
        let stemMacs = stem.outChannels * stem.inChannels * stem.kernel * stem.kernel * ((inputSize + 1) / 2) * ((inputSize + 1) / 2)
        switch phase {
        case .idle: return ("idle", 0)
        case .stem: return ("stem im2col", 0)
        case .stemChannelsLast:
            return ("stem \(stem.kernel)×\(stem.kernel)/2 \(stem.inChannels)→\(stem.outChannels) NHWC", stemMacs)
        case .toChannelsLast: return ("to channels-last", 0)
        case let .expand(i, _, g), let .expandChannelsLast(i, _, g, _):
            let spec = blocks[i].spec, nhwc: Bool, fused: Bool
            if case let .expandChannelsLast(_, _, _, project) = phase { nhwc = true; fused = project != nil } else { nhwc = false; fused = false }
            // Block 0's producer is the stem conv: counted here on the channel-major path (im2col + GEMM).
            let producer = i == 0 ? (nhwc ? 0 : stemMacs) : spec.in * spec.expand * g.h * g.w
            return ("block \(i) \(i == 0 ? "stem" : "expand") \(spec.in)→\(spec.expand) @\(g.h)² + dw k\(spec.kernel)s\(spec.stride)"
                    + (fused ? " + project →\(spec.out)" : "") + (nhwc ? " NHWC" : ""),
                    producer + spec.expand * g.ho * g.wo * spec.kernel * spec.kernel + (fused ? spec.expand * spec.out * g.ho * g.wo : 0))
        case let .project(i, _, _, plane), let .projectChannelsLast(i, _, _, plane):
            let spec = blocks[i].spec, nhwc: Bool
            if case .projectChannelsLast = phase { nhwc = true } else { nhwc = false }
            return ("block \(i) project \(spec.expand)→\(spec.out) @\(side(plane))²" + (nhwc ? " NHWC" : ""),
                    spec.expand * spec.out * plane)
        case let .head(_, plane, _), let .headChannelsLast(_, plane, _):
            return ("head \(head.inChannels)→\(head.outChannels) @\(side(plane))² + pool", head.inChannels * head.outChannels * plane)
        }
    }
}
