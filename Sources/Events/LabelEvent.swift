import CamsiftCore

/// A camera's confirmed label changed: the payload published to MQTT and POSTed to webhooks.
///
/// JSON: `{"camera":…, "label":…, "score":…, "previous":… or null, "ts":…, "model":…}`, keys in that order.
public struct LabelEvent: Codable, Sendable, Equatable {
    public var camera: String
    public var label: String
    /// Score of the frame that confirmed the change.
    public var score: Double
    /// The confirmed label before this one; nil for a camera's first confirmed label.
    public var previous: String?
    /// RFC 3339 UTC capture time of the confirming frame (the classification log's `ts`).
    public var ts: String
    public var model: String

    public init(camera: String, label: String, score: Double, previous: String?, ts: String, model: String) {
        self.camera = camera
        self.label = label
        self.score = score
        self.previous = previous
        self.ts = ts
        self.model = model
    }

    enum CodingKeys: String, CodingKey { case camera, label, score, previous, ts, model }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(camera, forKey: .camera)
        try c.encode(label, forKey: .label)
        try c.encode(score, forKey: .score)
        try c.encode(previous, forKey: .previous)  // `null`, never left out
        try c.encode(ts, forKey: .ts)
        try c.encode(model, forKey: .model)
    }

    /// The payload bytes, keys in declaration order.
    public func json() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(160)
        func key(_ k: String, first: Bool = false) {
            if !first { out.append(UInt8(ascii: ",")) }
            JSONWriter.appendString(k, to: &out)
            out.append(UInt8(ascii: ":"))
        }
        out.append(UInt8(ascii: "{"))
        key("camera", first: true); JSONWriter.appendString(camera, to: &out)
        key("label"); JSONWriter.appendString(label, to: &out)
        key("score"); JSONWriter.appendNumber((score * 10000).rounded() / 10000, to: &out)
        key("previous")
        if let previous { JSONWriter.appendString(previous, to: &out) } else { out.append(contentsOf: "null".utf8) }
        key("ts"); JSONWriter.appendString(ts, to: &out)
        key("model"); JSONWriter.appendString(model, to: &out)
        out.append(UInt8(ascii: "}"))
        return out
    }
}
