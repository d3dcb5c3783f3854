/// Exponential moving average of a network's parameters and batch-norm buffers over the optimiser steps
/// (Polyak & Juditsky 1992 averaging in its EMA form, as `timm`'s `ModelEmaV2`: θ̄ ← d·θ̄ + (1 − d)·θ after
/// every step, buffers averaged the same way). The trainer swaps θ̄ in at the end of the run, so the kept model
/// is the average of the last ~1/(1 − d) steps instead of the last step.
///
/// The effective decay is min(d, (1 + t)/(10 + t)) at step t (timm's warm-up), so the first steps do not
/// weigh the initial weights for thousands of steps when a run is short.
public struct WeightAverage {
    public let decay: Double
    public private(set) var steps = 0
    public private(set) var average: [[Float]] = []

    public init(decay: Double) {
        precondition(decay > 0 && decay < 1, "WeightAverage: decay must be in (0, 1)")
        self.decay = decay
    }

    /// The decay applied at the next update.
    public var currentDecay: Double { min(decay, Double(1 + steps) / Double(10 + steps)) }

    /// Folds one snapshot (`TrainableNetwork.snapshot()`) into the average.
    public mutating func update(with snapshot: [[Float]]) {
        defer { steps += 1 }
        guard !average.isEmpty else {
            average = snapshot
            return
        }
        let d = Float(currentDecay), e = 1 - d
        for t in average.indices {
            precondition(average[t].count == snapshot[t].count, "WeightAverage: snapshot shapes changed")
            snapshot[t].withUnsafeBufferPointer { s in
                average[t].withUnsafeMutableBufferPointer { a in
                    for i in a.indices { a[i] = d * a[i] + e * s[i] }
                }
            }
        }
    }
}
