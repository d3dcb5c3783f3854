/// The known labels V_L of Iterative Multi-label Propagation (Indyk, Kajdanowicz, Kazienko, "Relational large scale
/// multi-label classification method for video categorization"): for each labelled node v its indicator vector
/// Y_v ∈ {0, 1}^L (multi-label: any number of ones). Stored compactly — a row index per node, rows only for the
/// labelled ones — because at the paper's scale (5.1 M videos, 15 labels) a dense n × L copy of Y would cost as
/// much as P itself.
public struct PropagationSeeds: Sendable {
    public let nodeCount: Int
    public let labelCount: Int
    /// `row[v]` ≥ 0: v ∈ V_L and its Y_v is `y[row[v] * labelCount ..< (row[v] + 1) * labelCount]`; −1: unlabelled.
    public let row: [Int32]
    public let y: [Float]

    /// Multi-label seeds: each labelled node with the labels it carries (possibly none: "none of these").
    public init(nodeCount: Int, labelCount: Int, labelled: [(node: Int, labels: [Int])]) throws {
        var byNode: [Int: [Int]] = [:]
        for (node, labels) in labelled {
            guard node >= 0, node < nodeCount else {
                throw LearningError(.badArgument, "propagation: labelled node \(node) outside 0..<\(nodeCount)")
            }
            guard byNode.updateValue(labels, forKey: node) == nil else {
                throw LearningError(.badArgument, "propagation: node \(node) labelled twice")
            }
        }
        try self.init(nodeCount: nodeCount, labelCount: labelCount) { byNode[$0] }
    }

    /// Seeds from a function called once per node in order: v's labels, or nil when v is unlabelled (how the
    /// 5.1 M-node benchmark draws its seeds without a list of millions of small arrays).
    public init(nodeCount: Int, labelCount: Int, labelsOf: (Int) throws -> [Int]?) throws {
        guard labelCount > 0 else { throw LearningError(.badArgument, "propagation: need at least one label") }
        var row = [Int32](repeating: -1, count: nodeCount)
        var y: [Float] = []
        var rows: Int32 = 0
        for node in 0..<nodeCount {
            guard let labels = try labelsOf(node) else { continue }
            row[node] = rows
            rows += 1
            let base = y.count
            y += repeatElement(0, count: labelCount)
            for l in labels {
                guard l >= 0, l < labelCount else {
                    throw LearningError(.badArgument, "propagation: node \(node) has label \(l) outside 0..<\(labelCount)")
                }
                y[base + l] = 1
            }
        }
        self.nodeCount = nodeCount
        self.labelCount = labelCount
        self.row = row
        self.y = y
    }

    /// Single-label seeds: `label[v]` is v's class, or −1 when v is unlabelled (hidden).
    public init(nodeCount: Int, labelCount: Int, singleLabels label: [Int]) throws {
        guard label.count == nodeCount else {
            throw LearningError(.badArgument, "propagation: \(label.count) labels for \(nodeCount) nodes")
        }
        var pairs: [(node: Int, labels: [Int])] = []
        for (v, l) in label.enumerated() where l >= 0 { pairs.append((v, [l])) }
        try self.init(nodeCount: nodeCount, labelCount: labelCount, labelled: pairs)
    }

    public var labelledCount: Int { y.count / labelCount }

    public func isLabelled(_ v: Int) -> Bool { row[v] >= 0 }
}
