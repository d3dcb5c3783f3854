import Foundation
import Testing
@testable import Learning

/// sktime's `.ts` format: an inline two-channel example, errors, and the real JapaneseVowels files when
/// `make temporal-data` has fetched them.
@Suite struct TSFileTests {
    static let example = """
    # a comment
    @problemName Toy
    @timeStamps false
    @univariate false
    @dimensions 2
    @equalLength false
    @classLabel true up down
    @data
    1,2,3:10,20,30:up
    4.5,-1e-1:7,8:down

    0.25,0.5,0.75,1:1,2,3,4:up
    """

    @Test func parsesChannelsIntoTimeMajorRows() throws {
        let s = try TSFile.parse(Self.example)
        #expect(s.featureCount == 2 && s.count == 3)
        #expect(s.classNames == ["up", "down"] && s.labels == [0, 1, 0])
        #expect(s.sequences[0] == [1, 10, 2, 20, 3, 30])
        #expect(s.sequences[1] == [4.5, 7, -0.1, 8])
        #expect((0..<3).map(s.length) == [3, 2, 4])
        #expect(s.classCounts == [2, 1])
    }

    @Test func rejectsMalformedInstances() {
        let header = "@dimensions 2\n@classLabel true a b\n@data\n"
        for bad in ["1,2:3:a",            // channels of different lengths
                    "1,2:3,4:c",          // unknown class
                    "1,2:a",              // one dimension, header says 2
                    "1,?:3,4:a",          // missing value
                    "1,x:3,4:a"] {        // not a number
            #expect(throws: LearningError.self) { try TSFile.parse(header + bad) }
        }
        #expect(throws: LearningError.self) { try TSFile.parse("@classLabel false\n@data\n1,2:3") }
        #expect(throws: LearningError.self) { try TSFile.parse("@timeStamps true\n@classLabel true a\n@data\n(0,1):a") }
        #expect(throws: LearningError.self) { try TSFile.parse("@classLabel true a\n") }
    }

    /// JapaneseVowels from the sktime 1.2.0 wheel (`make temporal-data`): 270 train / 370 test utterances,
    /// 9 speakers, 12 LPC channels, 7–29 steps; train has 30 per speaker.
    @Test func japaneseVowelsCounts() throws {
        let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("weights/JapaneseVowels").path
        let train = dir + "/JapaneseVowels_TRAIN.ts", test = dir + "/JapaneseVowels_TEST.ts"
        guard FileManager.default.fileExists(atPath: train) else {
            Issue.record("\(train) missing: run `make temporal-data`")
            return
        }
        let tr = try TSFile.load(train), te = try TSFile.load(test)
        #expect(tr.count == 270 && te.count == 370)
        #expect(tr.classCount == 9 && te.classNames == tr.classNames)
        #expect(tr.featureCount == 12 && te.featureCount == 12)
        #expect(tr.classCounts == [Int](repeating: 30, count: 9))
        #expect(tr.lengthRange.min >= 7 && te.lengthRange.max <= 29)
    }
}
