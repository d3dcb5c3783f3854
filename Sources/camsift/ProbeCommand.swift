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
    static let usage = "HOST|URL [--id ID] [--interval SECONDS] [--prefer mjpeg|snapshot] [--timeout SECONDS]"

    static func run(_ args: [String]) async throws -> Int32 {
        let a = try CommandLineArguments(args, valued: ["id", "interval", "prefer", "timeout"], booleans: [])
        guard a.positionals.count == 1 else { throw UsageError("give exactly one HOST or URL") }
        let target = a.positionals[0]
        let interval = try a.double("interval") ?? 10
        guard interval > 0 else { throw UsageError("option '--interval' must be > 0 seconds") }
        let prefer = a.value("prefer") ?? "snapshot"
        guard let preferred = CameraKind(rawValue: prefer), preferred.isHTTP else {
            throw UsageError("option '--prefer' must be mjpeg or snapshot (got '\(prefer)')")
        }
        let prober = try CameraProber()
        let results = await prober.probe(target, timeout: try a.double("timeout") ?? 5)
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
