import CamsiftCore
import Console
import Foundation
import Labels
import Pipeline
import Retraining
import WebServer

extension RunCommand {
    /// The console on the `/metrics` listener: the label store and review queue under the archive, the live view
    /// fed by the inference thread, retrain and rollback through the daemon's own paths. Nil when the listener is
    /// off (`"console": ""`). A listener beyond loopback without a token file is a config error (exit 78): the
    /// console changes labels and models.
    /// Who may use the console, checked before anything starts (a config error, exit 78); nil when it is off.
    static func consoleAccess(_ config: CamsiftConfig) throws(PipelineError) -> AccessPolicy? {
        guard !config.metrics.isEmpty else { return nil }
        do {
            return try AccessPolicy.resolve(address: config.metrics, tokenFile: config.consoleTokenFile)
        } catch {
            throw PipelineError.config("\(error)")
        }
    }

    static func makeConsole(config: CamsiftConfig, access: AccessPolicy?, pipeline: LivePipeline, fleet: CameraFleet,
                            requests: DaemonRequests, retrainer: Retrainer, models: ServingModelReloader,
                            propagator: @escaping @Sendable (ReviewQueue?) -> Propagator)
        -> (console: OperatorConsole, access: AccessPolicy, propagator: Propagator)? {
        guard let access else { return nil }
        // Labelling needs the archive's label store; without it (another daemon holds it, or the archive cannot be
        // written) the console still shows the cameras and models, and the Review page says why.
        var labelling: OperatorConsole.Labelling?
        var problem: String?
        do {
            try FileManager.default.createDirectory(atPath: config.archive, withIntermediateDirectories: true)
            let store = try LabelStore(archive: config.archive)
            do {
                labelling = .init(store: store, queue: try ReviewQueue(archive: config.archive, policy: config.review))
            } catch {
                store.close()
                throw error
            }
        } catch {
            problem = "cannot open the label store under the archive '\(config.archive)': \(error)"
            OperationalLog.warning("console", "\(problem!) — the console runs without labelling; one daemon per archive "
                + "labels (give each shard its own \"archive\", or fix the directory)")
        }
        let slot = pipeline.slot
        let propagation = propagator(labelling?.queue)
        var context = ConsoleContext(
            health: { fleet.cameraHealth() },
            camera: { fleet.camera($0) },
            retrain: { () -> String in
                requests.retrain()
                return "retrain requested: the model is trained in the background, see its progress here"
            },
            retrainStatus: { retrainer.coordinator.status },
            rollback: { () throws -> String in
                let store = BundleStore(root: config.models)
                try store.rollback()
                models.reloadIfChanged()
                return "now serving \((store.current as NSString?)?.lastPathComponent ?? "?")"
            },
            servingModel: { slot.classifier?.version ?? "none" },
            models: config.models)
        context.propagate = { propagation.request(reason: "console") }
        context.propagateStatus = { propagation.coordinator.status }
        let console = OperatorConsole(labelling: labelling, labellingProblem: problem, context: context,
                                      csrfToken: access.csrfToken)
        return (console, access, propagation)
    }

    /// Label propagation in the daemon (`Propagator`): `camsift propagate`'s work with the config's paths, its
    /// suggestions queued through `queue` (the console's review queue) when there is one.
    static func makePropagator(config: CamsiftConfig) -> @Sendable (ReviewQueue?) -> Propagator {
        { queue in
            Propagator(archive: config.archive, every: RetrainCoordinator.parseInterval(config.propagateAfterLabels)) { reason in
                OperationalLog.notice("propagate", "label propagation (\(reason))")
                let plan = PropagateCommand.Plan(config: config)
                let summary = try PropagateCommand.perform(plan, queue: queue) { OperationalLog.info("propagate", $0) }
                return summary.split(separator: "\n").filter { !$0.hasPrefix(" ") }.joined(separator: "; ")
            }
        }
    }
}
