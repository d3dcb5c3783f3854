import CamsiftCore
import Testing
@testable import Pipeline
import Serving

@Suite struct LivePipelineTests {
    @Test func framesFlowToTheLogAndMetricsStayValid() throws {
        var config = CamsiftConfig()
        config.batch = 4
        config.maxWaitMs = 5
        let progress = PipelineProgress()
        let sink = RecordingSink()
        let p = LivePipeline(config: config, classifier: BrightnessClassifier(version: "v7"), log: sink, progress: progress)
        var cam = CameraHealth(id: "lobby", kind: .mjpeg, state: .online)
        cam.framesDelivered = 9
        cam.rejects = ["frozen": 2, "uniform": 1]
        let lobby = cam
        p.registerMetrics(health: { [lobby, CameraHealth(id: "dead", kind: .snapshot, state: .backoff)] },
                          retrain: { RetrainCoordinator.Status() })
        p.start(metricsAddress: "")
        for i in 0..<10 { p.sink.submit(makeFrame(camera: "c\(i % 3)", value: UInt8(i * 20), textured: true, tag: "\(i)")) }
        p.drain()
        #expect(sink.all.count == 10 - p.batcher.statistics.dropped)
        #expect(progress.intake.load(ordering: .relaxed) == 10)
        #expect(progress.output.load(ordering: .relaxed) == UInt64(sink.all.count))
        let text = p.metrics.render()
        let v = PrometheusTextValidator(text)
        #expect(v.isValid, "\(v.problems)")
        #expect(v.value("camsift_camera_rejects_total", ["camera": "lobby", "reason": "frozen"]) == 2)
        #expect(v.value("camsift_cameras", ["state": "backoff"]) == 1)
        #expect(v.value("camsift_model_info", ["version": "v7"]) == 1)
        #expect(v.value("camsift_frames_classified_total", ["outcome": "classified"]).map(Int.init) == sink.all.filter { $0.reused != true }.count)
        #expect(v.value("camsift_training") == 0)
    }
}
