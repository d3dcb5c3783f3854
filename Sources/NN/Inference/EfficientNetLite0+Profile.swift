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
        ws.chunks = chunks
        var times: [PhaseTime] = []
        var samples: [[Double]] = []
        func timed(_ name: String, macs: Int, _ phase: Phase) {
            ws.phase = phase
            var t0 = timespec(), t1 = timespec()
            clock_gettime(CLOCK_MONOTONIC, &t0)
            InferenceParallel.forEach(chunks, ws.task)
            clock_gettime(CLOCK_MONOTONIC, &t1)
            let s = Double(t1.tv_sec - t0.tv_sec) + Double(t1.tv_nsec - t0.tv_nsec) * 1e-9
            if let i = times.firstIndex(where: { $0.name == name }) { samples[i].append(s) }
            else {
                times.append(PhaseTime(name: name, seconds: 0, macs: macs))
                samples.append([s])
            }
        }
        let features = UnsafeMutablePointer<Float>.allocate(capacity: featureCount)
        defer { features.deallocate() }
        for image in 0..<n {
            let x = batch.baseAddress! + image * imageElementCount
            var h = (inputSize + 1) / 2, w = (inputSize + 1) / 2
            let switchAt = chunks == 1 ? channelsLastFrom : channelsLastFromSplit
            if switchAt == 0 {
                timed("stem 3×3/2 \(stem.inChannels)→\(stem.outChannels) NHWC", macs: stem.outChannels * stem.inChannels * 9 * h * w,
                      .stemChannelsLast(image: x))
            } else {
                timed("stem im2col", macs: 0, .stem(image: x))
            }
            var input = UnsafeMutablePointer<Float>(mutating: ws.cols)
            for (i, block) in blocks.enumerated() {
                let spec = block.spec
                let g = DepthwiseKernel.Geometry(h: h, w: w, k: spec.kernel, stride: spec.stride)
                let last = i >= switchAt
                if last && i == switchAt && i > 0 {
                    let moved = input == ws.a ? ws.b : ws.a
                    timed("to channels-last", macs: 0, .toChannelsLast(input: input, output: moved, channels: spec.in, plane: h * w))
                    input = moved
                }
                let tag = last ? " NHWC" : ""
                let producerMacs = i == 0 ? (last ? 0 : stem.outChannels * stem.inChannels * 9 * h * w)
                                          : spec.in * spec.expand * h * w
                timed("block \(i) \(i == 0 ? "stem" : "expand") \(spec.in)→\(spec.expand) @\(h)² + dw k\(spec.kernel)s\(spec.stride)\(tag)",
                      macs: producerMacs + spec.expand * g.ho * g.wo * spec.kernel * spec.kernel,
                      last ? .expandChannelsLast(block: i, input: input, geometry: g) : .expand(block: i, input: input, geometry: g))
                let y = i == 0 || input == ws.b ? ws.a : ws.b
                let residual = spec.residual ? UnsafePointer(input) : nil
                timed("block \(i) project \(spec.expand)→\(spec.out) @\(g.ho)²\(tag)", macs: spec.expand * spec.out * g.ho * g.wo,
                      last ? .projectChannelsLast(block: i, output: y, residual: residual, plane: g.ho * g.wo)
                           : .project(block: i, output: y, residual: residual, plane: g.ho * g.wo))
                input = y
                h = g.ho
                w = g.wo
            }
            timed("head \(head.inChannels)→\(head.outChannels) @\(h)² + pool", macs: head.inChannels * head.outChannels * h * w,
                  headChannelsLast != nil ? .headChannelsLast(input: input, plane: h * w, features: features)
                                          : .head(input: input, plane: h * w, features: features))
        }
        ws.phase = .idle
        // Median per phase × images: robust to the preemptions of a shared box, which hit single phases.
        for i in times.indices {
            let sorted = samples[i].sorted()
            times[i].seconds = sorted[sorted.count / 2] * Double(n)
        }
        return times
    }
}
