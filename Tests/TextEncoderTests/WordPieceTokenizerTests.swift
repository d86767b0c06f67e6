import Foundation
import TextEncoder
import XCTest

/// Token-for-token parity with HF `tokenizers` (fixtures: scripts/reference/minilm_fixtures.py).
final class WordPieceTokenizerTests: XCTestCase {
    private struct ParityFixture: Decodable {
        struct Case: Decodable { var text: String; var ids: [Int32] }
        var maxLength: Int
        var cases: [Case]
    }

    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    func testMatchesReferenceTokenizerOnCaptionsAndUnicodeEdgeCases() throws {
        let data = try Data(contentsOf: Self.fixtures.appendingPathComponent("wordpiece_parity.json"))
        let fixture = try JSONDecoder().decode(ParityFixture.self, from: data)
        let tokenizer = try WordPieceTokenizer.miniLM()
        XCTAssertEqual(tokenizer.maxLength, fixture.maxLength)
        XCTAssertGreaterThan(fixture.cases.count, 4000)
        var mismatches = 0
        for testCase in fixture.cases {
            let ids = tokenizer.encode(testCase.text)
            if ids != testCase.ids {
                mismatches += 1
                if mismatches <= 10 {
                    XCTFail("\(testCase.text.debugDescription): got \(ids.map { tokenizer.tokens[Int($0)] }), "
                            + "reference \(testCase.ids.map { tokenizer.tokens[Int($0)] })")
                }
            }
        }
        XCTAssertEqual(mismatches, 0, "\(mismatches) of \(fixture.cases.count) texts differ from the reference")
    }

    func testKnownSentence() throws {
        let tokenizer = try WordPieceTokenizer.miniLM()
        XCTAssertEqual(tokenizer.encode("Hello, World!"), [101, 7592, 1010, 2088, 999, 102])
        XCTAssertEqual(tokenizer.tokenize("Café crème brûlée"), ["cafe", "cr", "##eme", "br", "##ule", "##e"])
        XCTAssertEqual(tokenizer.encode(""), [101, 102])
    }

    func testLongWordsBecomeUnknownAndSequencesAreTruncated() throws {
        let tokenizer = try WordPieceTokenizer.miniLM()
        XCTAssertEqual(tokenizer.tokenize(String(repeating: "a", count: 101)), ["[UNK]"])
        XCTAssertNotEqual(tokenizer.tokenize(String(repeating: "a", count: 100)), ["[UNK]"])
        let ids = tokenizer.encode(String(repeating: "word ", count: 400))
        XCTAssertEqual(ids.count, 256)
        XCTAssertEqual(ids.first, tokenizer.classID)
        XCTAssertEqual(ids.last, tokenizer.separatorID)
    }

    func testSpecialTokenLiteralsAreKeptWhole() throws {
        let tokenizer = try WordPieceTokenizer.miniLM()
        XCTAssertEqual(tokenizer.tokenize("a [SEP] b [mask]"), ["a", "[SEP]", "b", "[", "mask", "]"])
    }

    func testBatchPadsToTheLongestWithAMask() throws {
        let tokenizer = try WordPieceTokenizer.miniLM()
        let batch = tokenizer.encodeBatch(["a cat", "a cup of coffee", ""])
        XCTAssertEqual(batch.lengths, [4, 6, 2])
        XCTAssertEqual(batch.paddedLength, 6)
        XCTAssertEqual(batch.ids.count, 18)
        XCTAssertEqual(Array(batch.sequence(0)), tokenizer.encode("a cat"))
        XCTAssertEqual(Array(batch.ids[4..<6]), [tokenizer.paddingID, tokenizer.paddingID])
        XCTAssertEqual(Array(batch.attentionMask[12..<18]), [1, 1, 0, 0, 0, 0])
    }

    func testVocabularyWithoutSpecialTokensIsATypedError() {
        XCTAssertThrowsError(try WordPieceTokenizer(tokens: ["a", "b"])) { error in
            XCTAssertTrue("\(error)".contains("[CLS]"), "\(error)")
        }
    }
}
