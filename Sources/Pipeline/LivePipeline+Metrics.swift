import CamsiftCore

extension LivePipeline {
    /// Registers the /metrics families: per-camera state, frames, bytes, rejects and reconnects (from
    /// `health`), the batcher's queue and drops, batch sizes, capture→log latency, the model version and the
    /// retraining state; per camera also `camsift_camera_info` (kind, aggregator) and the last frame's time,
    /// the log's lines and write failures, the label mix, when the serving model was installed, and the
    /// retraining runs by outcome (promoted, rejected, failed).
    public func registerMetrics(health: @escaping @Sendable () -> [CameraHealth],
                                retrain: (@Sendable () -> RetrainCoordinator.Status)? = nil) {
        metrics.register("cameras") {
            let cams = health()
            var up: [MetricFamily.Sample] = []
            var state: [MetricFamily.Sample] = []
            var frames: [MetricFamily.Sample] = []
            var sampled: [MetricFamily.Sample] = []
            var bytes: [MetricFamily.Sample] = []
            var reconnects: [MetricFamily.Sample] = []
            var rejects: [MetricFamily.Sample] = []
            var info: [MetricFamily.Sample] = []
            var lastFrame: [MetricFamily.Sample] = []
            var byState: [CameraState: Int] = [:]
            for c in cams {
                let l = [("camera", c.id)]
                up.append(.init(labels: l, value: c.state == .online ? 1 : 0))
                state.append(.init(labels: l + [("state", c.state.rawValue)], value: 1))
                frames.append(.init(labels: l, value: Double(c.framesDelivered)))
                sampled.append(.init(labels: l, value: Double(c.framesSampled)))
                bytes.append(.init(labels: l, value: Double(c.bytesReceived)))
                reconnects.append(.init(labels: l, value: Double(c.reconnects)))
                for (reason, n) in c.rejects.sorted(by: { $0.key < $1.key }) {
                    rejects.append(.init(labels: l + [("reason", reason)], value: Double(n)))
                }
                info.append(.init(labels: l + [("kind", c.kind.rawValue), ("aggregator", c.aggregator ?? "")], value: 1))
                if let t = c.lastFrameAt { lastFrame.append(.init(labels: l, value: t)) }
                byState[c.state, default: 0] += 1
            }
            let totals = CameraState.allCases.map { MetricFamily.Sample(labels: [("state", $0.rawValue)], value: Double(byState[$0] ?? 0)) }
            return [
                MetricFamily(name: "camsift_cameras", help: "Cameras by state.", kind: .gauge, samples: totals),
                MetricFamily(name: "camsift_camera_up", help: "1 when the camera is online.", kind: .gauge, samples: up),
                MetricFamily(name: "camsift_camera_info", help: "The camera's kind and aggregator (\"\" for none), value 1.", kind: .gauge, samples: info),
                MetricFamily(name: "camsift_camera_last_frame_timestamp_seconds", help: "Unix time of the camera's last delivered frame (absent before the first).", kind: .gauge, samples: lastFrame),
                MetricFamily(name: "camsift_camera_state", help: "The camera's current state (value 1).", kind: .gauge, samples: state),
                MetricFamily(name: "camsift_camera_frames_total", help: "Frames delivered to the pipeline.", kind: .counter, samples: frames),
                MetricFamily(name: "camsift_camera_frames_sampled_total", help: "Frames sampled before filtering.", kind: .counter, samples: sampled),
                MetricFamily(name: "camsift_camera_bytes_total", help: "Bytes received.", kind: .counter, samples: bytes),
                MetricFamily(name: "camsift_camera_reconnects_total", help: "Reconnects.", kind: .counter, samples: reconnects),
                MetricFamily(name: "camsift_camera_rejects_total", help: "Frames rejected by the filter, by reason.", kind: .counter, samples: rejects),
            ]
        }
        metrics.register("pipeline") { [batcher, engine, slot, logSink] in
            let b = batcher.statistics
            let e = engine.statistics
            let c = engine.cascade.statistics
            let cq = engine.cascade.queueStatistics
            var log: [MetricFamily] = []
            if let w = logSink as? ClassificationLogWriter {
                let st = w.stats
                log = [
                    MetricFamily(name: "camsift_log_lines_total", help: "Lines appended to the classification log.", kind: .counter,
                                 samples: [.init(value: Double(st.lines))]),
                    MetricFamily(name: "camsift_log_write_failures_total", help: "Lines that did not reach the classification log (disk full, I/O error, closed).",
                                 kind: .counter, samples: [.init(value: Double(st.failedLines))]),
                ]
            }
            return log + [
                MetricFamily(name: "camsift_classifications_total", help: "Log lines written, by label (classified and reused).", kind: .counter,
                             samples: e.labels.sorted { $0.key < $1.key }.map { .init(labels: [("label", $0.key)], value: Double($0.value)) }),
                MetricFamily(name: "camsift_window_events_total", help: "Window events written (window model over a camera's last frames), by label.", kind: .counter,
                             samples: e.windows.sorted { $0.key < $1.key }.map { .init(labels: [("label", $0.key)], value: Double($0.value)) }),
                MetricFamily(name: "camsift_queue_depth", help: "Frames waiting for inference.", kind: .gauge,
                             samples: [.init(value: Double(batcher.depth))]),
                MetricFamily(name: "camsift_frames_submitted_total", help: "Frames ingest handed to the batcher (each ends dropped, failed or as one log line).",
                             kind: .counter, samples: [.init(value: Double(b.submitted))]),
                MetricFamily(name: "camsift_frames_dropped_total", help: "Frames dropped by the batcher (oldest first).", kind: .counter,
                             samples: [.init(labels: [("reason", "camera_queue_full")], value: Double(b.droppedPerCamera)),
                                       .init(labels: [("reason", "queue_full")], value: Double(b.droppedCapacity)),
                                       .init(labels: [("reason", "cascade_camera_queue_full")], value: Double(cq.droppedPerCamera)),
                                       .init(labels: [("reason", "cascade_queue_full")], value: Double(cq.droppedCapacity))]),
                MetricFamily(name: "camsift_frames_classified_total", help: "Frames by outcome.", kind: .counter,
                             samples: [.init(labels: [("outcome", "classified")], value: Double(e.classified)),
                                       .init(labels: [("outcome", "reused")], value: Double(e.reused)),
                                       .init(labels: [("outcome", "failed")], value: Double(e.failed))]),
                MetricFamily(name: "camsift_cascade_frames_total", help: "Frames the cascade decided (issue 20): settled by the cheap stage (via=\"cheap\", logged with \"via\": \"cheap\") or sent on to the CNN batch (via=\"cnn\").",
                             kind: .counter, samples: [.init(labels: [("via", "cheap")], value: Double(c.cheap)),
                                                       .init(labels: [("via", "cnn")], value: Double(c.cnn))]),
                MetricFamily(name: "camsift_cascade_failures_total", help: "Frames the cheap stage failed on (sent on to the CNN).",
                             kind: .counter, samples: [.init(value: Double(c.failed))]),
                MetricFamily(name: "camsift_cascade_seconds_total", help: "Time the cascade thread spent in the cheap stage (features, PCA, network).",
                             kind: .counter, samples: [.init(value: c.seconds)]),
                MetricFamily(name: "camsift_cascade_queue_depth", help: "Frames waiting for the cheap stage.", kind: .gauge,
                             samples: [.init(value: Double(engine.cascade.depth))]),
                MetricFamily(name: "camsift_batch_size", help: "Frames per model call.", kind: .histogram,
                             samples: engine.batchSizes.samples()),
                MetricFamily(name: "camsift_latency_seconds", help: "Capture to log line.", kind: .histogram,
                             samples: engine.latency.samples()),
                MetricFamily(name: "camsift_model_info", help: "The serving model (value 1).", kind: .gauge,
                             samples: [.init(labels: [("version", slot.classifier?.version ?? "none")], value: 1)]),
                MetricFamily(name: "camsift_model_loaded_timestamp_seconds", help: "Unix time the serving model was installed (start-up or hot swap).",
                             kind: .gauge, samples: [.init(value: slot.installedAt)]),
                MetricFamily(name: "camsift_model_swaps_total", help: "Hot swaps of the serving model.", kind: .counter,
                             samples: [.init(value: Double(slot.swapCount))]),
            ]
        }
        if let retrain {
            metrics.register("retrain") {
                let s = retrain()
                return [
                    MetricFamily(name: "camsift_training", help: "1 while a retraining runs.", kind: .gauge,
                                 samples: [.init(value: s.phase == .training ? 1 : 0)]),
                    MetricFamily(name: "camsift_training_runs_total", help: "Finished retrainings.", kind: .counter,
                                 samples: [.init(value: Double(s.runs))]),
                    MetricFamily(name: "camsift_training_outcomes_total", help: "Finished retrainings by outcome (rejected: the promotion guard kept the serving model).",
                                 kind: .counter,
                                 samples: [.init(labels: [("outcome", "promoted")], value: Double(s.runs - s.failed - s.rejected)),
                                           .init(labels: [("outcome", "rejected")], value: Double(s.rejected)),
                                           .init(labels: [("outcome", "failed")], value: Double(s.failed))]),
                    MetricFamily(name: "camsift_training_last_finished_timestamp_seconds", help: "Unix time the last retraining finished (absent before the first).",
                                 kind: .gauge, samples: s.lastFinishedAt.map { [.init(value: $0)] } ?? []),
                ]
            }
        }
    }
}
