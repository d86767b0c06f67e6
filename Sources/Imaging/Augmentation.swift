import Tensor

/// A deterministic random change of an image: a crop rescaled back to the original size, a
/// contrast and brightness jitter, a horizontal flip. The same seed gives the same copy.
///
/// Two uses with different settings: `trainingVariant` makes the extra training views
/// (what a photo of the same thing might look like), `evaluationQuery` the altered copies that
/// `imgsearch eval` finds the originals from.
public struct ImageAugmentation: Sendable, Equatable {
    /// Each side of the crop is this fraction of the original's, drawn uniformly.
    public var cropFraction: ClosedRange<Double>
    /// Contrast scale in 1 ± jitter, brightness shift in ±jitter·127.5 (0: unchanged).
    public var jitter: Double
    /// Chance of mirroring left–right.
    public var flipProbability: Double

    public init(cropFraction: ClosedRange<Double>, jitter: Double, flipProbability: Double) {
        self.cropFraction = cropFraction
        self.jitter = jitter
        self.flipProbability = flipProbability
    }

    /// Training views: most of the image kept, mirrored half the time, colours untouched.
    public static let trainingVariant = ImageAugmentation(cropFraction: 0.75...1.0, jitter: 0, flipProbability: 0.5)
    /// Evaluation queries: a tighter crop and a ±20% colour jitter, never mirrored.
    public static let evaluationQuery = ImageAugmentation(cropFraction: 0.7...0.9, jitter: 0.2, flipProbability: 0)

    /// A short stable name for cache keys.
    public var name: String {
        "crop\(cropFraction.lowerBound)-\(cropFraction.upperBound)-jitter\(jitter)-flip\(flipProbability)"
    }

    public func apply(_ image: RGBImage, seed: UInt64) -> RGBImage {
        var random = SeededGenerator(seed: seed)
        func unit() -> Double { Double.random(in: 0..<1, using: &random) }
        let span = cropFraction.upperBound - cropFraction.lowerBound
        let width = Double(image.width) * (cropFraction.lowerBound + span * unit())
        let height = Double(image.height) * (cropFraction.lowerBound + span * unit())
        let x0 = (Double(image.width) - width) * unit(), y0 = (Double(image.height) - height) * unit()
        var copy = image.resampled(from: SourceBox(x0: x0, y0: y0, x1: x0 + width, y1: y0 + height),
                                   width: image.width, height: image.height)
        if jitter > 0 {
            let contrast = Float(1 - jitter + 2 * jitter * unit()), brightness = Float(255 * jitter * (unit() - 0.5))
            for i in copy.pixels.indices {
                let value = (Float(copy.pixels[i]) - 127.5) * contrast + 127.5 + brightness
                copy.pixels[i] = UInt8(max(0, min(255, value.rounded())))
            }
        }
        if flipProbability > 0 && unit() < flipProbability { copy = copy.mirrored() }
        return copy
    }
}

extension RGBImage {
    /// Left–right mirror image.
    public func mirrored() -> RGBImage {
        var out = self
        for y in 0..<height {
            for x in 0..<width {
                let from = (y * width + (width - 1 - x)) * 3, to = (y * width + x) * 3
                out.pixels[to] = pixels[from]; out.pixels[to + 1] = pixels[from + 1]; out.pixels[to + 2] = pixels[from + 2]
            }
        }
        return out
    }
}
