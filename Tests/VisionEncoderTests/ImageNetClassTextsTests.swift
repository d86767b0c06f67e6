import Foundation
import VisionEncoder
import XCTest

/// The richer label bridge's phrasings: how one class's texts are assembled, WordNet lines parsed, and the
/// 1000 classes loaded from the shipped resources (+ WordNet when Debian's wordnet-base is installed).
final class ImageNetClassTextsTests: XCTestCase {
    func testPhrasingsOfOneClass() {
        let tench = ImageNetClassText(name: "tench", synonyms: ["tench", "Tinca tinca"], parent: "cyprinid",
                                      definition: "freshwater dace-like game fish of Europe and western Asia")
        XCTAssertEqual(tench.phrasings, [
            "tench", "a photo of a tench", "a tench, a kind of cyprinid",
            "tench: freshwater dace-like game fish of Europe and western Asia",
        ], "the repeated name and the Latin binomial are left out")
        let eel = ImageNetClassText(name: "eel", synonyms: ["eel"], parent: "Eel")
        XCTAssertEqual(eel.phrasings, ["eel", "a photo of an eel"], "no parent equal to the name, no empty definition")
        let shark = ImageNetClassText(name: "great white shark", synonyms: ["great white shark", "white shark", "man-eater", "Carcharodon carcharias"])
        XCTAssertEqual(shark.phrasings, ["great white shark", "a photo of a great white shark", "white shark", "man-eater"])
        let apple = ImageNetClassText(name: "Granny Smith apple", synonyms: ["Granny Smith"])
        XCTAssertEqual(apple.phrasings.last, "Granny Smith", "a capitalised name that is no binomial stays")
    }

    func testParsesAWordNetNounLine() throws {
        let line = #"02084071 05 n 03 dog 0 domestic_dog 0 Canis_familiaris 0 003 @ 02083346 n 0000 @i 01317541 n 0000 ~ 01322604 n 0000 | a member of the genus Canis; "the dog barked all night"  "#
        let synset = try XCTUnwrap(WordNetNouns.parse(line))
        XCTAssertEqual(synset.offset, 2084071)
        XCTAssertEqual(synset.words, ["dog", "domestic dog", "Canis familiaris"])
        XCTAssertEqual(synset.hypernyms, [2083346, 1317541])
        XCTAssertEqual(synset.gloss, #"a member of the genus Canis; "the dog barked all night""#)
        XCTAssertNil(WordNetNouns.parse("not a synset"))
        XCTAssertNil(WordNetNouns.parse("02084071 05 n 0f dog 0 | truncated word list"))
    }

    func testLoadsTheThousandClasses() throws {
        let texts = ImageNetClassTexts.load(wordNet: URL(fileURLWithPath: "/nonexistent"), descriptions: nil)
        XCTAssertEqual(texts.count, 1000)
        XCTAssertEqual(texts[954].name, "banana")
        XCTAssertTrue(texts[2].phrasings.contains("white shark"), "synonyms ship as a resource")
        XCTAssertTrue(texts.allSatisfy { $0.phrasings.first == $0.name && $0.phrasings.count >= 2 })

        guard FileManager.default.fileExists(atPath: WordNetNouns.debianFile.path) else {
            throw XCTSkip("Debian's wordnet-base is not installed (make setup installs it)")
        }
        let withWordNet = ImageNetClassTexts.load(descriptions: nil)
        XCTAssertEqual(withWordNet[0].parent, "cyprinid")
        XCTAssertEqual(withWordNet[0].definition, "freshwater dace-like game fish of Europe and western Asia noted for ability to survive outside water")
        XCTAssertGreaterThan(withWordNet.filter { $0.parent != nil }.count, 990)
    }
}
