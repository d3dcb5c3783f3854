import CAllocationCounter
import CamsiftCore
import Foundation
import Media
import Serving
import Testing
@testable import NN

/// Trunk sharing (issue 15 §2): two EfficientNet-Lite0 files that share the stem and lower blocks run the trunk
/// once and each top from its saved output, with the logits of two whole networks.
@Suite("Shared-trunk EfficientNet (real weights)", .serialized)
struct SharedTrunkTests {
    /// `m` with every tensor under `prefixes` multiplied by 1 + 0.05·u, u uniform in [−1, 1) (seeded): a
    /// deterministic stand-in for fine-tuning those units (running variances stay positive).
    static func perturbed(_ m: ModelFile, _ prefixes: [String], seed: UInt64 = 15) throws -> ModelFile {
        var rng = SplitMix(seed: seed)
        let tensors = m.tensors.map { t -> ModelFile.NamedTensor in
            guard prefixes.contains(where: { t.name.hasPrefix($0) }) else { return t }
            return ModelFile.NamedTensor(name: t.name, shape: t.shape, values: t.values.map { $0 * (1 + 0.05 * rng.float()) })
        }
        return try ModelFile(architectureJSON: m.architectureJSON, classes: m.classes, normalization: m.normalization,
                             inputSize: m.inputSize, metadata: m.metadata, tensors: tensors)
    }

    /// A level-2 pair with 3 top blocks: M1 = M0 with blocks 13…15, head conv and classifier changed.
    static func levelTwoPair() throws -> (ModelFile, ModelFile) {
        let m0 = try RealModel.load()
        return (m0, try perturbed(m0, ["blocks.13.", "blocks.14.", "blocks.15.", "head.", "classifier."]))
    }

    /// Real photos framed for `net` (the ImageNet reference centre crop) and normalised, NCHW one after another.
    static func photos(_ names: [String], for net: EfficientNetLite0) throws -> [Float] {
        try PPM.tensor(names.map { "/usr/share/doc/opencv-doc/examples/data/" + $0 }, for: net)
    }

    static let names = ["squirrel_cls.jpg", "baboon.jpg", "apple.jpg", "orange.jpg"]

    static func worst(_ a: [Float], _ b: [Float]) -> Float {
        a.count == b.count ? zip(a, b).map { abs($0 - $1) }.max() ?? 0 : .infinity
    }

    /// Shared-trunk logits against whole networks, at batch 1 (one image split over the threads, or the unsplit
    /// pass with one thread) and a batch of 4 (one image per worker).
    static func expectMatchesWholeNetworks(_ files: [ModelFile], threads: Int, channelsLastFrom: Int? = nil,
                                           channelsLastFromSplit: Int? = nil, _ what: String) throws {
        let shared = try SharedTrunkEfficientNet(modelFiles: files, threads: threads, channelsLastFrom: channelsLastFrom,
                                                 channelsLastFromSplit: channelsLastFromSplit)
        let whole = try files.map { try EfficientNetLite0(modelFile: $0, threads: 2) }
        let x = try photos(names, for: whole[0])
        let per = shared.imageElementCount
        for n in [1, 4] {
            x.withUnsafeBufferPointer { all in
                let input = UnsafeBufferPointer(rebasing: all[0..<(n * per)])
                let got = shared.logits(batch: input, n: n)
                #expect(got.count == files.count)
                for (v, net) in whole.enumerated() {
                    let d = worst(got[v], net.logits(batch: input, n: n))
                    #expect(d <= 1e-4, "\(what), \(threads) thread(s), batch \(n), model \(v): max |Δlogit| \(d)")
                }
            }
        }
    }

