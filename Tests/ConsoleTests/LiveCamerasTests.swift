import CamsiftCore
import Testing
@testable import Console

@Suite("Console live view")
struct LiveCamerasTests {
    func record(_ camera: String, _ label: String, _ score: Double = 0.9, via: String = "fused", reused: Bool? = nil) -> ClassificationRecord {
        ClassificationRecord(ts: "", camera: camera, label: label, score: score, model: "m1", via: via, top: [],
                             latency_ms: 1, reused: reused)
    }

    @Test("latest label, score and JPEG per camera; the frame rate follows the gaps between frames")
    func latest() {
        let live = LiveCameras()
        live.observe(record("a", "car", 0.7), wall: 100, jpeg: [1, 2, 3])
        live.observe(record("a", "bus", 0.8), wall: 110, jpeg: [4, 5])
        live.observe(record("b", "tree", 0.5), wall: 105, jpeg: nil)
        let a = live.view("a")!
        #expect(a.label == "bus" && abs(a.score! - 0.8) < 1e-6 && a.frames == 2)
        #expect(abs(a.framesPerSecond - 0.1) < 1e-9)
        #expect(live.latestFrame("a")?.jpeg == [4, 5])
        #expect(live.view("b")?.hasJPEG == false && live.latestFrame("b") == nil)
        #expect(live.jpegBytes == 2)
        #expect(live.view("nobody") == nil)
    }

    @Test("the JPEG byte budget holds across cameras; forgotten cameras give their bytes back")
    func budget() {
        var s = LiveCameras.Settings()
        s.jpegBudget = 10
        let live = LiveCameras(settings: s)
        live.observe(record("a", "x"), wall: 1, jpeg: [UInt8](repeating: 1, count: 6))
        live.observe(record("b", "x"), wall: 1, jpeg: [UInt8](repeating: 2, count: 6))  // would make 12 > 10
        #expect(live.latestFrame("a")?.jpeg.count == 6)
        #expect(live.latestFrame("b") == nil)
        #expect(live.jpegBytes == 6)
        live.observe(record("a", "x"), wall: 2, jpeg: [UInt8](repeating: 3, count: 4))  // replaces: 4 ≤ 10
        #expect(live.jpegBytes == 4)
        live.retain(only: ["b"])
        #expect(live.jpegBytes == 0 && live.view("a") == nil)
        live.observe(record("b", "x"), wall: 3, jpeg: [UInt8](repeating: 2, count: 9))
        #expect(live.latestFrame("b")?.jpeg.count == 9)
    }

    @Test("timeline: a sample per label change or per interval, a bounded ring, oldest first")
    func timeline() {
        var s = LiveCameras.Settings()
        s.timelineLength = 4
        s.timelineEvery = 60
        let live = LiveCameras(settings: s)
        live.observe(record("a", "car"), wall: 0, jpeg: nil)      // first: sampled
        live.observe(record("a", "car"), wall: 10, jpeg: nil)     // same label, 10 s: not sampled
        live.observe(record("a", "bus"), wall: 20, jpeg: nil)     // change: sampled
        live.observe(record("a", "bus"), wall: 90, jpeg: nil)     // 70 s later: sampled
        #expect(live.timeline("a").map(\.wall) == [0, 20, 90])
        live.observe(record("a", "car"), wall: 95, jpeg: nil)
        live.observe(record("a", "tree"), wall: 96, jpeg: nil)    // ring of 4 drops the oldest
        let t = live.timeline("a")
        #expect(t.map(\.wall) == [20, 90, 95, 96])
        #expect(t.map(\.label) == ["bus", "bus", "car", "tree"])
    }

