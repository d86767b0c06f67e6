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

    /// Unicode scalars inside "x…y" are dropped, made whitespace, split off or joined exactly as the reference
    /// does (Unicode 8.0 categories, HF's CJK ranges, …): both sides of every run boundary in the reference's
    /// table for all 1.1M scalars, plus every 5th scalar of the planes where characters are assigned (0–3, 14).
    func testTreatsEveryUnicodeScalarAsTheReferenceDoes() throws {
        let text = try String(contentsOf: Self.fixtures.appendingPathComponent("wordpiece_scalars.txt"), encoding: .ascii)
        let runs = try text.split(whereSeparator: \.isWhitespace).map { run -> (start: UInt32, kind: Character) in
            (try XCTUnwrap(UInt32(run.dropLast(), radix: 16)), try XCTUnwrap(run.last))
        }
        XCTAssertGreaterThan(runs.count, 500)
        let tokenizer = try WordPieceTokenizer.miniLM()
        let x = try XCTUnwrap(tokenizer.vocabulary["x"]), y = try XCTUnwrap(tokenizer.vocabulary["y"])
        let continuedY = try XCTUnwrap(tokenizer.vocabulary["##y"])
        var run = 0, mismatches: [String] = []
        let boundaries = runs.flatMap { [Int($0.start) - 1, Int($0.start)] }
        let strided = Array(stride(from: 0, to: 0x40000, by: 5)) + Array(stride(from: 0xE0000, to: 0xF0000, by: 5))
        for value in Set(boundaries + strided).sorted() {
            guard let scalar = Unicode.Scalar(UInt32(max(value, 0))) else { continue }
            while run + 1 < runs.count, runs[run + 1].start <= scalar.value { run += 1 }
            var probe = "x"
            probe.unicodeScalars.append(scalar)
            probe.unicodeScalars.append("y")
            let ids = Array(tokenizer.encode(probe).dropFirst().dropLast())
            let kind: Character = ids == [x, continuedY] ? "D" : ids == [x, y] ? "W"
                : ids.count == 3 && ids[0] == x && ids[2] == y ? "S" : "J"
            if kind != runs[run].kind { mismatches.append("U+\(String(value, radix: 16)) \(kind) vs \(runs[run].kind)") }
        }
        XCTAssertEqual(mismatches, [], "\(mismatches.count) scalars differ")
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
