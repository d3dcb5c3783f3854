import Foundation
import Testing
import Media
@testable import Learning
import Serving

/// `Trainer` undoes a later training stage that ends below the earlier one on the reference split
/// (`Trainer.StageRevert`): level-2 transfer learning once collapsed a 13,397-image model to one class at the
/// default rate. The networks here are `LinearSoftmaxNetwork`s on real Fashion-MNIST JPEGs with a second stage
/// that either trains on wrong labels (every label → class 0, a collapse) or leaves the weights alone.
@Suite(.serialized) struct StageRevertTests {
    /// A linear network with a second stage from iteration `switchAt` on.
    final class Staged: TrainableNetwork {
        enum Later { case collapse, frozen, none }
        let base: LinearSoftmaxNetwork
        let switchAt: Int, later: Later
        private(set) var stage = 0
        /// The weights when the second stage began, as the trainer should restore them.
        private(set) var atSwitch: [[Float]]?

        init(classCount: Int, seed: UInt64, switchAt: Int, later: Later) {
            base = LinearSoftmaxNetwork(inputShape: (1, 28, 28), classCount: classCount, seed: seed)
            self.switchAt = switchAt
            self.later = later
        }
        var inputShape: (channels: Int, height: Int, width: Int) { base.inputShape }
        var classCount: Int { base.classCount }
        var architecture: String { "staged-linear" }
        func beginIteration(_ i: Int, of total: Int) {
            guard later != .none, i >= switchAt, stage == 0 else { return }
            stage = 1
            atSwitch = base.snapshot()
        }
        func setTrainingLogitOffsets(_ offsets: [Float]?) throws { try base.setTrainingLogitOffsets(offsets) }
        func trainStep(inputs: [Float], labels: [Int], sampleWeights: [Float]?, learningRate: Float) throws -> Float {
            switch (stage, later) {
            case (1, .collapse):
                return try base.trainStep(inputs: inputs, labels: labels.map { _ in 0 }, sampleWeights: sampleWeights,
                                          learningRate: learningRate)
            case (1, .frozen): return 0
            default:
                return try base.trainStep(inputs: inputs, labels: labels, sampleWeights: sampleWeights, learningRate: learningRate)
            }
        }
        func probabilities(inputs: [Float], count: Int) throws -> [Float] { try base.probabilities(inputs: inputs, count: count) }
        func snapshot() -> [[Float]] { base.snapshot() }
        func restore(_ s: [[Float]]) { base.restore(s) }
        func save(to path: String, classes: [String], metadata: [String: String]) throws {
            try base.save(to: path, classes: classes, metadata: metadata)
        }
    }

    func train(_ later: Staged.Later, keep: TrainingConfiguration.Keep = .last) throws -> (Staged, Trainer.Result) {
        let (dir, archive) = try TrainerTests.makeArchive()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let split = try DatasetSplit.make(labels: archive.items.map(\.label), classCount: 10, seed: 3)
        let train = try ImageSet.load(archive, indices: split.train, channels: 1, height: 28, width: 28)
        let ref = try ImageSet.load(archive, indices: split.reference, channels: 1, height: 28, width: 28)
        var cfg = TrainingConfiguration()
        cfg.sampler = .plain
        cfg.iterations = 6
        cfg.batchSize = 16
        cfg.learningRate = 0.01
        cfg.seed = 3
        cfg.keep = keep
        cfg.augmentation = .none
        let net = Staged(classCount: 10, seed: 3, switchAt: 3, later: later)
        let r = try Trainer(configuration: cfg, normalization: Normalization.measure(train))
            .train(net, train: train, reference: ref, classCount: 10)
        return (net, r)
    }

    @Test func aCollapsingLaterStageIsUndone() throws {
        let (net, r) = try train(.collapse)
        #expect(r.history.count == 6)
        let revert = try #require(r.stageRevert)
        // The first stage learned something; the wrong-label stage ended far below it.
        #expect(revert.earlierMacroF1 > 0.2)
        #expect(revert.earlierMacroF1 == r.history[2].referenceMacroF1)
        #expect(revert.laterMacroF1 < revert.earlierMacroF1 - 0.1)
        #expect(r.history[5].referenceMacroF1 < revert.earlierMacroF1)
        #expect(revert.keptIteration == 2 && r.keptIteration == 2)
        // Restored exactly: the weights are those the network held when the second stage began.
        #expect(net.snapshot() == net.atSwitch)
        // The report says which stage was kept and what to change.
        let note = TrainingReport.revertNote(revert)
        #expect(note.contains("level 1's weights were kept") && note.contains("--fine-tune-lr-scale"))
    }

    @Test func aLaterStageThatEndsLevelIsKept() throws {
        // The second stage changes nothing: it ends exactly where the first did, which is not worse.
        let (net, r) = try train(.frozen)
        #expect(r.stageRevert == nil)
        #expect(r.keptIteration == 5)
        #expect(net.snapshot() == net.atSwitch)
        #expect(r.history[5].referenceMacroF1 == r.history[2].referenceMacroF1)
    }

    @Test func singleStageNetworksAndKeepBestAreUntouched() throws {
        let (_, plain) = try train(.none)
        #expect(plain.stageRevert == nil && plain.keptIteration == 5)
        // keep best already returns the best reference iteration, which cannot score below the first stage's end.
        let (_, best) = try train(.collapse, keep: .best)
        #expect(best.stageRevert == nil)
        #expect(best.keptIteration == best.bestIteration)
    }
}
