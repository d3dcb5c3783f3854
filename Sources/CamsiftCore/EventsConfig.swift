/// The config's `events` object: label changes (after hysteresis) published to MQTT and/or HTTP webhooks.
///
///     "events": {"mqtt": {"url": "mqtt://127.0.0.1:1883", "usernameFile": "", "passwordFile": "",
///                         "topicPrefix": "camsift", "homeAssistant": false},
///                "webhooks": [{"url": "http://127.0.0.1:8080/hook", "timeout": 5}],
///                "confirm": 3}
///
/// Every field is optional; a missing one takes the default below. Without `mqtt` nothing goes to MQTT,
/// without `webhooks` nothing goes over HTTP. Values are checked by Registry's `ConfigFile` (and again by
/// the Events module when it starts) with the helpers here, so both accept the same things.
public struct EventsConfig: Codable, Sendable, Equatable {
    public var mqtt: MQTT?
    public var webhooks: [Webhook] = []
    /// Consecutive classified frames (reused ones included) that must agree on a new label before it counts.
    public var confirm: Int = 3

    public init(mqtt: MQTT? = nil, webhooks: [Webhook] = [], confirm: Int = 3) {
        self.mqtt = mqtt
        self.webhooks = webhooks
        self.confirm = confirm
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        mqtt = try c.decodeIfPresent(MQTT.self, forKey: .mqtt)
        webhooks = try c.decodeIfPresent([Webhook].self, forKey: .webhooks) ?? []
        confirm = try c.decodeIfPresent(Int.self, forKey: .confirm) ?? 3
    }

    public struct MQTT: Codable, Sendable, Equatable {
        /// `mqtt://host[:port]` (default port 1883) or `mqtts://host[:port]` (8883, system CA certificates).
        public var url: String = "mqtt://127.0.0.1:1883"
        /// Files holding the broker user name and password (trailing newline ignored); empty: none.
        public var usernameFile: String = ""
        public var passwordFile: String = ""
        /// Topics are `<topicPrefix>/<camera>/label` and `<topicPrefix>/status`.
        public var topicPrefix: String = "camsift"
        /// Publish Home Assistant MQTT discovery (`homeassistant/sensor/camsift_<camera>/config`).
        public var homeAssistant: Bool = false

        public init(url: String = "mqtt://127.0.0.1:1883", usernameFile: String = "", passwordFile: String = "",
                    topicPrefix: String = "camsift", homeAssistant: Bool = false) {
            self.url = url
            self.usernameFile = usernameFile
            self.passwordFile = passwordFile
            self.topicPrefix = topicPrefix
            self.homeAssistant = homeAssistant
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            let d = MQTT()
            url = try c.decodeIfPresent(String.self, forKey: .url) ?? d.url
            usernameFile = try c.decodeIfPresent(String.self, forKey: .usernameFile) ?? d.usernameFile
            passwordFile = try c.decodeIfPresent(String.self, forKey: .passwordFile) ?? d.passwordFile
            topicPrefix = try c.decodeIfPresent(String.self, forKey: .topicPrefix) ?? d.topicPrefix
            homeAssistant = try c.decodeIfPresent(Bool.self, forKey: .homeAssistant) ?? d.homeAssistant
        }

        /// The broker address of `url`, or why it is not usable (phrased to follow "url").
        public func endpoint() -> Result<MQTTEndpoint, EventsConfigProblem> { MQTTEndpoint.parse(url) }

        /// Why `topicPrefix` is not usable (phrased to follow "topicPrefix"), or nil.
        public var topicPrefixProblem: String? {
            if topicPrefix.isEmpty { return "is empty" }
            if topicPrefix.contains(where: { $0 == "+" || $0 == "#" || $0 == "\0" }) { return "contains an MQTT wildcard (+ or #)" }
            if topicPrefix.hasPrefix("/") || topicPrefix.hasSuffix("/") { return "starts or ends with '/'" }
            return nil
        }
    }

