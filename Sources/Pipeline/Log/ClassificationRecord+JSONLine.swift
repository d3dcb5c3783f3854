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
        JSONWriter.appendString(ts, to: &out)
        if let kind {
            out.append(contentsOf: #","kind":"#.utf8)
            JSONWriter.appendString(kind, to: &out)
        }
        out.append(contentsOf: #","camera":"#.utf8)
        JSONWriter.appendString(camera, to: &out)
        if let start {
            out.append(contentsOf: #","start":"#.utf8)
            JSONWriter.appendString(start, to: &out)
        }
        if let end {
            out.append(contentsOf: #","end":"#.utf8)
            JSONWriter.appendString(end, to: &out)
        }
        if let frames {
            out.append(contentsOf: #","frames":"#.utf8)
            JSONWriter.appendNumber(Double(frames), to: &out)
        }
        out.append(contentsOf: #","label":"#.utf8)
        JSONWriter.appendString(label, to: &out)
        out.append(contentsOf: #","score":"#.utf8)
        JSONWriter.appendNumber(score, to: &out)
        out.append(contentsOf: #","model":"#.utf8)
        JSONWriter.appendString(model, to: &out)
        out.append(contentsOf: #","via":"#.utf8)
        JSONWriter.appendString(via, to: &out)
        out.append(contentsOf: #","top":"#.utf8)
        Self.appendScores(top, to: &out)
        if let tags {
            out.append(contentsOf: #","tags":"#.utf8)
            Self.appendScores(tags, to: &out)
        }
        out.append(contentsOf: #","latency_ms":"#.utf8)
        // Tenths of a millisecond are below the clock's meaningful resolution for capture→log.
        JSONWriter.appendNumber((latency_ms * 10).rounded() / 10, to: &out)
        if let reused {
            out.append(contentsOf: #","reused":"#.utf8)
            out.append(contentsOf: (reused ? "true" : "false").utf8)
        }
        if let frame {
            out.append(contentsOf: #","frame":"#.utf8)
            JSONWriter.appendString(frame, to: &out)
        }
        out.append(contentsOf: "}\n".utf8)
        return out
    }

    /// `[["label",score],…]`: the shape of both `top` and `tags`.
    private static func appendScores(_ list: [LabelScore], to out: inout [UInt8]) {
        out.append(UInt8(ascii: "["))
        for (i, t) in list.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            out.append(UInt8(ascii: "["))
            JSONWriter.appendString(t.label, to: &out)
            out.append(UInt8(ascii: ","))
            JSONWriter.appendNumber(t.score, to: &out)
            out.append(UInt8(ascii: "]"))
        }
        out.append(UInt8(ascii: "]"))
    }
}
