import CamsiftCore

/// Workers that hold a camera's place in the daemon without ingesting anything: they report `starting` and
/// never produce a frame. `camsift run` uses this factory until the ingest runtime lands; it lets the daemon's
/// lifecycle (registry, reloads, signals, systemd, state file) run end to end at full scale today.
public struct IdleWorkerFactory: CameraWorkerFactory {
    public init() {}

    public func makeWorker(for camera: Camera) -> any CameraWorker { IdleWorker(camera: camera) }

    public func shutdown() async {}
}

/// See `IdleWorkerFactory`.
final class IdleWorker: CameraWorker {
    let camera: Camera
    init(camera: Camera) { self.camera = camera }
    func start() {}
    func stop() async {}
    func health() -> CameraHealth { CameraHealth(id: camera.id, kind: camera.kind, state: .starting) }
}
