import Foundation

/// A camsift model file (`.csm`, docs/model-format.md): architecture description, class names, input
/// normalization and named float32 tensors, in one self-describing, checksummed binary file.
///
/// Reading verifies magic, version, bounds and the SHA-256 trailer before any tensor is handed out, so a
/// truncated or bit-flipped file is refused whole (never half-loaded). Writing goes through a temp file,
/// fsync and rename, so a crash leaves the old or the new model, never a torn one.
public struct ModelFile: Sendable {
    /// One named tensor. Conv weights are `[out, in/groups, kh, kw]`, dense weights `[out, in]`.
    public struct NamedTensor: Sendable, Equatable {
        public var name: String
        public var shape: [Int]
        public var values: [Float]

        public init(name: String, shape: [Int], values: [Float]) {
            precondition(shape.reduce(1, *) == values.count, "tensor '\(name)': shape \(shape) ≠ \(values.count) values")
            self.name = name
            self.shape = shape
            self.values = values
        }
    }

    /// Input normalization: `input = (pixel − mean) / std`, per RGB channel.
    public struct Normalization: Sendable, Equatable, Codable {
        public var mean: [Float]
        public var std: [Float]
        public init(mean: [Float], std: [Float]) {
            self.mean = mean
            self.std = std
        }
    }

    /// Current (and only) format version.
    public static let formatVersion: UInt32 = 1
    /// `CAMSIFT\0`.
    public static let magic: [UInt8] = Array("CAMSIFT".utf8) + [0]
    /// Tensor data and every tensor offset are aligned to this many bytes.
    public static let alignment = 64

    /// The architecture description as JSON object text (free-form; the builder for `architectureName` reads it),
    /// in canonical sorted-key form.
    public private(set) var architectureJSON: String
    public var classes: [String]
    public var normalization: Normalization
    /// `[height, width]` of the network input.
    public var inputSize: [Int]
    public var metadata: [String: String]
    /// Tensors in file order.
    public private(set) var tensors: [NamedTensor]
    private var index: [String: Int]

    public init(architectureJSON: String, classes: [String], normalization: Normalization, inputSize: [Int],
                metadata: [String: String] = [:], tensors: [NamedTensor]) throws {
        guard let data = architectureJSON.data(using: .utf8),
              let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any],
              let canonical = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) else {
            throw NNError(code: .invalidArgument, message: "architecture description is not a JSON object")
        }
        // Canonical form (sorted keys), so a read → write round trip is byte-identical.
        self.architectureJSON = String(decoding: canonical, as: UTF8.self)
        self.classes = classes
        self.normalization = normalization
        self.inputSize = inputSize
        self.metadata = metadata
        self.tensors = []
        self.index = [:]
        for t in tensors { try append(t) }
    }

    /// Adds a tensor; names are unique.
    public mutating func append(_ t: NamedTensor) throws {
        guard index[t.name] == nil else {
            throw NNError(code: .invalidArgument, message: "duplicate tensor name '\(t.name)'")
        }
        index[t.name] = tensors.count
        tensors.append(t)
    }

    public subscript(name: String) -> NamedTensor? {
        index[name].map { tensors[$0] }
    }

    /// The tensor called `name`, checked against `shape`; errors name the model file's architecture and the fix.
    public func tensor(_ name: String, shape: [Int]? = nil) throws -> NamedTensor {
        guard let t = self[name] else {
            throw NNError(code: .missingTensor,
                          message: "model '\(architectureName)' has no tensor '\(name)'; re-create the model file")
        }
        if let shape, t.shape != shape {
            throw NNError(code: .shapeMismatch,
                          message: "tensor '\(name)' has shape \(t.shape), expected \(shape); re-create the model file")
        }
        return t
    }

    /// `architecture.name`, or "" when absent.
    public var architectureName: String {
        (architectureObject()["name"] as? String) ?? ""
    }

    /// The architecture JSON decoded into a caller's Codable description.
    public func architecture<T: Decodable>(as type: T.Type) throws -> T {
        do {
            return try JSONDecoder().decode(T.self, from: Data(architectureJSON.utf8))
        } catch {
            throw NNError(code: .corrupt, message: "architecture description does not match \(T.self): \(error)")
        }
    }

    /// The architecture JSON as a Foundation object.
    public func architectureObject() -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(architectureJSON.utf8))) as? [String: Any] ?? [:]
    }

    /// Total number of float values over all tensors.
    public var parameterCount: Int { tensors.reduce(0) { $0 + $1.values.count } }
}
