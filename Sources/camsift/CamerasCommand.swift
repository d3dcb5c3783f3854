#if canImport(Glibc)
import Glibc
#endif
import CamsiftCore
import Foundation
import Pipeline

/// `camsift cameras`: the health table the daemon keeps in `STATE/cameras.json` (`DaemonStateFile`; a bare
/// array of CameraHealth is accepted too).
enum CamerasCommand: CamsiftCommand {
    static let name = "cameras"
    static let abstract = "show per-camera health"
    static let options: [OptionSpec] = [
        .configPath("state", "DIR", "the daemon's state directory, which holds cameras.json", default: CamsiftConfig().state),
        .config("to take \"state\" from"),
        .flag("json", "print the health records as a JSON array instead of the table"),
        .flag("problems", "show only cameras that are not online"),
    ]

    static func run(_ args: [String]) async throws -> Int32 {
        let a = try parse(args)
        guard a.positionals.isEmpty else { throw UsageError("unexpected argument '\(a.positionals[0])'") }
        let state = try a.configuration(.init(state: a.value("state"))).state
        let path = state + "/cameras.json"
        guard let data = FileManager.default.contents(atPath: path) else {
            Console.error("camsift cameras: cannot read \(path): is the daemon running with state directory "
                          + "'\(state)'? Pass --state DIR to look elsewhere")
            return ExitStatus.noInput
        }
        let health: [CameraHealth]
        var daemon: DaemonStateFile?
        if let file = try? JSONDecoder().decode(DaemonStateFile.self, from: data) {
            daemon = file
            health = file.cameras
        } else if let list = try? JSONDecoder().decode([CameraHealth].self, from: data) {
            health = list
        } else {
            Console.error("camsift cameras: \(path) is neither the daemon's state file nor an array of camera "
                          + "health records; the daemon rewrites it every few seconds, try again")
            return ExitStatus.dataError
        }
        var rows = health.sorted { $0.id < $1.id }
        if a.flag("problems") { rows = rows.filter { $0.state != .online } }
        if a.flag("json") {
            Console.out(String(decoding: try JSONWriter.encode(rows, pretty: true), as: UTF8.self) + "\n")
            return ExitStatus.ok
        }
        if let d = daemon {
            let now = Timestamp.now()
            Console.out("daemon pid \(d.pid), up \(Int(now - d.startedAt)) s, state written \(Int(now - d.updatedAt)) s ago, "
                        + "\(d.registered) registered, \(String(format: "%.1f", d.framesPerSecond)) frames/s\n")
            for p in d.problems { Console.out("registry problem: \(p)\n") }
        }
        Console.out(table(rows, now: Timestamp.now()))
        return ExitStatus.ok
    }

    static func table(_ rows: [CameraHealth], now: Double) -> String {
        let header = ["CAMERA", "KIND", "STATE", "DELIVERED", "SAMPLED", "REJECTED", "RECONNECTS", "LAST FRAME", "LAST ERROR"]
        var cells = [header]
        for h in rows {
            let rejected = h.rejects.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
            let age = h.lastFrameAt.map { "\(max(0, Int(now - $0)))s ago" } ?? "never"
            cells.append([h.id, h.kind.rawValue, h.state.rawValue, String(h.framesDelivered), String(h.framesSampled),
                          rejected.isEmpty ? "-" : rejected, String(h.reconnects), age,
                          String((h.lastError ?? "-").prefix(80))])
        }
        let widths = (0..<header.count).map { c in cells.map { $0[c].count }.max() ?? 0 }
        var out = ""
        for r in cells {
            out += r.enumerated().map { i, v in i == r.count - 1 ? v : v.padding(toLength: widths[i], withPad: " ", startingAt: 0) }
                .joined(separator: "  ") + "\n"
        }
        let counts = Dictionary(grouping: rows, by: \.state).map { "\($0.key.rawValue)=\($0.value.count)" }.sorted()
        out += "\(rows.count) cameras: \(counts.joined(separator: " "))\n"
        return out
    }
}
