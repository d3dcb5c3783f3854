/// The `architecture` object of an EfficientNet-Lite model file, as written by tools/import_effnet.py.
/// Tan & Le 2019 (EfficientNet), "Lite" variant: no squeeze-excite, ReLU6, fixed 32-channel stem and
/// 1280-channel head, so it quantizes and runs well on CPUs.
public struct EfficientNetArchitecture: Codable, Sendable, Equatable {
    public struct Stem: Codable, Sendable, Equatable {
        public var out: Int
        public var kernel: Int
        public var stride: Int
    }

    /// One MBConv (inverted residual) block: 1×1 expand (absent when `expand == in`), k×k depthwise, 1×1 project.
    public struct Block: Codable, Sendable, Equatable {
        public var `in`: Int
        public var out: Int
        public var expand: Int
        public var kernel: Int
        public var stride: Int
        public var residual: Bool
    }

    public struct Head: Codable, Sendable, Equatable { public var out: Int }
    public struct Dense: Codable, Sendable, Equatable {
        public var `in`: Int
        public var out: Int
    }

    public var name: String
    public var activation: String
    public var padding: String
    public var bnEpsilon: Float
    public var stem: Stem
    public var blocks: [Block]
    public var head: Head
    public var classifier: Dense
}
