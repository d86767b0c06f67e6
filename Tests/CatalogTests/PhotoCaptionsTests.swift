import Catalog
import Foundation
import XCTest

/// The caption rules per GCompris activity, on board files written here in the activities' own syntax, and on
/// the installed bundles when Debian's gcompris-qt-data is there.
final class PhotoCaptionsTests: XCTestCase {
    private struct Files: ActivityFiles {
        var texts: [String: String]
        var paths: [String] { texts.keys.sorted() }
        func text(of path: String) throws -> String { texts[path] ?? "" }
    }

    private func rule(_ activity: String) throws -> PhotoCaptions.Rule {
        try XCTUnwrap(PhotoCaptions.rules.first { $0.activity == activity }?.rule)
    }

    func testExploreBoardsGiveTitleAndSentence() throws {
        let board = #"""
        property var tab : [
            { "image": "qrc:/gcompris/src/activities/explore_farm_animals/resource/animals/horse.svg",
              "title": qsTr("Horse"),
              "text": qsTr("The horse goes 'neigh'. They have \"single-toed\" hooves."),
              "image2": "qrc:/gcompris/src/activities/explore_farm_animals/resource/animals/horse.webp",
              "text2": qsTr("This animal has single-toed hooves.") },
            { "title": qsTr("Cartoon"), "text": qsTr("Drawn."), "image2": "qrc:/x/cartoon.svg" }
        ]
        """#
        let files = Files(texts: ["gcompris/src/activities/explore_farm_animals/resource/board/board1.qml": board])
        XCTAssertEqual(try rule("explore_farm_animals")(files), [
            GComprisPhoto(activity: "explore_farm_animals", path: "gcompris/src/activities/explore_farm_animals/resource/animals/horse.webp",
                          title: "Horse", description: #"The horse goes 'neigh'. They have "single-toed" hooves."#, category: "farm animal"),
        ], "the SVG drawing is left out; text2 (a quiz question) is not the description")
    }

    func testCategorizationNamesPhotosByFileAndCategoryByBoard() throws {
        let root = "gcompris/src/activities/categorization/resource/"
        let tools = #"""
        "name": qsTr("Tools"),
        "content": [ { "good": ["tools/measuringTape6.webp", "tools/hammer1.webp"], "bad": ["others/pillow.webp"] } ]
        """#
        let alphabets = #""name": qsTr("Alphabets"), "content": [ { "good": ["alphabets/a.svg"] } ]"#
        let files = Files(texts: [root + "board/category_tools.qml": tools, root + "board/category_alphabets.qml": alphabets,
                                  root + "images/tools/measuringTape6.webp": "", root + "images/tools/hammer1.webp": "",
                                  root + "images/others/pillow.webp": "", root + "images/alphabets/a.svg": "",
                                  root + "images/numbers/one.webp": "", root + "images/tools/README": ""])
        let photos = try rule("categorization")(files)
        XCTAssertEqual(photos.map(\.title), ["pillow", "hammer", "measuring tape"], "in path order")
        XCTAssertEqual(photos.map(\.category), ["", "tools", "tools"], "a photo no board lists as good has no category")
    }

    func testLangSkipsColoursAndNumbers() throws {
        let list = #"""
        [ { "type": "chapter", "name": "other", "imgPrefix": "qrc:/gcompris/src/activities/lang/resource/words_sample/",
            "content": [ { "name": "color", "content": [ { "description": "blue", "image": "blue.webp" } ] },
                         { "name": "number", "content": [ { "description": "one", "image": "one.webp" } ] } ] },
          { "type": "chapter", "name": "nature", "imgPrefix": "qrc:/gcompris/src/activities/lang/resource/words_sample/",
            "content": [ { "name": "fruit", "content": [ { "description": "apricot", "image": "apricot.webp" } ] } ] } ]
        """#
        let files = Files(texts: ["gcompris/src/activities/lang/resource/words_sample.json": list])
        XCTAssertEqual(try rule("lang")(files), [
            GComprisPhoto(activity: "lang", path: "gcompris/src/activities/lang/resource/words_sample/apricot.webp",
                          title: "apricot", description: "", category: "fruit"),
        ])
    }

    func testDetailsTakesTheWholePictureAndTheInstruction() throws {
        let board = #"""
        property string instruction: qsTr("Vincent van Gogh, The Night Café - 1888")
        property var levels: [
          { "pixmapfile" : "image/night_cafe_background.webp", "type" : "SHAPE_BACKGROUND_IMAGE" },
          { "pixmapfile" : "image/night_cafe_0.webp", "x" : "0.5" } ]
        """#
        let files = Files(texts: ["gcompris/src/activities/details/resource/board/board3_0.qml": board])
        XCTAssertEqual(try rule("details")(files).map(\.path), ["gcompris/src/activities/details/resource/image/night_cafe_background.webp"])
        XCTAssertEqual(try rule("details")(files).map(\.title), ["Vincent van Gogh, The Night Café - 1888"])
    }

    func testNamesFromFiles() {
        XCTAssertEqual(PhotoCaptions.nameFromFile("tools/measuringTape6.webp"), "measuring tape")
        XCTAssertEqual(PhotoCaptions.nameFromFile("northern_harrier.webp"), "northern harrier")
        XCTAssertEqual(PhotoCaptions.nameFromFile("monuments/arcDeTriomphe.webp"), "arc de triomphe")
        XCTAssertEqual(PhotoCaptions.nameFromFile("fish10.webp"), "fish")
    }

    func testInstalledBundlesGivePhotosOfThings() throws {
        let directory = URL(fileURLWithPath: "/usr/share/gcompris-qt/rcc")
        guard FileManager.default.fileExists(atPath: directory.appendingPathComponent("categorization.rcc").path) else {
            throw XCTSkip("Debian's gcompris-qt-data is not installed (make setup installs it)")
        }
        for (activity, rule) in PhotoCaptions.rules {
            let bundle = try QtResourceBundle(contentsOf: directory.appendingPathComponent("\(activity).rcc"))
            let photos = try rule(bundle)
            XCTAssertGreaterThan(photos.count, 5, activity)
            let known = Set(bundle.paths)
            XCTAssertTrue(photos.allSatisfy { known.contains($0.path) && !$0.title.isEmpty }, activity)
            XCTAssertFalse(photos.contains { ["one", "blue", "a"].contains($0.title.lowercased()) }, activity)
        }
    }
}
