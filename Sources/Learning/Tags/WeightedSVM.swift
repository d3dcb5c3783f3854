import CSVM

/// A linear C-SVC trained by libsvm (Chang & Lin, "LIBSVM: a library for support vector machines", ACM TIST 2011)
/// with per-class weights: class k's box constraint is `C · w_k` (libsvm's `weight_label`/`weight`, §6 of the
/// paper). This is Algorithm 1's classifier ("a weighted linear SVM, C = 0.9, shrinking on", issue 19); the weights
/// come from `ConceptWeights`.
///
/// Why libsvm and not a hand-written solver: the issue asks for the Debian library, and its results must agree with
/// scikit-learn's `SVC(kernel="linear", C=0.9)`, which runs a fork of the same solver. To make the two see the same
/// problem the rows are passed grouped by ascending class (a stable sort): libsvm orders classes by first
/// appearance, scikit-learn's fork by value, and the class order decides the one-vs-one pairs and vote ties.
///
/// Memory: libsvm's model points into the training nodes (`free_sv == 0`), so the node buffer lives as long as
/// the model; `deinit` frees the model, the nodes, and nothing else is left allocated after `init` returns.
public final class WeightedSVM: @unchecked Sendable {  // immutable after init; libsvm's predict only reads the model
    public struct Parameters: Sendable, Equatable {
        /// The paper's C = 0.9.
        public var c = 0.9
        /// libsvm's shrinking heuristic (on in the paper).
        public var shrinking = true
        /// Stopping tolerance (libsvm `-e`, scikit-learn `tol`; both default to 1e-3).
        public var tolerance = 1e-3
        /// Kernel cache in MB (scikit-learn's default 200).
        public var cacheMB = 200.0
        public init() {}
    }

    /// The classes seen in training, ascending: libsvm's label order.
    public let classes: [Int]
    public let featureCount: Int
    private let model: UnsafeMutablePointer<svm_model>
    private let nodes: UnsafeMutablePointer<svm_node>
    private static let silenced: Void = csvm_silence()

    /// Trains on `rows` (one feature vector each, all `featureCount` long) with class `labels[i]` per row.
    /// `classWeights[k]` multiplies C for class k (missing classes: 1). Throws `LearningError.badArgument` for
    /// ragged or empty input, a non-positive or non-finite weight, a weight for a class with no row, or whatever
    /// `svm_check_parameter` rejects (its message names the parameter).
    public init(rows: [[Double]], labels: [Int], classWeights: [Int: Double] = [:], parameters: Parameters = .init()) throws {
        _ = Self.silenced
        guard !rows.isEmpty, rows.count == labels.count else {
            throw LearningError(.badArgument, "WeightedSVM: \(rows.count) rows and \(labels.count) labels; pass one label per row, at least one row")
        }
        let d = rows[0].count
        guard d > 0, rows.allSatisfy({ $0.count == d }) else {
            throw LearningError(.badArgument, "WeightedSVM: rows must all have the same, non-zero feature count (first row has \(d))")
        }
        guard rows.allSatisfy({ $0.allSatisfy(\.isFinite) }) else {
            throw LearningError(.badArgument, "WeightedSVM: a feature value is NaN or infinite; impute or drop it before training")
        }
        let classes = Array(Set(labels)).sorted()
        for (k, w) in classWeights {
            guard w.isFinite, w > 0 else {
                throw LearningError(.badArgument, "WeightedSVM: class \(k) has weight \(w); weights must be finite and > 0")
            }
            guard classes.contains(k) else {
                throw LearningError(.badArgument, "WeightedSVM: a weight is given for class \(k), which has no training row; drop it")
            }
        }
        // Stable grouping by ascending class (see the type's comment).
        let order = labels.indices.sorted { labels[$0] != labels[$1] ? labels[$0] < labels[$1] : $0 < $1 }
        let n = rows.count
        let nodes = UnsafeMutablePointer<svm_node>.allocate(capacity: n * (d + 1))
        let x = UnsafeMutablePointer<UnsafeMutablePointer<svm_node>?>.allocate(capacity: n)
        let y = UnsafeMutablePointer<Double>.allocate(capacity: n)
        defer { x.deallocate(); y.deallocate() }
        for (r, i) in order.enumerated() {
            let base = nodes + r * (d + 1)
            Self.fill(base, rows[i])
            x[r] = base
            y[r] = Double(labels[i])
        }
        let weighted = classWeights.sorted { $0.key < $1.key }
        let weightLabel = UnsafeMutablePointer<Int32>.allocate(capacity: max(weighted.count, 1))
        let weight = UnsafeMutablePointer<Double>.allocate(capacity: max(weighted.count, 1))
        defer { weightLabel.deallocate(); weight.deallocate() }
        for (j, kw) in weighted.enumerated() {
            weightLabel[j] = Int32(kw.key)
            weight[j] = kw.value
        }
        var param = svm_parameter()
        param.svm_type = Int32(C_SVC)
        param.kernel_type = Int32(LINEAR)
        param.degree = 3
        param.gamma = 1 / Double(d)
        param.cache_size = parameters.cacheMB
        param.eps = parameters.tolerance
        param.C = parameters.c
        param.nr_weight = Int32(weighted.count)
        param.weight_label = weightLabel
        param.weight = weight
        param.nu = 0.5
        param.p = 0.1
        param.shrinking = parameters.shrinking ? 1 : 0
        param.probability = 0
        var problem = svm_problem(l: Int32(n), y: y, x: x)
        if let message = svm_check_parameter(&problem, &param) {
            nodes.deallocate()
            throw LearningError(.badArgument, "WeightedSVM: libsvm rejects the parameters: \(String(cString: message)) (C = \(parameters.c), tolerance = \(parameters.tolerance), cache \(parameters.cacheMB) MB)")
        }
        guard let model = svm_train(&problem, &param) else {
            nodes.deallocate()
            throw LearningError(.badArgument, "WeightedSVM: svm_train returned no model (out of memory?)")
        }
        // svm_train copied param (and its weight arrays are not referenced by the model's predict path): the model's
        // copy must not keep pointers into our buffers, which are freed by the defers above.
        model.pointee.param.weight_label = nil
        model.pointee.param.weight = nil
        model.pointee.param.nr_weight = 0
        self.model = model
        self.nodes = nodes
        self.classes = classes
        self.featureCount = d
    }

