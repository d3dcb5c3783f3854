/// The bridge between a trainable model and the model file (docs/model-format.md): tensors go out under their
/// PyTorch-style names and come back by name with full shape checks.
extension Layer {
    /// Every saved tensor (`namedParameters()`) as model-file tensors.
    public func modelFileTensors() -> [ModelFile.NamedTensor] {
        namedParameters().map { ModelFile.NamedTensor(name: $0.0, shape: $0.1.shape.dims, values: $0.1.array) }
    }

    /// Loads this model's tensors from `file`. Tensors whose names start with one of `skipping` are left as they
    /// are (e.g. "classifier." when attaching a new head) and need not be in the file; every other model tensor
    /// must be present with the same shape. Extra tensors in the file are an error unless `strict` is false.
    /// Nothing is written unless every check passes.
    public func load(modelFile file: ModelFile, skipping: [String] = [], strict: Bool = true) throws {
        let skipped = { (name: String) in skipping.contains { name.hasPrefix($0) } }
        let mine = Set(namedParameters().map(\.0))
        var tensors: [(String, Tensor)] = []
        for t in file.tensors where !skipped(t.name) {
            guard (1...4).contains(t.shape.count) else {
                throw NNError(code: .shapeMismatch, message: "model file tensor '\(t.name)' has rank \(t.shape.count); "
                    + "the engine stores ranks 1–4")
            }
            if !strict && !mine.contains(t.name) { continue }
            tensors.append((t.name, Tensor(shape: Shape(t.shape), values: t.values)))
        }
        // Skipped model tensors are satisfied with their current values.
        for (name, current) in namedParameters() where skipped(name) { tensors.append((name, current.copy())) }
        try load(named: tensors, strict: strict)
    }
}

extension ModelFile {
    /// A model file holding `model`'s tensors, ready for `write(path:)` (temp file + fsync + rename).
    public init(model: any Layer, architectureJSON: String, classes: [String], normalization: Normalization,
                inputSize: [Int], metadata: [String: String] = [:]) throws {
        try self.init(architectureJSON: architectureJSON, classes: classes, normalization: normalization,
                      inputSize: inputSize, metadata: metadata, tensors: model.modelFileTensors())
    }
}
