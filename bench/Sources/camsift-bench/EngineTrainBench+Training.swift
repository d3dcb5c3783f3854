import CamsiftCore
import COpenBLAS
import Foundation
import NN

/// Section 1 of `engine-train`: small-CNN training images/s, camsift vs the PyTorch peer, alternating rounds.
extension EngineTrainBench {
    // MARK: 1. training throughput

    /// Rounds alternate the engines (camsift epochs, then a torch process, twice) so that load from other
    /// processes on this shared box hits both alike; medians over all measured epochs of each engine.
    static func trainSection(_ o: Options, _ v: inout Verdicts) throws {
        let (x, labels, source) = try loadImages(o)
        let model = try SmallCNN.make(inputChannels: 1, inputSize: 28, classes: 10, layout: .gap, seed: 1)
        let optimizer = SGD(model, learningRate: 0.01, momentum: 0.9)
        let loss = SoftmaxCrossEntropy()
        let trainer = DataParallelTrainer(model: model, optimizer: optimizer,
                                          replicas: o.replicas > 0 ? o.replicas : o.threads) { _ in
            try SmallCNN.make(inputChannels: 1, inputSize: 28, classes: 10, layout: .gap, seed: 1)
        }
        let steps = o.images / o.batch
        var rates: [Double] = [], losses: [Float] = []
        var torchRates: [Double] = [], torchLoss: [Double] = [], torchInfo = "not run"
        let rounds = o.rounds
        for round in 0..<rounds {
            for epoch in 0...o.epochs {   // epoch 0 of the first round warms up buffers and is not reported
                var total: Float = 0
                let start = ContinuousClock.now
                for s in 0..<steps {
                    let range = (s * o.batch)..<((s + 1) * o.batch)
                    if o.dataParallel {
                        total += try trainer.step(x.batch(range), labels: Array(labels[range]))
                        continue
                    }
                    optimizer.zeroGrad()
                    let logits = try model.forward(x.batch(range), training: true)
                    total += try loss.forward(logits, labels: Array(labels[range]))
                    _ = try model.backward(try loss.backward())
                    optimizer.step()
                }
                let seconds = (ContinuousClock.now - start).seconds
                if epoch > 0 || round > 0 {
                    rates.append(Double(steps * o.batch) / seconds)
                    losses.append(total / Float(steps))
                }
                if epoch == o.epochs - 1 && round > 0 { break }
            }
            if o.torch {
                let peer = try runPeer(o)
                torchRates += peer.rates
                torchLoss += peer.losses
                torchInfo = peer.info
            }
        }
        print("\n(2) small CNN training, 28×28 \(source), batch \(o.batch), \(steps * o.batch) images/epoch, "
            + "SGD momentum 0.9, \(o.threads) threads, "
            + (o.dataParallel ? "data-parallel, \(trainer.replicaCount) replicas" : "per-layer parallel (--per-layer)")
            + ", \(rounds) alternating rounds of \(o.epochs) epochs "
            + "(+1 warm-up each), medians")
        print("| engine | images/s (median) | epochs | mean loss last epoch |")
        print("|---|---|---|---|")
        print("| camsift | \(fmt(median(rates))) | \(rates.map { fmt($0) }.joined(separator: ", ")) | "
            + "\(fmt(Double(losses.last ?? .nan), 3)) |")
        if o.torch {
            print("| PyTorch \(torchInfo) | \(fmt(median(torchRates))) | "
                + "\(torchRates.map { fmt($0) }.joined(separator: ", ")) | \(fmt(torchLoss.last ?? .nan, 3)) |")
            let ratio = median(rates) / median(torchRates)
            print("camsift / torch = \(fmt(ratio, 2))× (target ≥ 1.25×)")
            v.check(ratio >= 1.25, "small-CNN training vs PyTorch \(torchInfo)", "\(fmt(ratio, 2))× (\(fmt(median(rates))) vs \(fmt(median(torchRates))) img/s)",
                    vs: "≥ 1.25×")
        }
    }

    static func loadImages(_ o: Options) throws -> (Tensor, [Int], String) {
        let count = (o.images / o.batch) * o.batch
        let imagesPath = o.data + "/train-images-idx3-ubyte.gz", labelsPath = o.data + "/train-labels-idx1-ubyte.gz"
        let x = Tensor(zeros: Shape(n: count, c: 1, h: 28, w: 28))
        if let raw = gunzip(imagesPath), let rawLabels = gunzip(labelsPath), raw.count >= 16 + count * 784 {
            raw.withUnsafeBytes { bytes in
                for i in 0..<(count * 784) { x.pointer[i] = (Float(bytes[16 + i]) - 127.5) / 127.5 }
            }
            let labels = (0..<count).map { Int(rawLabels[8 + $0]) }
            return (x, labels, "Fashion-MNIST")
        }
        print("engine-train: \(imagesPath) not readable (apt-get install dataset-fashion-mnist); synthetic data")
        var rng = SeededGenerator(seed: 1)
        for i in 0..<x.count { x.pointer[i] = rng.uniform(1) }
        return (x, (0..<count).map { $0 % 10 }, "synthetic")
    }

    static func gunzip(_ path: String) -> Data? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/gzip")
        process.arguments = ["-dc", path]
        let pipe = Pipe()
        process.standardOutput = pipe
        guard (try? process.run()) != nil else { return nil }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return process.terminationStatus == 0 ? data : nil
    }

    static func runPeer(_ o: Options) throws -> (rates: [Double], losses: [Double], info: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = [o.peer, "--images", o.data + "/train-images-idx3-ubyte.gz",
                             "--labels", o.data + "/train-labels-idx1-ubyte.gz", "--count", "\(o.images)",
                             "--batch", "\(o.batch)", "--epochs", "\(o.epochs)", "--threads", "\(o.threads)"]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0,
              let json = try JSONSerialization.jsonObject(with: data) as? [String: Any],
              let rates = json["images_per_s"] as? [Double], let losses = json["loss"] as? [Double] else {
            throw NNError(code: .io,
                message: "torch peer \(o.peer) failed (exit \(process.terminationStatus)); install python3-torch "
                + "(make deps-bench) or pass --no-torch")
        }
        return (rates, losses, "\(json["torch"] ?? "?") (mkldnn \(json["mkldnn"] ?? "?"))")
    }
}
