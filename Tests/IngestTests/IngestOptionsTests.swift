import CamsiftCore
import Testing
@testable import Ingest

@Suite struct IngestOptionsTests {
    @Test func configMapsAndBadFieldsAreNamed() throws {
        var c = CamsiftConfig()
        c.fit = "letterbox"
        c.decodeThreads = 2
        c.archiveFrames = true
        c.archive = "/tmp/archive"
        let o = try IngestOptions(config: c)
        #expect(o.fit == .letterbox && o.decodeThreads == 2 && o.inputSize == 224)
        #expect(o.archiver?.root == "/tmp/archive")
        c.fit = "stretch"
        #expect { try IngestOptions(config: c) } throws: { "\($0)".contains("'fit'") && "\($0)".contains("'crop'") }
        c.fit = "crop"
        c.decodeThreads = 0
        #expect { try IngestOptions(config: c) } throws: { "\($0)".contains("decodeThreads") }
    }
}
