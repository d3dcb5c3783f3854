import Foundation
import NN

/// Phase timing for `engine-profile`, over NN's bench-only `EfficientNetLite0.forEachPhase` seam (the timing,
/// names and multiply-add counts live here, not in the engine).
extension EngineProfileBench {
    /// Wall time of one phase of a forward pass over the images profiled (the per-image median × images).
    struct PhaseTime {
        /// `stem`, `block N expand+dw`, `block N project`, `head`.
        var name: String
        var seconds: Double
        /// Multiply-adds of the phase for one image (1×1 convs, stem conv and depthwise taps).
        var macs: Int
    }

    /// Runs `n` images through `net` one at a time, split into `chunks` slices per phase as `features` does at
    /// batch 1, and times every phase separately.
    static func profilePhases(_ net: EfficientNetLite0, batch: UnsafeBufferPointer<Float>, n: Int,
                              chunks: Int) -> [PhaseTime] {
        precondition(batch.count >= n * net.imageElementCount && chunks >= 1 && chunks <= net.threads)
        var times: [PhaseTime] = []
        var samples: [[Double]] = []
        for image in 0..<n {
            net.forEachPhase(image: batch.baseAddress! + image * net.imageElementCount, chunks: chunks) { phase, run in
                var t0 = timespec(), t1 = timespec()
                clock_gettime(CLOCK_MONOTONIC, &t0)
                run()
                clock_gettime(CLOCK_MONOTONIC, &t1)
                let s = Double(t1.tv_sec - t0.tv_sec) + Double(t1.tv_nsec - t0.tv_nsec) * 1e-9
                let (name, macs) = describe(phase, net.architecture, inputSize: net.inputSize)
                if let i = times.firstIndex(where: { $0.name == name }) { samples[i].append(s) }
                else {
                    times.append(PhaseTime(name: name, seconds: 0, macs: macs))
                    samples.append([s])
                }
            }
        }
        // Median per phase × images: robust to the preemptions of a shared box, which hit single phases.
        for i in times.indices {
            let sorted = samples[i].sorted()
            times[i].seconds = sorted[sorted.count / 2] * Double(n)
        }
        return times
    }

    /// A phase's name and multiply-adds per image.
    static func describe(_ p: EfficientNetLite0.PhaseDescription, _ a: EfficientNetArchitecture,
                         inputSize: Int) -> (String, Int) {
        func side(_ plane: Int) -> Int { Int(Double(plane).squareRoot().rounded()) }
        let inChannels = 3
        let stemOut = ((inputSize + 1) / 2) * ((inputSize + 1) / 2)
        let stemMacs = a.stem.out * inChannels * a.stem.kernel * a.stem.kernel * stemOut
        let nhwc = p.channelsLast ? " NHWC" : ""
        switch p.kind {
        case .stem:
            guard p.channelsLast else { return ("stem im2col", 0) }
            return ("stem \(a.stem.kernel)×\(a.stem.kernel)/2 \(inChannels)→\(a.stem.out) NHWC", stemMacs)
        case .toChannelsLast:
            return ("to channels-last", 0)
        case .expand:
            let i = p.block!, spec = a.blocks[i]
            // Block 0's producer is the stem conv: counted here on the channel-major path (im2col + GEMM).
            let producer = i == 0 ? (p.channelsLast ? 0 : stemMacs) : spec.in * spec.expand * p.inputPixels
            return ("block \(i) \(i == 0 ? "stem" : "expand") \(spec.in)→\(spec.expand) @\(side(p.inputPixels))² "
                    + "+ dw k\(spec.kernel)s\(spec.stride)" + (p.includesProject ? " + project →\(spec.out)" : "") + nhwc,
                    producer + spec.expand * p.outputPixels * spec.kernel * spec.kernel
                        + (p.includesProject ? spec.expand * spec.out * p.outputPixels : 0))
        case .project:
            let i = p.block!, spec = a.blocks[i]
            return ("block \(i) project \(spec.expand)→\(spec.out) @\(side(p.outputPixels))²" + nhwc,
                    spec.expand * spec.out * p.outputPixels)
        case .head:
            let inC = a.blocks.last!.out
            return ("head \(inC)→\(a.head.out) @\(side(p.inputPixels))² + pool", inC * a.head.out * p.inputPixels)
        }
    }
}
