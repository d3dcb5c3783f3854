import Glibc
import CamsiftCore
import Synchronization

/// A FrameSink that counts delivered frames per camera and keeps the last one (blocks only if asked to).
final class CollectingSink: FrameSink {
    private let state = Mutex<(counts: [String: Int], last: [String: Frame])>(([:], [:]))
    /// Time each `submit` holds the calling (decode) thread: a slow consumer, so a test can make the decode queue
    /// overflow deterministically instead of hoping the machine is slow enough.
    private let holdMicroseconds: UInt32

    init(holdSeconds: Double = 0) { holdMicroseconds = UInt32(holdSeconds * 1_000_000) }

    func submit(_ frame: Frame) {
        if holdMicroseconds > 0 { usleep(holdMicroseconds) }
        state.withLock {
            $0.counts[frame.camera, default: 0] += 1
            $0.last[frame.camera] = frame
        }
    }

    func count(_ camera: String) -> Int { state.withLock { $0.counts[camera] ?? 0 } }
    func last(_ camera: String) -> Frame? { state.withLock { $0.last[camera] } }
}

/// Polls `condition` every 50 ms until it holds or `seconds` pass; returns whether it held.
/// (A bound on waiting, not a speed assertion: the tests assert what happened, never how fast.)
func eventually(_ seconds: Double, _ condition: () -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
    while ContinuousClock.now < deadline {
        if condition() { return true }
        try? await Task.sleep(for: .milliseconds(50))
    }
    return condition()
}
