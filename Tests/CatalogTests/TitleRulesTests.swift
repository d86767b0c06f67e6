import Catalog
import XCTest

final class TitleRulesTests: XCTestCase {
    func testJunkTitles() {
        let junk: [(String, Int)] = [
            ("", 1), ("x", 1), ("1234", 1), ("70a004", 1), ("fc23", 1), ("3f2a9c11", 1), ("R16 2004", 1),
            ("drawing.svg", 1), ("Untitled", 1), ("New document 1", 1), ("SVG theme", 1), ("Lemon SVG theme", 416), ("Various Cliparts", 1),
            ("Clipart by Nicu Buculei - pear", 1), ("gramastar", 1375), ("card", 226),
        ]
        for (title, files) in junk {
            XCTAssertNotNil(TitleRules.junkReason(TitleRules.cleanTitle(title), sharedBy: files), "'\(title)' should be junk")
        }
        XCTAssertNotNil(TitleRules.junkReason("Architetto Francesco Rollandin", creator: "Architetto Francesco Rollandin"))
        XCTAssertEqual(TitleRules.usefulKeywords(["Nicu Buculei", "pear"], creator: "Nicu Buculei"), ["pear"])
        let good = ["bat", "Apple Core", "Ice Cream Cone (1 Scoop)", "router_Cisco_2600", "Tasto 10", "Clouds", "ox"]
        for title in good {
            XCTAssertNil(TitleRules.junkReason(TitleRules.cleanTitle(title), sharedBy: 10), "'\(title)' should be kept")
        }
    }

    func testCleaningAndNormalising() {
        XCTAssertEqual(TitleRules.cleanTitle("  router_Cisco__2600 "), "router Cisco 2600")
        XCTAssertEqual(TitleRules.normalizedTitle("Tasto-10!"), "tasto 10")
        XCTAssertNotEqual(TitleRules.normalizedTitle("keycap: #"), TitleRules.normalizedTitle("keycap: *"))
        XCTAssertEqual(TitleRules.usefulKeywords(["hash", "", "Food", "food", "fruit"]), ["Food", "fruit"])
    }

    func testConceptGroupsJoinTheSameThingAcrossSources() {
        XCTAssertEqual(TitleRules.conceptGroup("banana"), "banana")
        XCTAssertEqual(TitleRules.conceptGroup("Bananas (B and W)"), "banana")
        XCTAssertEqual(TitleRules.conceptGroup("red apple 02"), TitleRules.conceptGroup("green apple"))
        XCTAssertEqual(TitleRules.conceptGroup("cherries"), "cherry")
        XCTAssertEqual(TitleRules.conceptGroup("flag: Germany"), "flag germany")
        XCTAssertEqual(TitleRules.conceptGroup("woman dancing"), TitleRules.conceptGroup("man dancing"))
        XCTAssertEqual(TitleRules.conceptGroup("Orange"), "orange", "a modifier alone is the concept")
        XCTAssertEqual(TitleRules.conceptGroup("glass"), "glass")
    }

    func testSplitIsByGroupDeterministicAndAboutTenPercent() {
        XCTAssertEqual(GroupSplit.stableHash(""), 0xcbf2_9ce4_8422_2325, "FNV-1a offset basis")
        XCTAssertEqual(GroupSplit.stableHash("a"), 0xaf63_dc4c_8601_ec8c, "FNV-1a 64 reference value")
        let groups = (0..<5000).map { "group \($0)" }
        let validation = groups.filter(GroupSplit.isValidation(group:))
        XCTAssertEqual(validation, groups.filter(GroupSplit.isValidation(group:)))
        XCTAssertEqual(Double(validation.count) / Double(groups.count), 0.1, accuracy: 0.02)
    }
}
