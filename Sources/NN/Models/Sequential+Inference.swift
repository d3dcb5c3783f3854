/// Inference helpers for classifier models (last layer outputs logits [N, classes]).
extension Sequential {
    /// Softmax probabilities, row-major N × classes, from an inference-mode forward.
    public func predictProbabilities(_ x: Tensor) throws -> [Float] {
        let logits = try forward(x, training: false)
        guard logits.shape.rank == 2 || (logits.shape.h == 1 && logits.shape.w == 1) else {
            throw NNError(code: .shapeMismatch,
                message: "predictProbabilities: the model outputs \(logits.shape), not logits "
                + "[N, classes]; end the model with Dense (after GlobalAvgPool or Flatten)")
        }
        var out = [Float](repeating: 0, count: logits.count)
        out.withUnsafeMutableBufferPointer { buffer in
            SoftmaxCrossEntropy.softmax(logits.pointer, rows: logits.shape.n, columns: logits.shape.c,
                                        into: buffer.baseAddress!)
        }
        return out
    }

    /// Arg-max class per item.
    public func predictClasses(_ x: Tensor) throws -> [Int] {
        let logits = try forward(x, training: false)
        let n = logits.shape.n, c = logits.shape.c, p = logits.pointer
        return (0..<n).map { i in
            var best = 0
            for j in 1..<c where p[i * c + j] > p[i * c + best] { best = j }
            return best
        }
    }
}
