import CamsiftCore
import Pipeline

/// What the console asks of the daemon, as closures the daemon (`camsift run`) wires: camera health and
/// definitions from the fleet, retrain and rollback through the same paths as `SIGUSR1` and `camsift rollback`.
public struct ConsoleContext: Sendable {
    public var health: @Sendable () -> [CameraHealth]
    public var camera: @Sendable (String) -> Camera?
    /// Posts a retrain request (as SIGUSR1 does) and returns what to tell the operator.
    public var retrain: @Sendable () -> String
    public var retrainStatus: @Sendable () -> RetrainCoordinator.Status?
    /// Points `current` back at the previous bundle and reloads it; returns what to tell the operator.
    public var rollback: @Sendable () throws -> String
    /// The serving model's version.
    public var servingModel: @Sendable () -> String
    /// The models directory (bundle store, `history.jsonl`).
    public var models: String
    /// Starts a label-propagation run (`camsift propagate`'s work, in the background, one at a time) and returns what
    /// to tell the operator; the default says the daemon has none.
    public var propagate: @Sendable () -> String = { "label propagation is not available in this daemon" }
    public var propagateStatus: @Sendable () -> RetrainCoordinator.Status? = { nil }

    public init(health: @escaping @Sendable () -> [CameraHealth], camera: @escaping @Sendable (String) -> Camera?,
                retrain: @escaping @Sendable () -> String,
                retrainStatus: @escaping @Sendable () -> RetrainCoordinator.Status?,
                rollback: @escaping @Sendable () throws -> String, servingModel: @escaping @Sendable () -> String,
                models: String) {
        self.health = health
        self.camera = camera
        self.retrain = retrain
        self.retrainStatus = retrainStatus
        self.rollback = rollback
        self.servingModel = servingModel
        self.models = models
    }
}
