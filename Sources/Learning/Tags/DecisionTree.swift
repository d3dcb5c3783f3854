import CamsiftCore

/// One CART classification tree (Breiman, Friedman, Olshen & Stone 1984) grown with Gini impurity
/// GI(t) = Σ_j P(j|t)(1 − P(j|t)) (issue 19, Algorithm 1's ranking criterion), for `RandomForest`.
///
/// Why hand-written: Debian has no C random forest with Gini importances (the issue says so). It follows
/// scikit-learn's `DecisionTreeClassifier` where that matters for the importances it is compared with: a split
/// is the threshold (midpoint between consecutive distinct values) with the lowest weighted child impurity over
/// `maxFeatures` randomly drawn features — drawing on past constant features until that many non-constant ones
/// were tried — nodes split until pure (or below `minSamplesSplit`), and a split is kept even when its decrease
/// is zero. The impurity decrease of node t split on feature f, N_t·GI(t) − N_L·GI(L) − N_R·GI(R) (counts with
/// bootstrap multiplicity), is added to f's importance: mean decrease in impurity (Breiman 2001; Louppe et al.,
/// "Understanding variable importances in forests of randomized trees", NeurIPS 2013, eq. 2).
struct DecisionTree: Sendable {
    struct Node: Sendable {
        var feature = -1  // -1: leaf
        var threshold = 0.0
        var left = -1
        var right = -1
        var majority = 0
    }

    private(set) var nodes: [Node] = []
    /// Σ of weighted impurity decreases per feature (unnormalised).
    private(set) var decrease: [Double]

    /// Grows a tree on `samples` (row indices into `columns`' columns, repeats allowed: a bootstrap draw).
    init(columns: [[Double]], labels: [Int], classCount: Int, samples: [Int], maxFeatures: Int,
         minSamplesSplit: Int = 2, rng: inout SeededGenerator) {
        decrease = [Double](repeating: 0, count: columns.count)
        var builder = Builder(columns: columns, labels: labels, classCount: classCount,
                              maxFeatures: max(1, min(maxFeatures, columns.count)), minSamplesSplit: max(2, minSamplesSplit))
        var s = samples
        _ = builder.grow(&s, 0, s.count, into: &self, rng: &rng)
    }

    /// The majority class of the leaf `row` falls into.
    func predict(_ row: [Double]) -> Int {
        var t = 0
        while nodes[t].feature >= 0 { t = row[nodes[t].feature] <= nodes[t].threshold ? nodes[t].left : nodes[t].right }
        return nodes[t].majority
    }

    /// Gini impurity of class counts over n rows, Σ_j p_j(1 − p_j) = 1 − Σ_j p_j².
    static func gini(_ counts: [Int], _ n: Int) -> Double {
        guard n > 0 else { return 0 }
        var sq = 0.0
        for c in counts { sq += Double(c) * Double(c) }
        return 1 - sq / (Double(n) * Double(n))
    }

    private struct Builder {
        let columns: [[Double]]
        let labels: [Int]
        let classCount: Int
        let maxFeatures: Int
        let minSamplesSplit: Int
        var order: [Int] = []

        init(columns: [[Double]], labels: [Int], classCount: Int, maxFeatures: Int, minSamplesSplit: Int) {
            self.columns = columns
            self.labels = labels
            self.classCount = classCount
            self.maxFeatures = maxFeatures
            self.minSamplesSplit = minSamplesSplit
        }

        /// Grows the subtree over samples[lo..<hi] (reordered in place) and returns its node index.
        mutating func grow(_ s: inout [Int], _ lo: Int, _ hi: Int, into tree: inout DecisionTree, rng: inout SeededGenerator) -> Int {
            let n = hi - lo
            var counts = [Int](repeating: 0, count: classCount)
            for i in lo..<hi { counts[labels[s[i]]] += 1 }
            let index = tree.nodes.count
            var node = Node()
            node.majority = counts.indices.max { counts[$0] < counts[$1] || (counts[$0] == counts[$1] && $0 > $1) }!
            tree.nodes.append(node)
            let impurity = DecisionTree.gini(counts, n)
            guard n >= minSamplesSplit, impurity > 0, let split = bestSplit(s, lo, hi, counts, rng: &rng) else { return index }
            // Partition samples[lo..<hi] by the split.
            let col = columns[split.feature]
            var mid = lo
            for i in lo..<hi where col[s[i]] <= split.threshold {
                s.swapAt(i, mid)
                mid += 1
            }
            tree.decrease[split.feature] += Double(n) * impurity - split.childImpurity
            let left = grow(&s, lo, mid, into: &tree, rng: &rng)
            let right = grow(&s, mid, hi, into: &tree, rng: &rng)
            tree.nodes[index].feature = split.feature
            tree.nodes[index].threshold = split.threshold
            tree.nodes[index].left = left
            tree.nodes[index].right = right
            return index
        }

        /// The best split over up to `maxFeatures` non-constant features drawn without replacement:
        /// (feature, threshold, N_L·GI(L) + N_R·GI(R)).
        mutating func bestSplit(_ s: [Int], _ lo: Int, _ hi: Int, _ total: [Int],
                                rng: inout SeededGenerator) -> (feature: Int, threshold: Double, childImpurity: Double)? {
            var features = Array(columns.indices)
            var best: (feature: Int, threshold: Double, childImpurity: Double)?
            var tried = 0
            var remaining = features.count
            let n = hi - lo
            var totalSq = 0.0
            for c in total { totalSq += Double(c) * Double(c) }
            while tried < maxFeatures, remaining > 0 {
                // Partial Fisher–Yates: draw one of the features not drawn yet.
                let j = rng.below(remaining)
                features.swapAt(j, remaining - 1)
                let f = features[remaining - 1]
                remaining -= 1
                let col = columns[f]
                order = Array(s[lo..<hi])
                order.sort { col[$0] < col[$1] }
                if col[order[0]] >= col[order[n - 1]] { continue }  // constant here: does not count
                tried += 1
                var left = [Int](repeating: 0, count: classCount)
                var leftSq = 0.0, rightSq = totalSq
                for p in 0..<(n - 1) {
                    let y = labels[order[p]]
                    // (c+1)² − c² = 2c + 1 on the left; c² − (c−1)² = 2c − 1 on the right.
                    leftSq += Double(2 * left[y] + 1)
                    rightSq -= Double(2 * (total[y] - left[y]) - 1)
                    left[y] += 1
                    let a = col[order[p]], b = col[order[p + 1]]
                    if a >= b { continue }
                    let nl = Double(p + 1), nr = Double(n - p - 1)
                    // N·GI = N − Σc²/N per child.
                    let child = (nl - leftSq / nl) + (nr - rightSq / nr)
                    if best == nil || child < best!.childImpurity {
                        var t = a / 2 + b / 2
                        if t >= b { t = a }  // a and b adjacent floats
                        best = (f, t, child)
                    }
                }
            }
            return best
        }
    }
}
