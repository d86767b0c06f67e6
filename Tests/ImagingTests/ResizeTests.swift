import Imaging
import Tensor
import XCTest

final class ResizeTests: XCTestCase {
    // MARK: Antialiasing

    func testShrinkingFineCheckerboardTenfoldGivesUniformGrey() {
        var board = RGBImage(width: 400, height: 300)
        for y in 0..<300 { for x in 0..<400 where (x + y) % 2 == 0 {
            let i = (y * 400 + x) * 3
            board.pixels[i] = 0; board.pixels[i + 1] = 0; board.pixels[i + 2] = 0
        } }
        let small = board.resized(width: 40, height: 30)
        XCTAssertEqual(small.width, 40); XCTAssertEqual(small.height, 30)
        let values = small.pixels.map(Int.init)
        XCTAssertLessThanOrEqual(values.max()! - values.min()!, 2, "aliasing: \(values.min()!)…\(values.max()!)")
        XCTAssertEqual(Double(values.reduce(0, +)) / Double(values.count), 127.5, accuracy: 1.5)
    }

    func testConstantImageStaysConstantAtAnyScale() {
        let image = RGBImage(width: 37, height: 23, fill: (12, 150, 240))
        for (w, h) in [(5, 3), (37, 23), (100, 71), (224, 224), (1, 1)] {
            let out = image.resized(width: w, height: h)
            XCTAssertTrue(stride(from: 0, to: out.pixels.count, by: 3).allSatisfy {
                out.pixels[$0] == 12 && out.pixels[$0 + 1] == 150 && out.pixels[$0 + 2] == 240
            }, "\(w)×\(h)")
        }
    }

    func testIdentityResizeAndHalvingMatchPillowBilinear() {
        var image = RGBImage(width: 4, height: 1)
        image.pixels = [0, 0, 0, 100, 100, 100, 200, 200, 200, 40, 40, 40]
        XCTAssertEqual(image.resized(width: 4, height: 1), image)
        // Triangle of half-width 2 around 1.0 and 3.0: weights 3/7, 3/7, 1/7 (Pillow BILINEAR: 71, 117).
        XCTAssertEqual(image.resized(width: 2, height: 1).pixels, [71, 71, 71, 117, 117, 117])
    }

    // MARK: Fit geometry

    /// 300×100: left third red, middle green, right third blue.
    private var stripes: RGBImage { TestImages.cells([[(255, 0, 0), (0, 255, 0), (0, 0, 255)]], cell: 100) }

    func testCenterCropKeepsTheMiddle() {
        let p = Preprocessing(size: 50, fit: .centerCrop, mean: [0, 0, 0], std: [1, 1, 1])
        let out = p.fitted(stripes)
        XCTAssertEqual(out.width, 50); XCTAssertEqual(out.height, 50)
        // The filter reaches half a source pixel past the box (as Pillow's does): only the edge columns may blend.
        for y in 0..<50 { for x in 1..<49 { XCTAssertTrue(out[x, y] == (0, 255, 0), "(\(x), \(y)): \(out[x, y])") } }
        XCTAssertGreaterThan(out[0, 25].g, 200)
    }

    func testPadLetterboxesWithPadValue() {
        let p = Preprocessing(size: 60, fit: .pad, mean: [0, 0, 0], std: [1, 1, 1], padValue: 255)
        let out = p.fitted(stripes)   // content 60×20 at rows 20..<40
        XCTAssertEqual(out.width, 60); XCTAssertEqual(out.height, 60)
        XCTAssertTrue(out[30, 10] == (255, 255, 255) && out[30, 50] == (255, 255, 255))
        XCTAssertEqual(TestImages.distance(out[5, 30], (255, 0, 0)), 0)
        XCTAssertEqual(TestImages.distance(out[30, 30], (0, 255, 0)), 0)
        XCTAssertEqual(TestImages.distance(out[55, 30], (0, 0, 255)), 0)
        XCTAssertEqual(TestImages.distance(out[30, 20], (0, 255, 0)), 0)
        XCTAssertEqual(TestImages.distance(out[30, 19], (255, 255, 255)), 0)
    }

    func testStretchUsesWholeImage() {
        let out = Preprocessing(size: 30, fit: .stretch, mean: [0, 0, 0], std: [1, 1, 1]).fitted(stripes)
        XCTAssertEqual(TestImages.distance(out[2, 15], (255, 0, 0)), 0)
        XCTAssertEqual(TestImages.distance(out[27, 15], (0, 0, 255)), 0)
    }

    // MARK: Batches

    func testBatchNormalisesPerChannel() {
        let images = [RGBImage(width: 10, height: 10, fill: (255, 127, 0)), RGBImage(width: 7, height: 13, fill: (127, 127, 127))]
        let batch = ImageBatch.make(images, .efficientNetLite)
        XCTAssertEqual(batch.shape, [2, 224, 224, 3])
        XCTAssertEqual(Array(batch.data[0..<3]), [1, 0, -127.0 / 128])
        XCTAssertTrue(batch.data[(224 * 224 * 3)...].allSatisfy { $0 == 0 })
        let resnet = ImageBatch.make([images[0]], .torchvisionImageNet)
        XCTAssertEqual(resnet.data[0], (1 - 0.485) / 0.229, accuracy: 1e-4)
        XCTAssertEqual(resnet.data[2], (0 - 0.406) / 0.225, accuracy: 1e-4)
        XCTAssertEqual(Preprocessing.torchvisionImageNet.decodeHint, 256)
    }

    func testPreprocessingIsCodable() throws {
        let data = try JSONEncoder().encode(Preprocessing.torchvisionImageNet)
        XCTAssertEqual(try JSONDecoder().decode(Preprocessing.self, from: data), .torchvisionImageNet)
    }
}