    deinit {
        var m: UnsafeMutablePointer<svm_model>? = model
        svm_free_and_destroy_model(&m)
        nodes.deallocate()
    }

    /// The predicted class of one feature vector (libsvm's one-vs-one vote; ties go to the lower class).
    public func predict(_ row: [Double]) -> Int {
        withNodes(row) { Int(svm_predict(model, $0)) }
    }

    /// One-vs-one votes per class (index into `classes`) and the predicted class: the LP tags' per-label scores
    /// are built from the votes (`LabelPowersetSVM.scores`).
    public func votes(_ row: [Double]) -> (votes: [Int], predicted: Int) {
        let k = classes.count
        guard k > 1 else { return ([0], classes[0]) }
        var decision = [Double](repeating: 0, count: k * (k - 1) / 2)
        let predicted = withNodes(row) { x in decision.withUnsafeMutableBufferPointer { Int(svm_predict_values(model, x, $0.baseAddress)) } }
        // libsvm's pair order: (0,1), (0,2), …, (0,k-1), (1,2), …; a positive value votes for the first class.
        var votes = [Int](repeating: 0, count: k)
        var p = 0
        for i in 0..<k {
            for j in (i + 1)..<k {
                votes[decision[p] > 0 ? i : j] += 1
                p += 1
            }
        }
        return (votes, predicted)
    }

    /// The signed decision value of a two-class model, positive for `classes[0]` (libsvm's convention).
    public func decisionValue(_ row: [Double]) -> Double {
        var value = 0.0
        _ = withNodes(row) { svm_predict_values(model, $0, &value) }
        return classes.count > 1 ? value : 0
    }

    /// The one-vs-one decision functions as explicit affine maps, f_p(x) = w_p·x + b_p for libsvm's pair order
    /// (see `votes`), so a model can be served without libsvm: with a linear kernel f_p is affine in x, hence
    /// b_p = f_p(0) and w_pj = f_p(e_j) − f_p(0) — exact up to rounding, and no reliance on libsvm's internal
    /// layout of support-vector coefficients. Costs featureCount + 1 evaluations.
    public func linearDecisionFunctions() -> (weights: [[Double]], bias: [Double]) {
        let k = classes.count
        let pairs = k * (k - 1) / 2
        guard pairs > 0 else { return ([], []) }
        func decisions(_ row: [Double]) -> [Double] {
            var d = [Double](repeating: 0, count: pairs)
            _ = withNodes(row) { x in d.withUnsafeMutableBufferPointer { svm_predict_values(model, x, $0.baseAddress) } }
            return d
        }
        var unit = [Double](repeating: 0, count: featureCount)
        let bias = decisions(unit)
        var weights = [[Double]](repeating: [Double](repeating: 0, count: featureCount), count: pairs)
        for j in 0..<featureCount {
            unit[j] = 1
            let d = decisions(unit)
            for p in 0..<pairs { weights[p][j] = d[p] - bias[p] }
            unit[j] = 0
        }
        return (weights, bias)
    }

    /// Support vectors in the model (a sanity figure for reports).
    public var supportVectorCount: Int { Int(svm_get_nr_sv(model)) }

    private func withNodes<T>(_ row: [Double], _ body: (UnsafePointer<svm_node>) -> T) -> T {
        precondition(row.count == featureCount, "WeightedSVM: row has \(row.count) features, model \(featureCount)")
        return withUnsafeTemporaryAllocation(of: svm_node.self, capacity: featureCount + 1) { buffer in
            Self.fill(buffer.baseAddress!, row)
            return body(buffer.baseAddress!)
        }
    }

    /// Dense row → libsvm's sparse nodes (1-based indices, -1 terminator). Every value is kept, zeros too: the
    /// dot products are the same as a sparse skip, and the layout matches what scikit-learn's dense fork computes.
    private static func fill(_ base: UnsafeMutablePointer<svm_node>, _ row: [Double]) {
        for (j, v) in row.enumerated() { base[j] = svm_node(index: Int32(j + 1), value: v) }
        base[row.count] = svm_node(index: -1, value: 0)
    }
}
