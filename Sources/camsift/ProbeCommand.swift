#if canImport(Glibc)
import Glibc
#endif
import CamsiftCore
import Foundation
import Ingest

/// `camsift probe HOST|URL`: finds a camera's MJPEG/snapshot paths and prints a registry file for it.
enum ProbeCommand: CamsiftCommand {
    static let name = "probe"
    static let abstract = "find a camera's MJPEG/snapshot paths"
    static let defaultInterval = 10.0
    static let defaultPrefer = CameraKind.snapshot
    static let defaultTimeout = 5.0
    static let arguments = "HOST|URL"
    static let argumentHelp = [
        (name: "HOST|URL", help: "host, host:port or http(s)://host[:port] (every known brand path is tried), "
            + "or a full URL with a path (only that URL)"),
    ]
    static let options: [OptionSpec] = [
        .value("id", "ID", "camera id in the printed registry file", default: "HOST-PORT-KIND"),
        .value("interval", "SECONDS", "\"interval\" of the printed registry file (> 0)", default: "\(Int(defaultInterval))"),
        .value("prefer", "mjpeg|snapshot", "the kind printed when the camera serves both", default: defaultPrefer.rawValue),
        .value("timeout", "SECONDS", "limit for each probe request", default: "\(Int(defaultTimeout))"),
    ]

    static func run(_ args: [String]) async throws -> Int32 {
        let a = try parse(args)
        guard a.positionals.count == 1 else { throw UsageError("give exactly one HOST or URL") }
        let target = a.positionals[0]
        let interval = try a.double("interval") ?? defaultInterval
        guard interval > 0 else { throw UsageError("option '--interval' must be > 0 seconds") }
        let prefer = a.value("prefer") ?? defaultPrefer.rawValue
        guard let preferred = CameraKind(rawValue: prefer), preferred.isHTTP else {
            throw UsageError("option '--prefer' must be mjpeg or snapshot (got '\(prefer)')")
        }
        let prober = try CameraProber()
        let results = await prober.probe(target, timeout: try a.double("timeout") ?? defaultTimeout)
        await prober.shutdown()
        for r in results {
            let what = r.kind.map { "\($0.rawValue) \(r.width)x\(r.height)" } ?? "-"
            Console.error("probe: \(URLRedaction.redact(r.url)) [\(r.brand)] status=\(r.status) "
                          + "type=\(r.contentType ?? "-") → \(what)\(r.error.map { " (\($0))" } ?? "")")
        }
        let found = results.filter(\.found)
        guard let best = found.first(where: { $0.kind == preferred }) ?? found.first, let kind = best.kind else {
            Console.error("camsift probe: no MJPEG stream or JPEG snapshot found on \(URLRedaction.redact(target)); "
                          + "check the host/port, or pass the camera's full URL")
            return ExitStatus.unavailable
        }
        let id = a.value("id") ?? Self.defaultID(for: best.url, kind: kind)
        if let problem = CameraID.problem(id) { throw UsageError("option '--id': id \(problem)") }
        Console.out(ProbeResult.registryJSON(id: id, kind: kind, url: best.url, interval: interval))
        return ExitStatus.ok
    }

    /// `host-port-kind`, reduced to the characters camera ids allow.
    static func defaultID(for url: String, kind: CameraKind) -> String {
        let host = URLComponents(string: url).map { c in [c.host ?? "camera", c.port.map(String.init) ?? ""] }
            ?? ["camera"]
        let raw = (host.filter { !$0.isEmpty } + [kind.rawValue]).joined(separator: "-")
        return String(raw.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" ? $0 : "-" })
    }

}
