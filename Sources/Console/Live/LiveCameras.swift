import CamsiftCore
import Synchronization

/// What the console shows of each camera right now: its latest frame (the original JPEG bytes, for the grid and
/// `GET /cameras/{id}/latest.jpg`), its current label and score, a frame rate, and a short label timeline.
///
/// Fed by the inference thread (`ConsoleObserver`) for every logged frame, so `observe` only swaps a few values
/// under one lock. Memory is bounded twice: the latest JPEGs share a byte budget (a camera whose frame would
/// exceed it keeps none and shows "no frame"; the array itself is the one ingest already holds, not a copy), and
/// each timeline is a ring of `timelineLength` 8-byte samples with labels interned once for all cameras.
public final class LiveCameras: Sendable {
    public struct Settings: Sendable {
        /// Total bytes of latest JPEGs kept across cameras (10,000 cameras × ~40 KB fit in the default).
        public var jpegBudget = 512 << 20
        /// Timeline samples per camera; a sample is taken on a label change or after `timelineEvery` seconds.
        public var timelineLength = 96
        public var timelineEvery = 60.0
        /// Recent log lines kept per camera for its page.
        public var recentLength = 12
        public init() {}
    }

    /// One point of a camera's timeline.
    public struct Sample: Sendable, Equatable {
        public var wall: Double
        public var label: String
        public var score: Double
    }

    /// A camera's live view, as the pages read it.
    public struct View: Sendable {
        public var camera: String
        public var label: String?
        public var score: Double?
        public var model: String?
        public var lastWall: Double?
        public var framesPerSecond: Double
        public var frames: Int
        public var hasJPEG: Bool
        /// Capture time of the kept JPEG, milliseconds since the epoch: its version in URLs and ETags, so a browser
        /// fetches (and decodes) a camera's frame only when it changed.
        public var frameVersion: Int64?
    }

    struct Entry {
        var label: UInt16 = 0
        var score: Float = 0
        var model: String = ""
        var lastWall: Double = 0
        var frames = 0
        /// Exponentially weighted inter-frame gap, seconds.
        var gap: Double = 0
        var jpeg: [UInt8]?
        var jpegWall: Double = 0
        var timeline = BoundedRing<(wall: Double, label: UInt16, score: Float)>()
        var lastSampleWall: Double = 0
        var recent = BoundedRing<Recent>()
    }

    /// A logged frame as the camera page lists it (labels interned: 24 bytes, not a record).
    struct Recent {
        var wall: Double
        var label: UInt16
        var via: UInt16
        var model: UInt16
        var reused: Bool
        var score: Float
    }

    struct State {
        var cameras: [String: Entry] = [:]
        var names: [String] = [""]
        var index: [String: UInt16] = ["": 0]
        var jpegBytes = 0
        mutating func intern(_ s: String) -> UInt16 {
            if let i = index[s] { return i }
            guard names.count < Int(UInt16.max) else { return 0 }
            let i = UInt16(names.count)
            names.append(s)
            index[s] = i
            return i
        }
    }

    public let settings: Settings
    private let state = Mutex(State())

    public init(settings: Settings = Settings()) { self.settings = settings }

    /// Records one logged frame.
    public func observe(_ record: ClassificationRecord, wall: Double, jpeg: [UInt8]?) {
        let s = settings
        let camera = record.camera, label = record.label, score = record.score, model = record.model
        state.withLock { st in
            let l = st.intern(label)
            let entry = Recent(wall: wall, label: l, via: st.intern(record.via), model: st.intern(model),
                               reused: record.reused == true, score: Float(score))
            var e = st.cameras[camera] ?? Entry()
            if e.frames > 0, wall > e.lastWall {
                let g = wall - e.lastWall
                e.gap = e.gap == 0 ? g : 0.8 * e.gap + 0.2 * g
            }
            e.frames += 1
            let changed = e.label != l
            e.label = l
            e.score = Float(score)
            if e.model != model { e.model = model }
            e.lastWall = max(e.lastWall, wall)
            if let jpeg {
                let delta = jpeg.count - (e.jpeg?.count ?? 0)
                if st.jpegBytes + delta <= s.jpegBudget {
                    st.jpegBytes += delta
                    e.jpeg = jpeg
                    e.jpegWall = wall
                }
            }
            if changed || wall - e.lastSampleWall >= s.timelineEvery {
                e.lastSampleWall = wall
                let sample = (wall: wall, label: l, score: Float(score))
                e.timeline.append(sample, capacity: s.timelineLength)
            }
            e.recent.append(entry, capacity: s.recentLength)
            st.cameras[camera] = e
        }
    }

