import Foundation
import Imaging
import XCTest

final class DecodeTests: XCTestCase {
    // MARK: PNG and WebP fixtures (scripts/fixtures/imaging_fixtures.py)

    func testFixturesDecodeToExpectedPixels() throws {
        let expected = try JSONSerialization.jsonObject(
            with: Data(contentsOf: TestImages.fixtures.appendingPathComponent("expected.json"))) as! [String: [Any]]
        XCTAssertEqual(expected.count, 9)
        for (name, entry) in expected.sorted(by: { $0.key < $1.key }) {
            let image = try ImageDecoder.decode(contentsOf: TestImages.fixtures.appendingPathComponent(name))
            XCTAssertEqual(image.width, entry[0] as! Int, name)
            XCTAssertEqual(image.height, entry[1] as! Int, name)
            let tolerance = name.contains("lossy") ? 6 : 0
            for probe in entry[2] as! [[Int]] {
                let got = image[probe[0], probe[1]]
                let want = (UInt8(probe[2]), UInt8(probe[3]), UInt8(probe[4]))
                XCTAssertLessThanOrEqual(TestImages.distance(got, want), tolerance, "\(name) at (\(probe[0]), \(probe[1])): \(got) vs \(want)")
            }
        }
    }

    func testInterlacedAndSixteenBitMatchPlainPNG() throws {
        let plain = try ImageDecoder.decode(contentsOf: TestImages.fixtures.appendingPathComponent("rgb8.png"))
        for name in ["rgb8_interlaced.png", "rgb16.png"] {
            XCTAssertEqual(try ImageDecoder.decode(contentsOf: TestImages.fixtures.appendingPathComponent(name)), plain, name)
        }
    }

    // MARK: PNG writer

    func testPNGWriterRoundTripsRGBAOnWhite() throws {
        var rgba = [UInt8]()
        for i in 0..<(5 * 3) { rgba += [UInt8(i * 10), UInt8(200 - i * 10), 7, i % 2 == 0 ? 255 : 0] }
        let data = try PNGWriter.encode(rgba: rgba, width: 5, height: 3)
        let image = try ImageDecoder.decode(data: data, name: "roundtrip.png")
        XCTAssertEqual(image.width, 5); XCTAssertEqual(image.height, 3)
        for i in 0..<15 {
            let want: (UInt8, UInt8, UInt8) = i % 2 == 0 ? (UInt8(i * 10), UInt8(200 - i * 10), 7) : (255, 255, 255)
            XCTAssertEqual(TestImages.distance(image[i % 5, i / 5], want), 0, "pixel \(i)")
        }
        XCTAssertThrowsError(try PNGWriter.encode(rgba: [1, 2, 3], width: 5, height: 3))
    }

    // MARK: JPEG

    func testJPEGRoundTripAndDCTScaling() throws {
        let image = TestImages.cells([[(255, 0, 0), (0, 255, 0)], [(0, 0, 255), (250, 250, 250)]], cell: 256)
        let data = try JPEGWriter.encode(image, quality: 95)
        let full = try ImageDecoder.decode(data: data, name: "full.jpg")
        XCTAssertEqual(full.width, 512); XCTAssertEqual(full.height, 512)
        XCTAssertLessThan(TestImages.distance(full[100, 100], (255, 0, 0)), 8)
        // 512 px with a 224 hint: 1/2 scale keeps ≥ 224 (256), 3/8 would give 192.
        let scaled = try ImageDecoder.decode(data: data, name: "scaled.jpg", hintSize: 224)
        XCTAssertEqual(scaled.width, 256); XCTAssertEqual(scaled.height, 256)
        XCTAssertLessThan(TestImages.distance(scaled[200, 200], (250, 250, 250)), 8)
        // A hint larger than the image never upscales.
        XCTAssertEqual(try ImageDecoder.decode(data: data, name: "big.jpg", hintSize: 1000).width, 512)
    }

    func testAllEightEXIFOrientations() throws {
        // 3×2 cells of distinct colours; the expected display is built from rotations and a mirror.
        let colors: [[(UInt8, UInt8, UInt8)]] = [[(255, 0, 0), (0, 255, 0), (0, 0, 255)],
                                                  [(255, 255, 0), (0, 255, 255), (255, 0, 255)]]
        typealias Grid = [[(UInt8, UInt8, UInt8)]]
        func mirror(_ g: Grid) -> Grid { g.map { $0.reversed() } }
        func clockwise(_ g: Grid) -> Grid {  // new row r = old column r read bottom-up
            (0..<g[0].count).map { c in g.reversed().map { $0[c] } }
        }
        let expected: [Int: Grid] = [
            1: colors, 2: mirror(colors), 3: clockwise(clockwise(colors)), 4: clockwise(clockwise(mirror(colors))),
            5: clockwise(clockwise(clockwise(mirror(colors)))), 6: clockwise(colors),
            7: clockwise(mirror(colors)), 8: clockwise(clockwise(clockwise(colors))),
        ]
        for orientation in 1...8 {
            for bigEndian in [true, false] {
                let data = try TestImages.jpeg(TestImages.cells(colors), orientation: UInt16(orientation), bigEndian: bigEndian)
                let image = try ImageDecoder.decode(data: data, name: "exif\(orientation).jpg")
                let grid = expected[orientation]!
                XCTAssertEqual(image.width, grid[0].count * 16, "orientation \(orientation)")
                XCTAssertEqual(image.height, grid.count * 16, "orientation \(orientation)")
                for (r, row) in grid.enumerated() {
                    for (c, color) in row.enumerated() {
                        XCTAssertLessThan(TestImages.distance(image[c * 16 + 8, r * 16 + 8], color), 20,
                                          "orientation \(orientation), cell (\(c), \(r))")
                    }
                }
            }
        }
    }
}
