import CamsiftCore

extension ClassificationRecord {
    /// The record as one JSON Lines line, newline included.
    ///
    /// Encoded by hand rather than with `JSONEncoder` because it runs once per classified frame and because the
    /// log's field order is part of its readable format (`ts` first, `top` last but two): JSONEncoder neither
    /// guarantees an order nor is it cheap to create per line. Non-finite numbers become `null` (JSON has no NaN).
    public func jsonLine() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(160 + top.count * 32 + (frame?.utf8.count ?? 0))
        out.append(contentsOf: #"{"ts":"#.utf8)
        JSONText.appendString(ts, to: &out)
        out.append(contentsOf: #","camera":"#.utf8)
        JSONText.appendString(camera, to: &out)
        out.append(contentsOf: #","label":"#.utf8)
        JSONText.appendString(label, to: &out)
        out.append(contentsOf: #","score":"#.utf8)
        JSONText.appendNumber(score, to: &out)
        out.append(contentsOf: #","model":"#.utf8)
        JSONText.appendString(model, to: &out)
        out.append(contentsOf: #","via":"#.utf8)
        JSONText.appendString(via, to: &out)
        out.append(contentsOf: #","top":["#.utf8)
        for (i, t) in top.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            out.append(UInt8(ascii: "["))
            JSONText.appendString(t.label, to: &out)
            out.append(UInt8(ascii: ","))
            JSONText.appendNumber(t.score, to: &out)
            out.append(UInt8(ascii: "]"))
        }
        out.append(contentsOf: #"],"latency_ms":"#.utf8)
        // Tenths of a millisecond are below the clock's meaningful resolution for capture→log.
        JSONText.appendNumber((latency_ms * 10).rounded() / 10, to: &out)
        if let reused {
            out.append(contentsOf: #","reused":"#.utf8)
            out.append(contentsOf: (reused ? "true" : "false").utf8)
        }
        if let frame {
            out.append(contentsOf: #","frame":"#.utf8)
            JSONText.appendString(frame, to: &out)
        }
        out.append(contentsOf: "}\n".utf8)
        return out
    }
}

/// Minimal JSON text emitters (RFC 8259 §7 string escaping, §6 numbers).
enum JSONText {
    static func appendString(_ s: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        let hex = Array("0123456789abcdef".utf8)
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "\""): out.append(contentsOf: [92, 34])
            case UInt8(ascii: "\\"): out.append(contentsOf: [92, 92])
            case 0x0A: out.append(contentsOf: [92, UInt8(ascii: "n")])
            case 0x0D: out.append(contentsOf: [92, UInt8(ascii: "r")])
            case 0x09: out.append(contentsOf: [92, UInt8(ascii: "t")])
            case 0..<0x20:
                out.append(contentsOf: Array(#"\u00"#.utf8))
                out.append(hex[Int(b >> 4)])
                out.append(hex[Int(b & 15)])
            default: out.append(b)
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    /// Shortest round-trip decimal (Swift's `description`), which is valid JSON for finite values.
    static func appendNumber(_ v: Double, to out: inout [UInt8]) {
        guard v.isFinite else { out.append(contentsOf: "null".utf8); return }
        if v == v.rounded(), abs(v) < 1e15 {
            out.append(contentsOf: String(Int64(v)).utf8)
        } else {
            out.append(contentsOf: v.description.utf8)
        }
    }
}
