import CamsiftCore

extension SeededGenerator {
    /// Fills `tensor` with U(-bound, bound): Kaiming-uniform when bound = sqrt(6 / fanIn) (He et al. 2015, §2.2).
    public mutating func fillUniform(_ tensor: Tensor, bound: Float) {
        let p = tensor.pointer
        for i in 0..<tensor.count { p[i] = uniform(bound) }
    }
}
