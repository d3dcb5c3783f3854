import CamsiftCore

extension Daemon {
    /// Health of every registered camera of this shard (running workers report theirs; disabled cameras are
    /// listed as such), for /metrics and `camsift cameras`.
    public func cameraHealth() -> [CameraHealth] { health().cameras }
}
