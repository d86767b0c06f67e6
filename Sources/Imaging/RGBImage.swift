// MARK: - RGBImage

/// An 8-bit RGB image, pixels interleaved row by row (R, G, B, R, G, B, …), no padding.
public struct RGBImage: Sendable, Equatable {
    public var width: Int
    public var height: Int
    /// `width * height * 3` bytes.
    public var pixels: [UInt8]

    public init(width: Int, height: Int, pixels: [UInt8]) {
        precondition(width >= 0 && height >= 0 && pixels.count == width * height * 3,
                     "RGBImage: \(width)×\(height) needs \(width * height * 3) bytes, got \(pixels.count)")
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    /// A uniformly filled image.
    public init(width: Int, height: Int, fill: (r: UInt8, g: UInt8, b: UInt8) = (255, 255, 255)) {
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        for i in stride(from: 0, to: pixels.count, by: 3) {
            pixels[i] = fill.r; pixels[i + 1] = fill.g; pixels[i + 2] = fill.b
        }
        self.init(width: width, height: height, pixels: pixels)
    }

    /// The (r, g, b) triple at column `x`, row `y`.
    public subscript(x: Int, y: Int) -> (r: UInt8, g: UInt8, b: UInt8) {
        let i = (y * width + x) * 3
        return (pixels[i], pixels[i + 1], pixels[i + 2])
    }

    /// RGBA bytes with opaque alpha, e.g. for `PNGWriter`.
    public var rgba: [UInt8] {
        var out = [UInt8](repeating: 255, count: width * height * 4)
        for p in 0..<(width * height) {
            out[p * 4] = pixels[p * 3]
            out[p * 4 + 1] = pixels[p * 3 + 1]
            out[p * 4 + 2] = pixels[p * 3 + 2]
        }
        return out
    }

    /// Composites straight-alpha RGBA bytes onto a white background.
    public init(compositingOnWhite rgba: UnsafeBufferPointer<UInt8>, width: Int, height: Int) {
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        for p in 0..<(width * height) {
            let a = UInt32(rgba[p * 4 + 3])
            for c in 0..<3 {
                // value·a + 255·(255−a), divided by 255 with rounding
                let v = UInt32(rgba[p * 4 + c]) * a + 255 * (255 - a)
                pixels[p * 3 + c] = UInt8((v + 127) / 255)
            }
        }
        self.init(width: width, height: height, pixels: pixels)
    }
}
