/// Model-level parameter plumbing on any layer tree: naming, saving/loading, zeroing, freezing.
extension Layer {
    /// Every tensor a model file stores, PyTorch `state_dict` order and names: parameters and buffers
    /// (BatchNorm running statistics), depth-first. Saving is `ModelFile(tensors: model.namedParameters(), ...)`.
    public func namedParameters() -> [(String, Tensor)] {
        var out: [(String, Tensor)] = []
        visit(prefix: "") { path, layer in
            for (name, p) in layer.ownParameters { out.append((path + name, p.value)) }
            for (name, t) in layer.ownBuffers { out.append((path + name, t)) }
        }
        return out
    }

    /// Trainable parameters with their full names (frozen ones included; optimizers skip those).
    public func parameters() -> [(String, Parameter)] {
        var out: [(String, Parameter)] = []
        visit(prefix: "") { path, layer in
            for (name, p) in layer.ownParameters { out.append((path + name, p)) }
        }
        return out
    }

    /// Copies tensors by name into the model. Every model tensor must be present with the same shape; with
    /// `strict`, names the model does not have are an error too (catches a file for another architecture).
    /// Nothing is written unless everything checks out, so a failed load leaves the model unchanged.
    public func load(named tensors: [(String, Tensor)], strict: Bool = true) throws {
        var byName: [String: Tensor] = [:]
        for (name, t) in tensors { byName[name] = t }
        let mine = namedParameters()
        var plan: [(Tensor, Tensor)] = []
        for (name, target) in mine {
            guard let source = byName.removeValue(forKey: name) else {
                throw NNError(code: .missingTensor,
                    message: "tensor '\(name)' \(target.shape) is missing from the loaded set; "
                    + "the file was saved from a different architecture or is incomplete")
            }
            guard source.shape == target.shape else {
                throw NNError(code: .shapeMismatch,
                    message: "tensor '\(name)': file has \(source.shape), model expects "
                    + "\(target.shape); rebuild the model with the file's architecture")
            }
            plan.append((target, source))
        }
        if strict, let extra = byName.keys.sorted().first {
            throw NNError(code: .unsupportedArchitecture,
                message: "tensor '\(extra)' is not part of this model (\(byName.count) unknown); "
                + "pass strict: false to ignore extra tensors")
        }
        for (target, source) in plan { target.assign(source) }
    }

    /// Clears every accumulated gradient (call before each step's backward).
    public func zeroGrad() {
        visit(prefix: "") { _, layer in
            for (_, p) in layer.ownParameters { p.zeroGrad() }
        }
    }

    /// Freezes (or unfreezes) every parameter whose full name starts with one of `prefixes`
    /// ("stem.", "blocks.0.", ...). Returns how many parameters changed state.
    @discardableResult
    public func setFrozen(_ frozen: Bool, prefixes: [String]) -> Int {
        var changed = 0
        for (name, p) in parameters() where prefixes.contains(where: { name.hasPrefix($0) }) {
            if p.isFrozen != frozen { changed += 1 }
            p.isFrozen = frozen
        }
        return changed
    }

    /// Freezes or unfreezes everything.
    public func setFrozen(_ frozen: Bool) {
        for (_, p) in parameters() { p.isFrozen = frozen }
    }

    /// Whether any parameter in this subtree will be updated.
    public var hasTrainableParameters: Bool {
        if ownParameters.contains(where: { !$0.1.isFrozen }) { return true }
        return children.contains { $0.1.hasTrainableParameters }
    }

    /// Total number of trainable scalars (frozen included).
    public var parameterCount: Int { parameters().reduce(0) { $0 + $1.1.value.count } }

    /// Depth-first walk with the dotted path prefix of each layer ("blocks.3.").
    public func visit(prefix: String, _ body: (String, any Layer) -> Void) {
        body(prefix, self)
        for (name, child) in children { child.visit(prefix: prefix + name + ".", body) }
    }
}
