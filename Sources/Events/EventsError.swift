import CMosquitto
import CamsiftCore
import Glibc

/// Why events cannot be published: a config value, a credential file, the MQTT library. Messages name the
/// field or URL (credentials stripped) and end with the fix.
public struct EventsError: Error, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        case config, credentials, mqtt, resource
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }

    /// A config value that is not usable: `events.<field> ... — fix`.
    static func config(_ field: String, _ problem: String, fix: String) -> EventsError {
        EventsError(.config, "events.\(field) \(problem) — \(fix)")
    }
}

/// The one check of libmosquitto return codes: throws an `EventsError` naming the call, the broker URL
/// (redacted) and the library's reason, with a fix.
func mosquittoCheck(_ rc: Int32, _ call: String, url: String) throws {
    guard rc != MOSQ_ERR_SUCCESS.rawValue else { return }
    throw EventsError(.mqtt, "\(call) for \(URLRedaction.redact(url)) failed: \(mosquittoReason(rc)) — \(mosquittoFix(rc))")
}

func mosquittoReason(_ rc: Int32) -> String {
    if rc == MOSQ_ERR_ERRNO.rawValue { return String(cString: strerror(errno)) }
    return String(cString: mosquitto_strerror(rc))
}

func mosquittoFix(_ rc: Int32) -> String {
    switch rc {
    case MOSQ_ERR_NOMEM.rawValue: "free memory and restart camsift"
    case MOSQ_ERR_INVAL.rawValue: "check events.mqtt (url, topicPrefix, credential files)"
    case MOSQ_ERR_NOT_SUPPORTED.rawValue: "install a libmosquitto built with TLS and threads (Debian libmosquitto1)"
    case MOSQ_ERR_AUTH.rawValue, MOSQ_ERR_CONN_REFUSED.rawValue:
        "check the user name and password files in events.mqtt and the broker's ACL"
    default: "check that the broker in events.mqtt.url runs and is reachable"
    }
}
