import CamsiftCore

/// The per-camera feature rings of the window stage, and when each camera's next window is due: the first when
/// its ring fills (α frames), then every `stride` frames. Windows overlap by α − stride frames, so an event is
/// seen within `stride` frames of entering the ring rather than α.
///
/// Bounded: at most `maxCameras` rings (cameras removed from the registry stop pushing and are evicted, least
/// recently fed first, when a new camera needs room), so memory stays ≤ `maxCameras × FeatureRing.bytes`.
/// Inference-thread only.
final class WindowTracker {
    let length: Int
    let width: Int
    let stride: Int
    let maxCameras: Int
    private var rings: [String: FeatureRing] = [:]
    private(set) var evicted = 0

    init(length: Int, width: Int, stride: Int, maxCameras: Int = 20_000) {
        precondition(length >= 1 && width >= 1 && stride >= 1 && maxCameras >= 1)
        self.length = length
        self.width = width
        self.stride = stride
        self.maxCameras = maxCameras
    }

    var cameraCount: Int { rings.count }
    /// Bytes of features and times held now.
    var bytes: Int { rings.count * FeatureRing.bytes(capacity: length, width: width) }

    /// Adds a frame's projected features; true when the camera's window is due now.
    func push(_ camera: String, features: UnsafeBufferPointer<Float>, wall: Double, now: Double) -> Bool {
        makeRoom(for: camera)
        rings[camera, default: FeatureRing(capacity: length, width: width)].push(features, wall: wall, now: now)
        return isDue(camera)
    }

    /// A frame whose result change gating reused: its features are the camera's previous ones.
    func repeatLast(_ camera: String, wall: Double, now: Double) -> Bool {
        guard rings[camera] != nil else { return false }
        rings[camera]!.repeatLast(wall: wall, now: now)
        return isDue(camera)
    }

    private func isDue(_ camera: String) -> Bool {
        guard let r = rings[camera], r.isFull else { return false }
        // The first window as soon as the ring fills, then every `stride` frames.
        return r.windowsTaken == 0 || r.sinceWindow >= stride
    }

    /// Copies `camera`'s window (oldest frame first, `length × width` floats) to `out`.
    func takeWindow(_ camera: String, into out: UnsafeMutablePointer<Float>) -> (start: Double, end: Double)? {
        guard rings[camera]?.isFull == true else { return nil }
        return rings[camera]!.takeWindow(into: out)
    }

    /// Drops every ring (a new window model projects differently).
    func reset() { rings.removeAll(keepingCapacity: false) }

    private func makeRoom(for camera: String) {
        guard rings[camera] == nil, rings.count >= maxCameras else { return }
        if let oldest = rings.min(by: { $0.value.touched < $1.value.touched })?.key {
            rings.removeValue(forKey: oldest)
            evicted += 1
        }
    }
}
