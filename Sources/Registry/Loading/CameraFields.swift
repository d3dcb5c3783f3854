import CamsiftCore

/// The camera fields one JSON object gave (a camera file, an aggregator's defaults, or one aggregator
/// entry), before defaults are applied. `nil` means "not given or invalid"; `present` tells those apart so a
/// wrong value is not also reported as missing.
struct CameraFields {
    var id: String?
    var kind: CameraKind?
    var url: String?
    var interval: Double?
    var auth: Camera.Auth?
    var headers: [String: String]?
    var timeout: Double?
    var location: Camera.Location?
    var tags: [String]?
    var enabled: Bool?
    var region: Region?
    var present: Set<String> = []

    func has(_ key: String) -> Bool { present.contains(key) }

    /// Field-by-field override: a field this entry gives replaces the aggregator's whole value (headers and
    /// tags are not merged, so an entry can also clear them with `{}` / `[]`).
    func overriding(_ defaults: CameraFields) -> CameraFields {
        var m = self
        m.kind = kind ?? defaults.kind
        m.interval = interval ?? defaults.interval
        m.auth = auth ?? defaults.auth
        m.headers = headers ?? defaults.headers
        m.timeout = timeout ?? defaults.timeout
        m.location = location ?? defaults.location
        m.tags = tags ?? defaults.tags
        m.enabled = enabled ?? defaults.enabled
        m.region = region ?? defaults.region
        return m
    }
}
