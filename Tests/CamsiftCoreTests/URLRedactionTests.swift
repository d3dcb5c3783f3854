import Testing
@testable import CamsiftCore

@Suite struct URLRedactionTests {
    @Test(arguments: [
        ("http://admin:s3cret@10.0.0.1/mjpg/video.mjpg", "http://***@10.0.0.1/mjpg/video.mjpg"),
        ("rtmp://u:p@host:1935/live/x", "rtmp://***@host:1935/live/x"),
        ("http://host/videostream.cgi?user=admin&pwd=hunter2", "http://host/videostream.cgi?user=admin&pwd=***"),
        ("http://host/a?Password=x#frag", "http://host/a?Password=***#frag"),
        ("http://host/cams/12.jpg", "http://host/cams/12.jpg"),
        ("file:///tmp/x.avi", "file:///tmp/x.avi"),
    ])
    func redacts(input: String, expected: String) {
        #expect(URLRedaction.redact(input) == expected)
    }

    @Test func redactedNeverContainsSecret() {
        let url = "http://root:topsecret@cam.example/axis-cgi/jpg/image.cgi?password=topsecret"
        #expect(!URLRedaction.redact(url).contains("topsecret"))
    }
}
