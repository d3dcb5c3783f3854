import CamsiftCore
import Foundation

/// The window classifier of "Deep Spatio-Temporal Representation Learning for Multi-Class Imbalanced Data
/// Classification" (Pouyanfar, Chen, Shyu): a sequence of per-frame CNN features `[N, T, F]` (ours:
/// EfficientNet-Lite0's 1280-d pooled features, α = 40 frames) → class logits `[N, classes]`.
///
/// `resbilstm` (the paper's network), child names in order:
///
///     proj      TimeDistributed(Dense F → P)            (deviation, see below; absent when projection = 0)
///     lstm0     BiLSTM(P, P/2, residual)                h₁ = BiLSTM(h₀) + h₀
///     dropout0  Dropout(dropout)
///     lstm1     BiLSTM(P, P/2, residual)                h₂ = BiLSTM(h₁) + h₁   (… lstm{layers−1})
///     dropout1  Dropout(dropout)
///     last      LastStep                                t = T−1
///     bn        BatchNorm1d(P)                          "batch normalisation on the last time step"
///     fc1       Dense(P → D)
///     relu      ReLU
///     dropout   Dropout(denseDropout = 0.5)             "dense layer with 50 % dropout"
///     fc        Dense(D → classes)
///
/// so a model file stores `proj.weight`, `lstm0.weight_ih_l0_reverse`, `bn.running_var`, `fc.bias`, … — the names
/// an equivalent PyTorch module with those attributes (`nn.LSTM(P, P/2, batch_first=True, bidirectional=True)`
/// per layer) has in its state dict.
///
/// `lstm` (the paper's "LSTM" baseline rows): `lstm0` = LSTM(F → P) (unidirectional, no residual; further layers
/// LSTM(P → P)), `dropout0`, `last`, `fc` = Dense(P → classes). It has no projection layer — a linear map in front
/// of an LSTM is subsumed by the LSTM's own W_ih — so `projection` is its hidden size; `dense` and
/// `denseDropout` are unused.
///
/// Deviations from the paper, all for a CPU daemon (documented in docs/engine.md, "Window network"):
/// - **Projection F → P (default 128)** before the stack. The residual needs the BiLSTM's output width 2H to equal
///   its input width, so reading the 1280-d features directly means two 2×640 BiLSTMs (≈ 20 M parameters, 100×
///   the per-step recurrent cost of P = 128). The projection is a learned per-frame `Dense` (no activation).
/// - **Dense D = 256 instead of 1024**: the paper's 1024 follows a 1280-wide stack; we scale it with the
///   projection (D = 2P at the default P = 128), a quarter of the paper's dense cost. Configurable.
/// - **ReLU after the dense layer.** The paper says "dense layer … with 50 % dropout" without naming an activation;
///   we pick ReLU (a linear layer followed by the linear classifier would collapse into one).
/// - **Recurrent dropout rate** (`dropout`, default 0.2): the paper applies dropout on each recurrent layer; the
///   rate is ours and configurable.
public enum WindowNetwork {
    /// The `architecture.name` of a window network's model file; `kind` inside says which variant.
    public static let architectureName = "window-network"

    public enum Kind: String, Codable, Sendable, CaseIterable {
        /// The paper's residual bidirectional LSTM network.
        case resBiLSTM = "resbilstm"
        /// The paper's plain-LSTM baseline.
        case plainLSTM = "lstm"
    }

    /// Everything `make` needs; saved as the model file's architecture object (plus `"name"`), so a file rebuilds
    /// its own network. Decoding fills absent optional fields with the defaults below.
    public struct Config: Codable, Sendable, Equatable {
        public var kind: Kind
        /// Per-frame feature size F (1280 for EfficientNet-Lite0's pooled features).
        public var features: Int
        /// Recurrent width P: `resbilstm` projects F → P first (0 = no projection, P = F, which must be even);
        /// `lstm` uses it as the LSTM's hidden size (0 = F).
        public var projection: Int
        /// Width D of the dense layer before the classifier (`resbilstm` only; paper: 1024).
        public var dense: Int
        public var classes: Int
        /// Dropout after each recurrent layer.
        public var dropout: Float
        /// Dropout after the dense layer (paper: 0.5; `resbilstm` only).
        public var denseDropout: Float
        /// Number of recurrent layers (paper: 2).
        public var layers: Int
        /// Window length α the model is trained on (paper: 40). The network itself accepts any T ≥ 1; the daemon's
        /// ring and the trainer's sampler read this.
        public var window: Int

        public init(kind: Kind = .resBiLSTM, features: Int, classes: Int, projection: Int = 128, dense: Int = 256,
                    dropout: Float = 0.2, denseDropout: Float = 0.5, layers: Int? = nil, window: Int = 40) {
            self.kind = kind
            self.features = features
            self.classes = classes
            self.projection = projection
            self.dense = dense
            self.dropout = dropout
            self.denseDropout = denseDropout
            self.layers = layers ?? (kind == .resBiLSTM ? 2 : 1)
            self.window = window
        }

        /// The width of the recurrent layers' output (P, or F without a projection).
        public var width: Int { projection > 0 ? projection : features }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            let kind = try c.decodeIfPresent(Kind.self, forKey: .kind) ?? .resBiLSTM
            self.init(kind: kind, features: try c.decode(Int.self, forKey: .features),
                      classes: try c.decode(Int.self, forKey: .classes),
                      projection: try c.decodeIfPresent(Int.self, forKey: .projection) ?? 128,
                      dense: try c.decodeIfPresent(Int.self, forKey: .dense) ?? 256,
                      dropout: try c.decodeIfPresent(Float.self, forKey: .dropout) ?? 0.2,
                      denseDropout: try c.decodeIfPresent(Float.self, forKey: .denseDropout) ?? 0.5,
                      layers: try c.decodeIfPresent(Int.self, forKey: .layers),
                      window: try c.decodeIfPresent(Int.self, forKey: .window) ?? 40)
        }

