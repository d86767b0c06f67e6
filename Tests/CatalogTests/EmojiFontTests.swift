import Catalog
import Foundation
import Imaging
import XCTest

/// Reads the real Noto Color Emoji font and CLDR files installed by `make setup`.
final class EmojiFontTests: XCTestCase {
    private static let font = Result { try EmojiFont(contentsOf: EmojiFont.notoColorEmoji) }
    private static let annotations = Result { try CLDRAnnotations() }

    func testKnownEmojiHaveBitmapsOfTheStrikeSize() throws {
        let font = try Self.font.get()
        XCTAssertEqual(font.pixelsPerEm, 109)
        let samples = [
            "👗",                        // dress: cmap format 12
            "🍌",                        // banana
            "👨\u{200D}👩\u{200D}👧",     // family: man, woman, girl — a ZWJ ligature
            "🇩🇪",                       // flag: Germany — regional indicator pair
            "#\u{FE0F}\u{20E3}",         // keycap: # — a keycap sequence
            "🏳\u{FE0F}\u{200D}🌈",       // rainbow flag: ZWJ with VS16
        ]
        var glyphIDs = Set<Int>()
        for emoji in samples {
            let glyph = try XCTUnwrap(font.glyph(for: emoji), "no glyph for \(emoji)")
            glyphIDs.insert(glyph.glyphID)
            let image = try ImageDecoder.decode(data: glyph.png, name: emoji)
            XCTAssertEqual(image.width, 136, emoji)
            XCTAssertEqual(image.height, 128, emoji)
            XCTAssertTrue(image.pixels.contains { $0 < 200 }, "\(emoji) should not be blank")
        }
        XCTAssertEqual(glyphIDs.count, samples.count, "each sample is a different glyph")
    }

    func testSequencesMatchWithAndWithoutVariationSelector() throws {
        let font = try Self.font.get()
        let withSelector = try XCTUnwrap(font.glyph(for: "❤\u{FE0F}"))
        let without = try XCTUnwrap(font.glyph(for: "❤"))
        XCTAssertEqual(withSelector.glyphID, without.glyphID)
        XCTAssertNil(font.glyph(for: "A\u{200D}B"), "unknown sequences have no glyph")
    }

    func testFontCoversThousandsOfEmoji() throws {
        let font = try Self.font.get()
        XCTAssertGreaterThan(font.glyphs.count, 3000)
        XCTAssertTrue(font.glyphs.allSatisfy { $0.png.starts(with: [0x89, 0x50, 0x4E, 0x47]) }, "every bitmap is a PNG")
    }

    func testNotAFontIsATypedError() throws {
        let fixture = try CatalogFixture()
        let url = try fixture.file("fake.ttf", "definitely not a font")
        XCTAssertThrowsError(try EmojiFont(contentsOf: url)) { error in
            XCTAssertTrue(error is FontError, "\(error)")
        }
    }

    func testCLDRNamesAndKeywords() throws {
        let annotations = try Self.annotations.get()
        let dress = try XCTUnwrap(annotations.annotation(for: "👗"))
        XCTAssertEqual(dress.name, "dress")
        XCTAssertEqual(dress.keywords, ["clothing", "dress"])
        XCTAssertEqual(annotations.annotation(for: "🍌")?.name, "banana")
        // Derived annotations (flags, ZWJ sequences) come from annotationsDerived/en.xml.
        XCTAssertEqual(annotations.annotation(for: "🇩🇪")?.name, "flag: Germany")
        XCTAssertEqual(annotations.annotation(for: "#\u{FE0F}\u{20E3}")?.name, "keycap: #")
        XCTAssertEqual(annotations.annotation(for: "#\u{20E3}")?.name, "keycap: #", "matched without U+FE0F too")
    }
}
