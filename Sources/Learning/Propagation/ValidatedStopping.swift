import CamsiftCore

/// The stopping rule camsift adopts for Iterative Multi-label Propagation (Indyk, Kajdanowicz, Kazienko,
/// "Relational large scale multi-label classification method for video categorization"). The paper iterates "until
/// convergence or a fixed number of iterations" and says neither which nor how many; issue 21 asks for the choice to
/// be written down.
///
/// The rule looks at labelled nodes only, never at the nodes whose labels are wanted:
/// 1. hold out a seeded `fraction` (10 %) of the labelled nodes V_L as a validation set V_val;
/// 2. run IMP with V_L \ V_val as seeds, and after every iteration t score V_val: a node counts as right when its
///    arg-max label is one of its known labels (a node known to carry none: when no P reaches 0.5); an unreached node
///    counts as wrong;
/// 3. T = the iteration with the best validation score (ties → the earlier one), searched up to `maxIterations`
///    or until the validation run converges (no new node, no |ΔP| ≥ `tolerance`);
/// 4. the caller runs IMP with **all** seeds for T iterations.
///
/// Why: with the paper's soft clamp (w_vv′ = 1) a labelled node keeps only part of its own label at the fixed point,
/// so running to convergence can lose accuracy that earlier iterations had (bench/RESULTS.md, issue 21); the number of
/// hops a label should travel depends on how densely the graph is labelled, which the held-out labelled nodes
/// measure. The validation run has 10 % fewer seeds than the final one, so T is slightly biased towards more hops.
public struct ValidatedStopping: Sendable {
    public var fraction: Double
    public var seed: UInt64
    public var maxIterations: Int
    public var tolerance: Float

    public init(fraction: Double = 0.1, seed: UInt64 = 21, maxIterations: Int, tolerance: Float = 1e-4) {
        self.fraction = fraction
        self.seed = seed
        self.maxIterations = maxIterations
        self.tolerance = tolerance
    }

    /// What the rule chose.
    public struct Choice: Sendable {
        /// T: how many iterations to run with all seeds.
        public var iterations: Int
        /// The held-out labelled nodes (empty when there were too few labelled nodes to hold any out).
        public var validationNodes: [Int]
        /// Validation score after iterations 1, 2, … of the validation run.
        public var curve: [Double]
        /// True when the rule could not be applied (fewer than 2 labelled nodes): T is then `maxIterations` and
        /// the run stops on convergence as `IterativePropagation.run` does.
        public var fallback: Bool
        public var validationScore: Double { curve.isEmpty ? .nan : curve[iterations - 1] }
    }

    /// Runs the validation propagation on `graph` and picks T. `threads` and `clampWeight` as `IterativePropagation`.
    public func choose(graph: PropagationGraph, seeds: PropagationSeeds, threads: Int = 2,
                       clampWeight: Float = 1) throws -> Choice {
        guard maxIterations >= 1 else {
            throw LearningError(.badArgument, "propagation: --iterations must be at least 1 (got \(maxIterations))")
        }
        guard fraction > 0, fraction < 1 else {
            throw LearningError(.badArgument, "propagation: validation fraction \(fraction) must be in (0, 1)")
        }
        let labelled = (0..<seeds.nodeCount).filter { seeds.isLabelled($0) }
        guard labelled.count >= 2 else {
            return Choice(iterations: maxIterations, validationNodes: [], curve: [], fallback: true)
        }
        // Seeded Fisher–Yates over the labelled nodes; at least one held out, at least one left as a seed.
        var order = labelled
        var rng = SeededGenerator(seed: seed)
        for i in stride(from: order.count - 1, to: 0, by: -1) { order.swapAt(i, Int.random(in: 0...i, using: &rng)) }
        let held = min(labelled.count - 1, max(1, Int((fraction * Double(labelled.count)).rounded())))
        let validation = Array(order.prefix(held)).sorted()
        let heldSet = Set(validation)
        let L = seeds.labelCount
        let known: (Int) -> [Int]? = { v in
            guard seeds.isLabelled(v), !heldSet.contains(v) else { return nil }
            let r = Int(seeds.row[v]) * L
            return (0..<L).filter { seeds.y[r + $0] > 0.5 }
        }
        let reduced = try PropagationSeeds(nodeCount: seeds.nodeCount, labelCount: L, labelsOf: known)
        let imp = try IterativePropagation(graph: graph, seeds: reduced, threads: threads, clampWeight: clampWeight)
        var curve: [Double] = []
        while imp.iteration < maxIterations {
            let s = imp.step()
            curve.append(Self.score(imp, validation, seeds))
            if s.newlyReached == 0 && s.maxChange < tolerance { break }
        }
        var best = 0
        for (i, c) in curve.enumerated() where c > curve[best] { best = i }
        return Choice(iterations: best + 1, validationNodes: validation, curve: curve, fallback: false)
    }

    /// Share of `nodes` whose arg-max label is among their known labels in `truth` (unreached: wrong; a node known
    /// to carry no label: right when no P reaches 0.5).
    public static func score(_ imp: IterativePropagation, _ nodes: [Int], _ truth: PropagationSeeds) -> Double {
        guard !nodes.isEmpty else { return .nan }
        let L = truth.labelCount
        var right = 0
        for v in nodes {
            guard let best = imp.bestLabel(of: v) else { continue }
            let r = Int(truth.row[v]) * L
            let carries = (0..<L).contains { truth.y[r + $0] > 0.5 }
            if carries ? truth.y[r + best] > 0.5 : imp.p[v * L + best] < 0.5 { right += 1 }
        }
        return Double(right) / Double(nodes.count)
    }
}
