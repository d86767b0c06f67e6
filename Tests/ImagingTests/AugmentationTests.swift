import Imaging
import XCTest

final class AugmentationTests: XCTestCase {
    /// A 5×3 image whose every pixel differs.
    private let image = RGBImage(width: 5, height: 3, pixels: (0..<45).map { UInt8($0 * 5) })

    func testMirrorSwapsColumnsAndTwiceIsIdentity() {
        let mirrored = image.mirrored()
        for y in 0..<3 {
            for x in 0..<5 { XCTAssertTrue(mirrored[x, y] == image[4 - x, y]) }
        }
        XCTAssertEqual(mirrored.mirrored(), image)
    }

    func testTheSameSeedGivesTheSameCopyAndCopiesStayInsideTheirSettings() {
        let augmentation = ImageAugmentation.trainingVariant
        XCTAssertEqual(augmentation.apply(image, seed: 7), augmentation.apply(image, seed: 7))
        let copies = (0..<20).map { augmentation.apply(image, seed: UInt64($0)) }
        XCTAssertGreaterThan(Set(copies.map(\.pixels)).count, 10, "different seeds give different copies")
        XCTAssertTrue(copies.allSatisfy { $0.width == 5 && $0.height == 3 })
        // A full-size crop with a certain flip and no jitter is exactly the mirror image.
        let flipOnly = ImageAugmentation(cropFraction: 1...1, jitter: 0, flipProbability: 1)
        XCTAssertEqual(flipOnly.apply(image, seed: 3), image.mirrored())
        let identity = ImageAugmentation(cropFraction: 1...1, jitter: 0, flipProbability: 0)
        XCTAssertEqual(identity.apply(image, seed: 3), image)
    }

    func testJitterChangesContrastWithinBounds() {
        let grey = RGBImage(width: 4, height: 4, pixels: [UInt8](repeating: 100, count: 48))
        let jittered = ImageAugmentation(cropFraction: 1...1, jitter: 0.2, flipProbability: 0).apply(grey, seed: 1)
        // contrast in 0.8…1.2 around 127.5, brightness within ±25.5: 100 ↦ [52.5, 128.5] at most.
        XCTAssertTrue(jittered.pixels.allSatisfy { (52...129).contains($0) }, "\(jittered.pixels.prefix(3))")
        XCTAssertEqual(Set(jittered.pixels).count, 1, "a flat image stays flat")
    }
}