        /// Throws an `invalidArgument` error naming the field and the fix.
        public func validate() throws {
            func fail(_ message: String) -> NNError {
                NNError(code: .invalidArgument, message: "window network (\(kind.rawValue)): " + message)
            }
            guard features >= 1 else { throw fail("features is \(features); give the per-frame feature size") }
            guard classes >= 2 else { throw fail("classes is \(classes); a classifier needs at least 2") }
            guard projection >= 0 else { throw fail("projection is \(projection); use 0 (none) or a width ≥ 1") }
            guard layers >= 1 else { throw fail("layers is \(layers); use at least 1 recurrent layer") }
            guard window >= 1 else { throw fail("window is \(window); use the sequence length α ≥ 1 (paper: 40)") }
            guard (0..<1).contains(dropout), (0..<1).contains(denseDropout) else {
                throw fail("dropout rates must be in [0, 1) (got \(dropout), \(denseDropout))")
            }
            if kind == .resBiLSTM {
                guard width % 2 == 0 else {
                    throw fail("the residual BiLSTM width \(width) must be even (2H = P); "
                        + "set projection to an even width such as \(width + 1)")
                }
                guard dense >= 1 else { throw fail("dense is \(dense); use a width ≥ 1 (paper: 1024)") }
            }
        }
    }

    /// Builds the network for `config`; weights from `seed` (same seed, same initial model), dropout masks from
    /// seeds derived from it.
    public static func make(_ config: Config, seed: UInt64 = 1) throws -> Sequential {
        try config.validate()
        var rng = SeededGenerator(seed: seed)
        var layers: [(String, any Layer)] = []
        let p = config.width
        switch config.kind {
        case .resBiLSTM:
            if config.projection > 0 {
                layers.append(("proj", TimeDistributed(config.features, p, rng: &rng)))
            }
            for l in 0..<config.layers {
                layers.append(("lstm\(l)", try BiLSTM(inputSize: p, hiddenSize: p / 2, residual: true, rng: &rng)))
                layers.append(("dropout\(l)", Dropout(config.dropout, seed: seed &+ 17 &+ UInt64(l))))
            }
            layers.append(("last", LastStep()))
            layers.append(("bn", BatchNorm1d(features: p)))
            layers.append(("fc1", Dense(p, config.dense, rng: &rng)))
            layers.append(("relu", ReLU()))
            layers.append(("dropout", Dropout(config.denseDropout, seed: seed &+ 16)))
            layers.append(("fc", Dense(config.dense, config.classes, gain: 0.5, rng: &rng)))
        case .plainLSTM:
            for l in 0..<config.layers {
                let input = l == 0 ? config.features : p
                layers.append(("lstm\(l)", LSTM(inputSize: input, hiddenSize: p, rng: &rng)))
                layers.append(("dropout\(l)", Dropout(config.dropout, seed: seed &+ 17 &+ UInt64(l))))
            }
            layers.append(("last", LastStep()))
            layers.append(("fc", Dense(p, config.classes, gain: 0.5, rng: &rng)))
        }
        let model = Sequential(layers)
        _ = try model.outputShape(for: Shape([1, config.window, config.features]))
        return model
    }

    /// The model file's architecture object: the config's fields plus `"name": "window-network"`.
    public static func architectureJSON(_ config: Config) throws -> String {
        let data = try JSONEncoder().encode(config)
        guard var object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw NNError(code: .invalidArgument, message: "window network config did not encode to a JSON object")
        }
        object["name"] = architectureName
        let text = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        return String(decoding: text, as: UTF8.self)
    }

    /// The config a window-network model file records.
    public static func config(of file: ModelFile) throws -> Config {
        guard file.architectureName == architectureName else {
            throw NNError(code: .unsupportedArchitecture, message: "model is '\(file.architectureName)', not a "
                + "\(architectureName); train a window model (camsift train --clips) or pick the frame model")
        }
        let config = try file.architecture(as: Config.self)
        try config.validate()
        if !file.classes.isEmpty && file.classes.count != config.classes {
            throw NNError(code: .corrupt, message: "window network file lists \(file.classes.count) class names but "
                + "its architecture has \(config.classes) outputs; re-create the model file")
        }
        return config
    }

    /// Rebuilds the network a model file describes and loads its tensors (names and shapes checked).
    public static func make(modelFile file: ModelFile) throws -> Sequential {
        let model = try make(try config(of: file))
        try model.load(modelFile: file)
        return model
    }
}

extension ModelFile {
    /// A model file for a window network: its config as the architecture object, `inputSize` `[window, features]`
    /// (`[T, F]` of one input sequence) and an identity normalisation (the inputs are CNN features, not pixels).
    public init(windowNetwork model: any Layer, config: WindowNetwork.Config, classes: [String],
                metadata: [String: String] = [:]) throws {
        guard classes.count == config.classes else {
            throw NNError(code: .invalidArgument, message: "window network: \(classes.count) class names for "
                + "\(config.classes) outputs; pass one name per class")
        }
        try self.init(model: model, architectureJSON: try WindowNetwork.architectureJSON(config), classes: classes,
                      normalization: Normalization(mean: [0], std: [1]), inputSize: [config.window, config.features],
                      metadata: metadata)
    }
}
