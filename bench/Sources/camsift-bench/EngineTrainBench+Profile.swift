import CamsiftCore
import COpenBLAS
import Foundation
import NN

/// Hidden diagnostics of `engine-train`: per-layer CPU profile (`--profile`) and pool scaling (`--pool-check`).
extension EngineTrainBench {
    /// Hidden: per-layer CPU time (thread CPU clock, immune to other load) of one small-CNN training step at 1 thread.
    static func profileLayers() throws -> Int32 {
        NNThreads.set(1)
        let model = try SmallCNN.make(inputChannels: 1, inputSize: 28, classes: 10, layout: .gap, seed: 1)
        var rng = SeededGenerator(seed: 2)
        let x = Tensor(zeros: Shape(n: 64, c: 1, h: 28, w: 28))
        for i in 0..<x.count { x.pointer[i] = rng.uniform(1) }
        func cpu() -> Double {
            var ts = timespec()
            clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
            return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
        }
        var fwd = [Double](repeating: 0, count: model.layers.count), bwd = fwd
        let loss = SoftmaxCrossEntropy()
        let labels = (0..<64).map { $0 % 10 }
        for rep in 0..<12 {
            var h = x
            var outs: [Tensor] = []
            for (i, (_, layer)) in model.layers.enumerated() {
                let t = cpu()
                h = try layer.forward(h, training: true)
                if rep >= 2 { fwd[i] += cpu() - t }
                outs.append(h)
            }
            _ = try loss.forward(h, labels: labels)
            var g = try loss.backward()
            for i in stride(from: model.layers.count - 1, through: 0, by: -1) {
                model.layers[i].1.needsInputGradient = i > 0
                let t = cpu()
                g = try model.layers[i].1.backward(g)
                if rep >= 2 { bwd[i] += cpu() - t }
            }
        }
        for (i, (name, _)) in model.layers.enumerated() {
            print("\(name)\tfwd \(fmt(fwd[i] * 100, 3)) ms\tbwd \(fmt(bwd[i] * 100, 3)) ms")
        }
        print("total \(fmt((fwd.reduce(0, +) + bwd.reduce(0, +)) * 100, 3)) ms per step of 64")
        // The conv-section shapes: layer forward vs the bare GEMM it contains (CPU ms, 1 thread).
        for s in convShapes {
            let conv = Conv2D(inChannels: s.c, outChannels: s.oc, kernel: (s.k, s.k), stride: (s.stride, s.stride),
                              padding: .same, bias: false, rng: &rng)
            let xs = Tensor(zeros: Shape(n: 8, c: s.c, h: s.size, w: s.size))
            let o = try conv.outputShape(for: xs.shape)
            let k = s.c * s.k * s.k, n = 8 * o.h * o.w
            let a = Tensor(zeros: [s.oc, k]), b = Tensor(zeros: [k, n]), c = Tensor(zeros: [s.oc, n])
            var layer = Double.infinity, gemm = Double.infinity
            for _ in 0..<5 {
                var t = cpu()
                _ = try conv.forward(xs, training: false)
                layer = Swift.min(layer, cpu() - t)
                t = cpu()
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(s.oc), Int32(n), Int32(k), 1,
                            a.pointer, Int32(k), b.pointer, Int32(n), 0, c.pointer, Int32(n))
                gemm = Swift.min(gemm, cpu() - t)
            }
            print("\(s.name)\tlayer \(fmt(layer * 1e3, 3)) ms\tbare GEMM \(fmt(gemm * 1e3, 3)) ms")
        }
        return 0
    }


    /// Hidden: wall time of a CPU-bound parallelFor at 1 and 2 threads (does the pool scale?).
    static func poolCheck() -> Int32 {
        let buffer = UnsafeMutablePointer<Double>.allocate(capacity: 64)
        let caller = pthread_self()
        for threads in [1, 2, 1, 2] {
            NNThreads.set(threads)
            let start = ContinuousClock.now
            for _ in 0..<20 {
                NNThreads.parallelFor(8) { task in
                    var x = 0.0
                    for i in 0..<2_000_000 { x += Double(i & 7) * 1e-9 }
                    buffer[task] = x
                    buffer[32 + task] = Double(pthread_self() == caller ? 0 : 1)
                }
            }
            print("tasks on workers in last call: \((0..<8).map { Int(buffer[32 + $0]) })")
            print("pool threads \(threads): \(fmt((ContinuousClock.now - start).seconds * 1000, 1)) ms")
        }
        return 0
    }
}
