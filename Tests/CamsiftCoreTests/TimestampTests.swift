import Testing
@testable import CamsiftCore

@Suite struct TimestampTests {
    @Test func formatsRFC3339WithMilliseconds() {
        #expect(Timestamp.rfc3339(0) == "1970-01-01T00:00:00.000Z")
        #expect(Timestamp.rfc3339(1_795_000_000.1234) == "2026-11-18T11:06:40.123Z")
        #expect(Timestamp.day(1_795_000_000) == "2026-11-18")
    }

    @Test func cameraIDRules() {
        #expect(CameraID.problem("axis-lobby_2.v1") == nil)
        #expect(CameraID.problem("") != nil)
        #expect(CameraID.problem("..") != nil)
        #expect(CameraID.problem("a/b") != nil)
        #expect(CameraID.problem(".hidden") != nil)
        #expect(CameraID.problem("sp ace") != nil)
        #expect(CameraID.problem(String(repeating: "a", count: 129)) != nil)
    }
}