    @Test func levelTwoPairSharesBlocksBelowTheFirstDifferingOne() throws {
        let (m0, m1) = try Self.levelTwoPair()
        let shared = try SharedTrunkEfficientNet(modelFiles: [m0, m1], threads: 2)
        #expect(shared.trunkBlocks == 13 && !shared.headShared)
        #expect(shared.classCounts == [1000, 1000] && shared.inputSize == 224 && shared.imageElementCount == 3 * 224 * 224)
        #expect(shared.normalization == m0.normalization)
        // The trunk's weights are the same arrays in both tops (stored once); the tops' are their own.
        let tops = shared.network.tops
        tops[0].blocks[12].project.weights.withUnsafeBufferPointer { a in
            tops[1].blocks[12].project.weights.withUnsafeBufferPointer { b in #expect(a.baseAddress == b.baseAddress) }
        }
        tops[0].blocks[13].project.weights.withUnsafeBufferPointer { a in
            tops[1].blocks[13].project.weights.withUnsafeBufferPointer { b in #expect(a.baseAddress != b.baseAddress) }
        }
    }

    @Test func levelTwoPairMatchesTwoWholeNetworks() throws {
        let (m0, m1) = try Self.levelTwoPair()
        // The perturbation matters: the two whole networks disagree by far more than the tolerance.
        let a = try EfficientNetLite0(modelFile: m0, threads: 2), b = try EfficientNetLite0(modelFile: m1, threads: 2)
        let x = try Self.photos(Self.names, for: a)
        let la = x.withUnsafeBufferPointer { a.logits(batch: $0, n: 4) }, lb = x.withUnsafeBufferPointer { b.logits(batch: $0, n: 4) }
        #expect(Self.worst(la, lb) > 0.05)
        for threads in [1, 2, 3] {
            try Self.expectMatchesWholeNetworks([m0, m1], threads: threads, "level 2, 3 top blocks")
        }
    }

    /// Both layouts and the switch between them on either side of the trunk boundary (block 13): channel-major
    /// throughout, switching at the first top block (the top converts the saved trunk output), switching inside
    /// the top, and different switches for split and batch-parallel passes.
    @Test(arguments: [(99, 99), (13, 13), (14, 14), (6, 6), (0, 99), (99, 0), (0, 14)])
    func levelTwoPairInEveryLayout(from: Int, fromSplit: Int) throws {
        let (m0, m1) = try Self.levelTwoPair()
        try Self.expectMatchesWholeNetworks([m0, m1], threads: 2, channelsLastFrom: from, channelsLastFromSplit: fromSplit,
                                            "channels-last from \(from) / split \(fromSplit)")
    }

    @Test func identicalFilesShareEveryLayer() throws {
        let m = try RealModel.load()
        let shared = try SharedTrunkEfficientNet(modelFiles: [m, m], threads: 2)
        #expect(shared.trunkBlocks == 16 && shared.headShared)
        try Self.expectMatchesWholeNetworks([m, m], threads: 2, "identical files")
        let one = try SharedTrunkEfficientNet(modelFiles: [m], threads: 2)
        #expect(one.trunkBlocks == 16 && one.modelCount == 1)
        try Self.expectMatchesWholeNetworks([m], threads: 2, "one file")
    }

    /// Level 1 (the classifiers differ) and a trunk of all 16 blocks with its own head convs per model.
    @Test func topsOfHeadsOnly() throws {
        let m = try RealModel.load()
        let classifier = try Self.perturbed(m, ["classifier."])
        do { let s = try SharedTrunkEfficientNet.sharedLayers(of: [m, classifier]); #expect(s.blocks == 16 && s.head, "\(s)") }
        try Self.expectMatchesWholeNetworks([m, classifier], threads: 2, "classifier only")
        let head = try Self.perturbed(m, ["head.", "classifier."])
        do { let s = try SharedTrunkEfficientNet.sharedLayers(of: [m, head]); #expect(s.blocks == 16 && !s.head, "\(s)") }
        try Self.expectMatchesWholeNetworks([m, head], threads: 2, "head + classifier")
        try Self.expectMatchesWholeNetworks([m, head], threads: 1, "head + classifier")
    }

    /// Only the stem shared (every block differs), and three models with different trunks: the shortest wins.
    @Test func stemOnlyAndThreeModels() throws {
        let m = try RealModel.load()
        let allBlocks = try Self.perturbed(m, ["blocks.", "head.", "classifier."], seed: 3)
        do { let s = try SharedTrunkEfficientNet.sharedLayers(of: [m, allBlocks]); #expect(s.blocks == 0 && !s.head, "\(s)") }
        try Self.expectMatchesWholeNetworks([m, allBlocks], threads: 2, "stem only")
        let top2 = try Self.perturbed(m, ["blocks.14.", "blocks.15.", "head.", "classifier."], seed: 4)
        let top5 = try Self.perturbed(m, ["blocks.11.", "blocks.12.", "blocks.13.", "blocks.14.", "blocks.15.", "head.", "classifier."], seed: 5)
        do { let s = try SharedTrunkEfficientNet.sharedLayers(of: [m, top2, top5]); #expect(s.blocks == 11 && !s.head, "\(s)") }
        try Self.expectMatchesWholeNetworks([m, top2, top5], threads: 2, "three models")
    }

    @Test func refusesFilesThatDoNotShareATrunk() throws {
        let m = try RealModel.load()
        func refusal(_ files: [ModelFile]) -> NNError? {
            do { _ = try SharedTrunkEfficientNet(modelFiles: files, threads: 1); return nil } catch { return error as? NNError }
        }
        // Another architecture description (same tensors).
        var object = m.architectureObject()
        object["bnEpsilon"] = 1e-5
        let json = String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)
        let otherArch = try ModelFile(architectureJSON: json, classes: m.classes, normalization: m.normalization,
                                      inputSize: m.inputSize, tensors: m.tensors)
        let e1 = refusal([m, otherArch])
        #expect(e1?.code == .invalidArgument && e1?.message.contains("architecture descriptions differ") == true, "\(String(describing: e1))")
        // Not an EfficientNet at all.
        let cnn = try ModelFile(architectureJSON: #"{"name": "small-cnn"}"#, classes: ["a", "b"], normalization: m.normalization,
                                inputSize: [28, 28], tensors: [.init(name: "fc.weight", shape: [2, 1], values: [1, 2])])
        let e2 = refusal([m, cnn])
        #expect(e2?.code == .unsupportedArchitecture && e2?.message.contains("small-cnn") == true, "\(String(describing: e2))")
        // Other input size, other normalization, other stem.
        var small = m
        small.inputSize = [192, 192]
        #expect(refusal([m, small])?.message.contains("input sizes") == true)
        var norm = m
        norm.normalization = .init(mean: [0, 0, 0], std: [1, 1, 1])
        #expect(refusal([m, norm])?.message.contains("normalizations") == true)
        let stem = try Self.perturbed(m, ["stem."])
        let e3 = refusal([m, stem])
        #expect(e3?.code == .invalidArgument && e3?.message.contains("stems differ") == true, "\(String(describing: e3))")
        #expect(refusal([])?.code == .invalidArgument)
    }

    #if DEBUG
    static let optimized = false
    #else
    static let optimized = true
    #endif

    @Test(.enabled(if: optimized, "needs an optimized build (swift test -c release)"), arguments: [1, 4])
    func sharedLogitsAllocateNothingAfterWarmUp(batch: Int) throws {
        let (m0, m1) = try Self.levelTwoPair()
        let shared = try SharedTrunkEfficientNet(modelFiles: [m0, m1], threads: 2)
        let x = EfficientNetModelTests.randomBatch(batch, size: 224, seed: 7)
        let outputs = shared.classCounts.map { UnsafeMutableBufferPointer<Float>.allocate(capacity: batch * $0) }
        defer { for o in outputs { o.deallocate() } }
        x.withUnsafeBufferPointer { images in
            for _ in 0..<2 { shared.logits(batch: images, n: batch, into: outputs) }   // warm-up
            camsift_allocations_begin()
            for _ in 0..<10 { shared.logits(batch: images, n: batch, into: outputs) }
            let counted = camsift_allocations_end()
            #expect(counted == 0, "\(counted) allocations in 10 calls at batch \(batch)")
        }
    }
}
