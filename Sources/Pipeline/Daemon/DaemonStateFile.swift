#if canImport(Glibc)
import Glibc
#endif
import CamsiftCore
import Foundation

/// `STATE/cameras.json`: the daemon's per-camera health, rewritten every few seconds, for `camsift status` and
/// `camsift cameras` to read while no metrics endpoint exists. Written to a temp file, fsynced and renamed, so a
/// reader sees the old or the new file, never half of one.
public struct DaemonStateFile: Codable, Sendable, Equatable {
    public static let fileName = "cameras.json"

    public var pid: Int32
    /// Unix seconds when the daemon started and when this file was written.
    public var startedAt: Double
    public var updatedAt: Double
    /// Cameras in the registry (after sharding), including disabled ones.
    public var registered: Int
    /// Sum of frames per second over the last interval.
    public var framesPerSecond: Double
    /// Registry problems (invalid files skipped) at the last load, as printed on stderr.
    public var problems: [String]
    public var cameras: [CameraHealth]

    public init(pid: Int32, startedAt: Double, updatedAt: Double, registered: Int, framesPerSecond: Double,
                problems: [String], cameras: [CameraHealth]) {
        self.pid = pid
        self.startedAt = startedAt
        self.updatedAt = updatedAt
        self.registered = registered
        self.framesPerSecond = framesPerSecond
        self.problems = problems
        self.cameras = cameras
    }

    public static func path(inStateDirectory dir: String) -> String {
        (dir.hasSuffix("/") ? String(dir.dropLast()) : dir) + "/" + fileName
    }

    public func write(toStateDirectory dir: String) throws(PipelineError) {
        let data: Data
        do {
            let enc = JSONEncoder()
            enc.outputFormatting = [.sortedKeys]
            data = try enc.encode(self)
        } catch {
            throw PipelineError(.io, "cannot encode the state file", cause: error)
        }
        do {
            try AtomicFile.write(Array(data), to: Self.path(inStateDirectory: dir))
        } catch {
            throw PipelineError(.io, "cannot write the state file", cause: error)
        }
    }

    public static func read(stateDirectory dir: String) throws(PipelineError) -> DaemonStateFile {
        let path = path(inStateDirectory: dir)
        guard let data = FileManager.default.contents(atPath: path) else {
            throw PipelineError(.notRunning, "no state file '\(path)' — is `camsift run` running with --state \(dir)?")
        }
        do {
            return try JSONDecoder().decode(DaemonStateFile.self, from: data)
        } catch {
            throw PipelineError(.io, "state file '\(path)' is not readable JSON; it is rewritten every few seconds, "
                + "try again", cause: error)
        }
    }
}
