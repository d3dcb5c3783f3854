import CamsiftCore

/// What one probed URL turned out to be.
public struct ProbeResult: Sendable {
    public var url: String
    public var brand: String
    /// HTTP status of the final response (0 when none arrived).
    public var status: Int
    public var contentType: String?
    /// Detected from the content type and confirmed by a frame that decodes; nil when not a camera.
    public var kind: CameraKind?
    /// Source size of the decoded frame.
    public var width = 0
    public var height = 0
    public var error: String?

    public var found: Bool { kind != nil }
}

extension ProbeResult {
    /// A registry file for one camera (the format `camsift validate` and the daemon read).
    public static func registryJSON(id: String, kind: CameraKind, url: String, interval: Double) -> String {
        func q(_ s: String) -> String {
            var o = "\""
            for u in s.unicodeScalars {
                switch u {
                case "\"": o += "\\\""
                case "\\": o += "\\\\"
                case _ where u.value < 0x20: o += "\\u" + String(repeating: "0", count: 4 - String(u.value, radix: 16).count)
                    + String(u.value, radix: 16)
                default: o.unicodeScalars.append(u)
                }
            }
            return o + "\""
        }
        let iv = interval == interval.rounded() && abs(interval) < 1e9 ? String(Int(interval)) : String(interval)
        return "{\n  \"id\": \(q(id)),\n  \"kind\": \(q(kind.rawValue)),\n  \"url\": \(q(url)),\n  \"interval\": \(iv)\n}\n"
    }
}