    /// The camera's last logged frames, newest first, as log records (without top-k and latency).
    public func recent(_ camera: String) -> [ClassificationRecord] {
        state.withLock { st in
            guard let e = st.cameras[camera] else { return [] }
            return e.recent.oldestFirst.reversed().map { r in
                ClassificationRecord(ts: Timestamp.rfc3339(r.wall), camera: camera, label: st.names[Int(r.label)],
                                     score: (Double(r.score) * 10000).rounded() / 10000, model: st.names[Int(r.model)],
                                     via: st.names[Int(r.via)], top: [], latency_ms: 0, reused: r.reused ? true : nil)
            }
        }
    }

    /// Forgets cameras no longer in the registry (their JPEG bytes return to the budget).
    public func retain(only ids: Set<String>) {
        state.withLock { st in
            for (id, e) in st.cameras where !ids.contains(id) {
                st.jpegBytes -= e.jpeg?.count ?? 0
                st.cameras[id] = nil
            }
        }
    }

    public func view(_ camera: String) -> View? {
        state.withLock { st in st.cameras[camera].map { Self.view(camera, $0, st.names) } }
    }

    /// Views of every camera seen so far, keyed by id (one lock, for a page render).
    public func views() -> [String: View] {
        state.withLock { st in
            var out: [String: View] = [:]
            out.reserveCapacity(st.cameras.count)
            for (id, e) in st.cameras { out[id] = Self.view(id, e, st.names) }
            return out
        }
    }

    /// The latest JPEG with its version (`View.frameVersion`).
    public func latestFrame(_ camera: String) -> (jpeg: [UInt8], version: Int64)? {
        state.withLock { st in
            guard let e = st.cameras[camera], let j = e.jpeg else { return nil }
            return (j, Self.version(e.jpegWall))
        }
    }

    static func version(_ wall: Double) -> Int64 { Int64((wall * 1000).rounded()) }

    /// The timeline, oldest first.
    public func timeline(_ camera: String) -> [Sample] {
        state.withLock { st in
            guard let e = st.cameras[camera] else { return [] }
            return e.timeline.oldestFirst.map { Sample(wall: $0.wall, label: st.names[Int($0.label)], score: Double($0.score)) }
        }
    }

    public var jpegBytes: Int { state.withLock { $0.jpegBytes } }

    private static func view(_ id: String, _ e: Entry, _ names: [String]) -> View {
        View(camera: id, label: e.frames > 0 ? names[Int(e.label)] : nil, score: e.frames > 0 ? Double(e.score) : nil,
             model: e.model.isEmpty ? nil : e.model, lastWall: e.frames > 0 ? e.lastWall : nil,
             framesPerSecond: e.gap > 0 ? 1 / e.gap : 0, frames: e.frames, hasJPEG: e.jpeg != nil,
             frameVersion: e.jpeg != nil ? version(e.jpegWall) : nil)
    }
}

/// A fixed-capacity ring that overwrites its oldest element: a camera's timeline and its recent frames, both
/// bounded per camera whatever the frame rate.
struct BoundedRing<Element> {
    private var items: [Element] = []
    private var head = 0

    /// Appends `e`, dropping the oldest element once `capacity` are held (a capacity of 0 keeps nothing).
    mutating func append(_ e: Element, capacity: Int) {
        guard capacity > 0 else { return }
        if items.count < capacity {
            items.append(e)
        } else {
            items[head] = e
            head = (head + 1) % items.count
        }
    }

    var oldestFirst: [Element] { Array(items[head...] + items[..<head]) }
}
