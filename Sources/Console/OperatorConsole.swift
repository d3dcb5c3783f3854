import CamsiftCore
import Foundation
import Labels
import Pipeline
import WebServer

/// The operator's console, served by the daemon on the `/metrics` listener: the camera grid and camera pages, the
/// review queue with labelling, the dataset, and the models with retrain and rollback.
///
/// It holds the live view (`LiveCameras`), the label store and review queue (`Labels`), and what it asks of the
/// daemon (`ConsoleContext`). `observer` feeds it from the inference thread; `handler` answers HTTP requests
/// (`ConsoleRouter`). Nothing in a request names a file: frames are addressed by camera id or review item id.
public final class OperatorConsole: Sendable {
    /// The label store and review queue of the archive: one daemon holds them (a file lock). Another daemon on the
    /// same archive (a second shard on one box) serves the console without labelling, and says why.
    public struct Labelling: Sendable {
        public let store: LabelStore
        public let queue: ReviewQueue
        public init(store: LabelStore, queue: ReviewQueue) {
            self.store = store
            self.queue = queue
        }
    }

    public let live: LiveCameras
    public let labelling: Labelling?
    /// Why there is no labelling (shown on the Review and Dataset pages), when `labelling` is nil.
    public let labellingProblem: String?
    public let context: ConsoleContext
    /// The server's per-process CSRF token, embedded in every page for the script's POSTs.
    public let csrfToken: String

    public init(live: LiveCameras = LiveCameras(), labelling: Labelling?, labellingProblem: String? = nil,
                context: ConsoleContext, csrfToken: String) {
        self.live = live
        self.labelling = labelling
        self.labellingProblem = labelling == nil ? labellingProblem ?? "no label store" : nil
        self.context = context
        self.csrfToken = csrfToken
    }

    public convenience init(live: LiveCameras = LiveCameras(), store: LabelStore, queue: ReviewQueue,
                            context: ConsoleContext, csrfToken: String) {
        self.init(live: live, labelling: Labelling(store: store, queue: queue), context: context, csrfToken: csrfToken)
    }

    /// What the inference thread calls for every logged frame.
    public var observer: any FrameObserver { ConsoleObserver(live: live, queue: labelling?.queue) }

    /// What the HTTP server calls for every request that is not `/metrics`.
    public var handler: any HTTPHandler { ConsoleRouter(console: self) }
}

/// Feeds the live view and offers the frame to the review queue (which decides on its rules, in memory).
struct ConsoleObserver: FrameObserver {
    let live: LiveCameras
    let queue: ReviewQueue?

    func observe(_ frame: Frame, record: ClassificationRecord, roles: [String: String]) {
        live.observe(record, wall: frame.capturedWall, jpeg: frame.jpeg)
        guard record.reused != true, let queue else { return }
        _ = queue.offer(ReviewCandidate(
            camera: frame.camera, capturedWall: frame.capturedWall, jpeg: frame.jpeg, label: record.label,
            score: record.score, m0: roles["M0"], m1: roles["M1"],
            top: record.top.map { ReviewScore(label: $0.label, score: $0.score) }, model: record.model))
    }
}