    public struct Webhook: Codable, Sendable, Equatable {
        /// `http://` or `https://` URL the event JSON is POSTed to.
        public var url: String = ""
        /// Seconds one attempt may take (connect + answer).
        public var timeout: Double = 5

        public init(url: String, timeout: Double = 5) {
            self.url = url
            self.timeout = timeout
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            url = try c.decodeIfPresent(String.self, forKey: .url) ?? ""
            timeout = try c.decodeIfPresent(Double.self, forKey: .timeout) ?? 5
        }

        /// Why `url` is not an http(s) URL with a host (phrased to follow "url"), or nil.
        public var urlProblem: String? {
            let lower = url.lowercased()
            guard let scheme = ["http://", "https://"].first(where: { lower.hasPrefix($0) }) else {
                return url.isEmpty ? "is empty" : "does not start with http:// or https://"
            }
            let rest = url.dropFirst(scheme.count)
            let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
            let hostPort = authority.split(separator: "@", omittingEmptySubsequences: false).last ?? ""
            if hostPort.isEmpty || hostPort.hasPrefix(":") { return "has no host" }
            if url.contains(where: { $0 == " " || $0 == "\n" || $0 == "\r" }) { return "contains white space" }
            return nil
        }
    }

    /// Limits of the numeric fields, shared by the config check and the Events module.
    public enum Limits {
        public static let confirm: ClosedRange<Int> = 1...1000
        /// Seconds per webhook attempt.
        public static let webhookTimeout: ClosedRange<Double> = 0.001...300
    }
}

/// Where an MQTT broker is: `mqtt://host[:port]` or `mqtts://host[:port]`.
public struct MQTTEndpoint: Sendable, Equatable {
    public var host: String
    public var port: Int
    public var tls: Bool

    public static func parse(_ url: String) -> Result<MQTTEndpoint, EventsConfigProblem> {
        let lower = url.lowercased()
        let tls: Bool
        if lower.hasPrefix("mqtt://") { tls = false } else if lower.hasPrefix("mqtts://") { tls = true } else {
            return .failure(EventsConfigProblem(
                message: url.isEmpty ? "is empty" : "does not start with mqtt:// or mqtts://",
                fix: "write e.g. \"mqtt://127.0.0.1:1883\" (or mqtts://host:8883 for TLS)"))
        }
        var rest = Substring(url.dropFirst(tls ? 8 : 7))
        if rest.hasSuffix("/") { rest = rest.dropLast() }
        if rest.contains("@") {
            return .failure(EventsConfigProblem(
                message: "holds credentials (user:password@)",
                fix: "remove them from the URL and put them in files named by \"usernameFile\" and \"passwordFile\""))
        }
        if rest.contains(where: { $0 == "/" || $0 == "?" || $0 == "#" || $0 == " " }) {
            return .failure(EventsConfigProblem(message: "has a path or query after host:port",
                                                fix: "write only the scheme and host:port, e.g. \"mqtt://broker:1883\""))
        }
        var host = rest
        var port = tls ? 8883 : 1883
        if let colon = rest.lastIndex(of: ":"), !rest.hasSuffix("]") {
            guard let p = Int(rest[rest.index(after: colon)...]), (1...65535).contains(p) else {
                return .failure(EventsConfigProblem(message: "has no valid port after ':'",
                                                    fix: "write host:port with a port from 1 to 65535, e.g. \"mqtt://broker:1883\""))
            }
            port = p
            host = rest[..<colon]
        }
        if host.hasPrefix("["), host.hasSuffix("]") { host = host.dropFirst().dropLast() }
        guard !host.isEmpty else {
            return .failure(EventsConfigProblem(message: "has no host", fix: "write e.g. \"mqtt://127.0.0.1:1883\""))
        }
        return .success(MQTTEndpoint(host: String(host), port: port, tls: tls))
    }
}

/// What is wrong with an events value and how to fix it (the config check turns it into a problem line).
public struct EventsConfigProblem: Error, Sendable, Equatable {
    public var message: String
    public var fix: String
    public init(message: String, fix: String) {
        self.message = message
        self.fix = fix
    }
}
