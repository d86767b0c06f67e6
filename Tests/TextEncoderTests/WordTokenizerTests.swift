import XCTest
import TextEncoder

final class WordTokenizerTests: XCTestCase {
    func testSplitsOnNonLettersAndKeepsNumbers() {
        XCTAssertEqual(WordTokenizer.words("Red Leather-Handbag, 2 pcs (500ml)!"),
                       ["red", "leather", "handbag", "2", "pcs", "500ml"])
        XCTAssertEqual(WordTokenizer.words("  \n\t "), [])
    }

    func testNFKCFoldsCompatibilityForms() {
        XCTAssertEqual(WordTokenizer.words("ＲＥＤ ﬁsh Ⅻ"), ["red", "fish", "xii"])
        // Decomposed é (e + U+0301) and precomposed é give the same word.
        XCTAssertEqual(WordTokenizer.words("cafe\u{301}"), WordTokenizer.words("café"))
    }

    func testNonLatinScriptsAreWords() {
        XCTAssertEqual(WordTokenizer.words("Красное платье"), ["красное", "платье"])
        XCTAssertEqual(WordTokenizer.words("猫と犬"), ["猫と犬"])
        XCTAssertEqual(WordTokenizer.words("👗 dress"), ["dress"])
    }

    func testVocabularyOrdersByCountThenAlphabetAndMapsUnknowns() {
        let vocabulary = WordVocabulary.build(captions: ["red dress", "red shoe", "blue shoe", "rare"], minCount: 2)
        XCTAssertEqual(vocabulary.words, ["<pad>", "<unk>", "red", "shoe"])
        XCTAssertEqual(vocabulary.encode("Red shoes, red!"), [2, WordVocabulary.unknownID, 2])
        XCTAssertEqual(vocabulary.encode(""), [WordVocabulary.unknownID])
        XCTAssertEqual(vocabulary.encode("red red red red", maxLength: 2), [2, 2])
        XCTAssertEqual(WordVocabulary.build(captions: ["a b c d e"], maxSize: 4).count, 4)
    }

    func testVocabularyFileRoundTripAndRejectsForeignFiles() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("vocab-\(UUID().uuidString).txt")
        defer { try? FileManager.default.removeItem(at: url) }
        let vocabulary = WordVocabulary.build(captions: ["ünïcode wörds 42"])
        try vocabulary.write(to: url)
        XCTAssertEqual(try WordVocabulary.read(from: url), vocabulary)
        try "hello\nworld\n".write(to: url, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try WordVocabulary.read(from: url)) { XCTAssertTrue("\($0)".contains(url.path)) }
    }
}