    @Test("recent frames: newest first, bounded, with via and reuse")
    func recent() {
        var s = LiveCameras.Settings()
        s.recentLength = 3
        let live = LiveCameras(settings: s)
        for i in 0..<5 { live.observe(record("a", "l\(i)", via: i == 4 ? "M1" : "fused", reused: i == 3 ? true : nil), wall: Double(i), jpeg: nil) }
        let r = live.recent("a")
        #expect(r.map(\.label) == ["l4", "l3", "l2"])
        #expect(r[0].via == "M1" && r[1].reused == true && r[2].reused == nil)
        #expect(r[0].ts == Timestamp.rfc3339(4))
    }
}

@Suite("Console pages (pure rendering)")
struct ConsolePageTests {
    @Test("HTML escaping covers markup and quotes")
    func escaping() {
        #expect(HTML.escape("<a href=\"x\">'&'</a>") == "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;")
        #expect(HTML.url("cam 1/ä") == "cam%201%2F%C3%A4")
    }

    @Test("URLs are cut out of error texts, whatever their scheme")
    func urlsRemoved() {
        let e = "avformat_open_input failed for camera 'x' (rtmp://user:pw@10.0.0.1:1935/live/x): refused; see http://h/p?q=1 now"
        let out = CameraPage.withoutURLs(e)
        #expect(out == "avformat_open_input failed for camera 'x' (<url>): refused; see <url> now")
        #expect(CameraPage.withoutURLs("no url here") == "no url here")
    }

    @Test("the grid filters by state, label and id, pages by 60, and never prints a camera URL")
    func grid() {
        var health: [CameraHealth] = []
        let live = LiveCameras()
        for i in 0..<130 {
            let id = String(format: "cam-%03d", i)
            health.append(CameraHealth(id: id, kind: .mjpeg, state: i % 2 == 0 ? .online : .offline))
            live.observe(ClassificationRecord(ts: "", camera: id, label: i % 3 == 0 ? "snow" : "clear", score: 0.9,
                                              model: "m", via: "fused", top: [], latency_ms: 0), wall: 1, jpeg: [1])
        }
        let views = live.views()
        func page(_ q: [String: String]) -> CamerasPage {
            CamerasPage(health: health, views: views, tags: { _ in [] }, filter: .init(query: q), now: 2)
        }
        #expect(page([:]).matching().count == 130)
        #expect(page(["state": "online"]).matching().count == 65)
        #expect(page(["label": "SNOW"]).matching().count == 44)
        #expect(page(["state": "online", "label": "snow"]).matching().count == 22)
        #expect(page(["q": "cam-12"]).matching().map(\.id) == (120...129).map { String(format: "cam-%03d", $0) })
        let html = page(["page": "3"]).render(csrf: "tok")
        #expect(html.contains("page 3 of 3"))
        #expect(html.components(separatedBy: "class=\"cam ").count - 1 == 10)
        #expect(html.contains("data-camera=\"cam-120\"") && !html.contains("data-camera=\"cam-119\""))
        #expect(html.contains("<meta name=\"csrf-token\" content=\"tok\">"))
        #expect(!html.contains("<script>") && !html.contains("style=\""))
    }

    @Test("the camera page hides the URL, header values and password file")
    func cameraPage() {
        var cam = Camera(id: "lobby", kind: .mjpeg, url: "http://admin:secret@10.1.2.3/video.mjpg?token=abc", interval: 5,
                         auth: .init(user: "viewer", passwordFile: "/etc/camsift/secret.pw"))
        cam.headers = ["Authorization": "Bearer xyz"]
        var h = CameraHealth(id: "lobby", kind: .mjpeg, state: .backoff)
        h.lastError = "io: connect to http://admin:secret@10.1.2.3/video.mjpg failed"
        let html = CameraPage(id: "lobby", camera: cam, health: h, view: nil, timeline: [], recent: [], now: 0).render(csrf: "t")
        for secret in ["secret", "10.1.2.3", "token=abc", "xyz", "/etc/camsift/secret.pw", "video.mjpg"] {
            #expect(!html.contains(secret), "leaked \(secret)")
        }
        #expect(html.contains("http://… (hidden)") && html.contains("user viewer") && html.contains("Authorization: (hidden)"))
    }
}
