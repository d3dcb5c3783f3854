import CamsiftCore

extension IngestRuntime {
    /// rtmp/stream cameras run on the media helper's `StreamWorker` (libavformat on dedicated threads).
    /// TODO(merge media): replace with `StreamWorker(camera:options:sink:)` once Sources/Ingest/Stream lands.
    func makeStreamWorker(for camera: Camera) -> any CameraWorker {
        PendingStreamWorker(camera: camera)
    }
}

/// Placeholder until the FFmpeg stream worker is merged: parks the camera offline with an explicit error so
/// the health table shows why it delivers nothing. Not a stub of the real thing: it never claims frames.
final class PendingStreamWorker: CameraWorker, Sendable {
    let camera: Camera
    init(camera: Camera) { self.camera = camera }
    func start() {}
    func stop() async {}
    func health() -> CameraHealth {
        var h = CameraHealth(id: camera.id, kind: camera.kind, state: camera.enabled ? .offline : .disabled)
        h.lastError = "\(camera.kind.rawValue) ingest is not built into this camsift yet"
        return h
    }
}
