import Foundation
import Imaging
import XCTest

/// Crop to content on synthetic images: a red block on a white border, a cut-out with a transparent border
/// (decoded through PNG as search reads it), noise in the border, and ordinary photos left alone.
final class ContentCropTests: XCTestCase {
    /// A `width`×`height` canvas of `background` with a `blockWidth`×`blockHeight` block of `colour` at (x, y).
    private func canvas(_ width: Int, _ height: Int, background: (UInt8, UInt8, UInt8), block x: Int, _ y: Int,
                        _ blockWidth: Int, _ blockHeight: Int, colour: (UInt8, UInt8, UInt8)) -> RGBImage {
        var image = RGBImage(width: width, height: height, fill: background)
        for row in y..<(y + blockHeight) {
            for column in x..<(x + blockWidth) {
                let i = (row * width + column) * 3
                (image.pixels[i], image.pixels[i + 1], image.pixels[i + 2]) = colour
            }
        }
        return image
    }

    func testWhiteBorderIsTrimmedWithAMarginAndPaddedToSquare() throws {
        let image = canvas(200, 100, background: (255, 255, 255), block: 120, 30, 40, 20, colour: (200, 0, 0))
        let crop = ContentCrop(margin: 0.05)
        let box = try XCTUnwrap(crop.contentBox(of: image, background: (255, 255, 255)))
        XCTAssertTrue(box == (120, 30, 160, 50), "\(box)")
        let square = crop.apply(image)
        XCTAssertEqual([square.width, square.height], [44, 44], "the longer side 40 plus 5 % on each side")
        XCTAssertTrue(square[0, 0] == (255, 255, 255), "padding has the border's colour")
        XCTAssertTrue(square[22, 22] == (200, 0, 0), "the block sits in the middle")
        let redRows = (0..<44).filter { square[22, $0] == (200, 0, 0) }
        XCTAssertEqual(redRows.count, 20)
        XCTAssertEqual(redRows.first, 12, "centred vertically: (44 − 20) / 2")
    }

    func testTransparentBorderOfACutOut() throws {
        // RGBA: a blue disc-ish block, alpha 0 around it; decoding composites onto white.
        let width = 64, height = 48
        var rgba = [UInt8](repeating: 0, count: width * height * 4)
        for y in 10..<30 { for x in 20..<44 { rgba.replaceSubrange((y * width + x) * 4..<(y * width + x) * 4 + 4, with: [0, 0, 255, 255]) } }
        let decoded = rgba.withUnsafeBufferPointer { RGBImage(compositingOnWhite: $0, width: width, height: height) }
        let png = try PNGWriter.encode(decoded)
        let square = ContentCrop.standard.apply(try ImageDecoder.decode(data: png, name: "cutout.png"))
        XCTAssertEqual(square.width, square.height)
        XCTAssertEqual(square.width, Int((24 * 1.1).rounded()))
        XCTAssertTrue(square[square.width / 2, square.height / 2] == (0, 0, 255))
    }

    func testNoiseInTheBorderDoesNotStretchTheBox() throws {
        var image = canvas(400, 400, background: (250, 250, 250), block: 150, 150, 100, 100, colour: (10, 120, 10))
        image.pixels[(5 * 400 + 5) * 3] = 0            // one stray dark pixel in a corner
        for i in stride(from: 0, to: 400 * 3, by: 7) { image.pixels[i] = 240 }  // faint JPEG-like noise on the top row
        let box = try XCTUnwrap(ContentCrop.standard.contentBox(of: image, background: (250, 250, 250)))
        XCTAssertTrue(box == (150, 150, 250, 250), "\(box)")
    }

    func testAnImageWithoutAUniformBorderIsLeftAlone() {
        var photo = RGBImage(width: 50, height: 30, fill: (0, 0, 0))
        for i in 0..<photo.pixels.count { photo.pixels[i] = UInt8((i * 37) % 256) }
        XCTAssertNil(ContentCrop.standard.background(of: photo))
        XCTAssertEqual(ContentCrop.standard.apply(photo), photo)
        let blank = RGBImage(width: 20, height: 20, fill: (255, 255, 255))
        XCTAssertEqual(ContentCrop.standard.apply(blank), blank, "nothing to crop to")
        let tiny = RGBImage(width: 2, height: 2, fill: (255, 255, 255))
        XCTAssertEqual(ContentCrop.standard.apply(tiny), tiny)
    }
}
