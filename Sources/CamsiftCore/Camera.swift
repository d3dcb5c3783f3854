/// One camera as the registry defines it, after aggregator defaults were applied.
///
/// `Camera` is a value: two definitions are the same camera config iff they compare equal, which is how a
/// reload tells "unchanged" (keep the worker) from "changed" (restart it).
public struct Camera: Hashable, Codable, Sendable {
    public var id: String
    public var kind: CameraKind
    public var url: String
    /// Seconds between sampled frames (fractions allowed).
    public var interval: Double
    public var auth: Auth?
    public var headers: [String: String]
    /// Per-request (snapshot) or read-stall (streams) timeout in seconds.
    public var timeout: Double
    public var location: Location?
    public var tags: [String]
    public var enabled: Bool
    /// Name of the aggregator this camera came from, if any.
    public var aggregator: String?
    /// The part of the frame the model sees (and the archive keeps); nil = the whole frame.
    public var region: Region?

    public struct Auth: Hashable, Codable, Sendable {
        public var user: String
        /// File holding the password; read when connecting, never logged.
        public var passwordFile: String
        public init(user: String, passwordFile: String) {
            self.user = user
            self.passwordFile = passwordFile
        }
    }

    public struct Location: Hashable, Codable, Sendable {
        public var lat: Double?
        public var lon: Double?
        public var name: String?
        public init(lat: Double? = nil, lon: Double? = nil, name: String? = nil) {
            self.lat = lat
            self.lon = lon
            self.name = name
        }
    }

    public static let defaultTimeout: Double = 10

    public init(
        id: String, kind: CameraKind, url: String, interval: Double, auth: Auth? = nil,
        headers: [String: String] = [:], timeout: Double = Camera.defaultTimeout, location: Location? = nil,
        tags: [String] = [], enabled: Bool = true, aggregator: String? = nil, region: Region? = nil
    ) {
        self.id = id
        self.kind = kind
        self.url = url
        self.interval = interval
        self.auth = auth
        self.headers = headers
        self.timeout = timeout
        self.location = location
        self.tags = tags
        self.enabled = enabled
        self.aggregator = aggregator
        self.region = region
    }

    /// The URL with any `user:password@` removed: the only form that may appear in logs or errors.
    public var redactedURL: String { URLRedaction.redact(url) }
}
