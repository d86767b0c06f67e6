import Foundation
import Imaging

// MARK: - Canvas

/// A small antialiased RGB rasteriser for plots: lines, discs, rectangles, images and text.
/// Pixels are floats in 0…1; every shape is blended with its coverage × alpha.
public struct Canvas {
    public let width: Int
    public let height: Int
    private var pixels: [Float]

    public init(width: Int, height: Int, background: Color = .white) {
        precondition(width > 0 && height > 0, "Canvas: positive size")
        self.width = width
        self.height = height
        pixels = [Float](repeating: 0, count: width * height * 3)
        for p in 0..<(width * height) {
            pixels[p * 3] = background.red; pixels[p * 3 + 1] = background.green; pixels[p * 3 + 2] = background.blue
        }
    }

    /// Blends `color` at integer pixel (x, y) with opacity `alpha`; outside pixels are ignored.
    public mutating func blend(x: Int, y: Int, _ color: Color, alpha: Float) {
        guard x >= 0, y >= 0, x < width, y < height, alpha > 0 else { return }
        let a = min(alpha, 1), i = (y * width + x) * 3
        pixels[i] += (color.red - pixels[i]) * a
        pixels[i + 1] += (color.green - pixels[i + 1]) * a
        pixels[i + 2] += (color.blue - pixels[i + 2]) * a
    }

    // MARK: Shapes

    /// A straight line of `lineWidth` pixels between two points (pixel-centre coordinates).
    public mutating func line(from a: (x: Double, y: Double), to b: (x: Double, y: Double), _ color: Color,
                              lineWidth: Double = 1, alpha: Float = 1) {
        guard [a.x, a.y, b.x, b.y, lineWidth].allSatisfy(\.isFinite) else { return }
        let dx = b.x - a.x, dy = b.y - a.y
        let length = (dx * dx + dy * dy).squareRoot()
        let reach = lineWidth / 2 + 1
        // Walk the bounding box of the segment, one major-axis step at a time, covering the pixels
        // within reach of the centre line across the minor axis.
        let steep = abs(dy) > abs(dx)
        let (p0, p1) = steep ? ((a.y, a.x), (b.y, b.x)) : ((a.x, a.y), (b.x, b.y))
        let (start, end) = p0.0 <= p1.0 ? (p0, p1) : (p1, p0)
        let slope = end.0 == start.0 ? 0 : (end.1 - start.1) / (end.0 - start.0)
        let majorLimit = Double(steep ? height : width) + reach
        let first = max(start.0 - reach, -reach), last = min(end.0 + reach, majorLimit)
        guard first <= last else { return }
        for major in Int(first.rounded(.down))...Int(last.rounded(.up)) {
            let clamped = min(max(Double(major), start.0), end.0)
            let center = start.1 + slope * (clamped - start.0)
            for minor in Int((center - reach).rounded(.down))...Int((center + reach).rounded(.up)) {
                let (px, py) = steep ? (Double(minor), Double(major)) : (Double(major), Double(minor))
                let distance = length > 0 ? Self.distanceToSegment(px, py, a, b, length) : ((px - a.x) * (px - a.x) + (py - a.y) * (py - a.y)).squareRoot()
                let coverage = min(max(lineWidth / 2 + 0.5 - distance, 0), 1)
                blend(x: Int(px), y: Int(py), color, alpha: Float(coverage) * alpha)
            }
        }
    }

    /// A filled disc; `outline` (if any) is drawn as a 1-pixel ring.
    public mutating func disc(center: (x: Double, y: Double), radius: Double, _ color: Color, alpha: Float = 1, outline: Color? = nil) {
        guard center.x.isFinite, center.y.isFinite, radius.isFinite, radius >= 0 else { return }
        let r = radius + 1
        let top = max(Int((center.y - r).rounded(.down)), 0), bottom = min(Int((center.y + r).rounded(.up)), height - 1)
        let left = max(Int((center.x - r).rounded(.down)), 0), right = min(Int((center.x + r).rounded(.up)), width - 1)
        guard top <= bottom, left <= right else { return }
        for y in top...bottom {
            for x in left...right {
                let d = ((Double(x) - center.x) * (Double(x) - center.x) + (Double(y) - center.y) * (Double(y) - center.y)).squareRoot()
                let inside = min(max(radius + 0.5 - d, 0), 1)
                if let outline {
                    let fill = min(max(radius - 0.5 - d, 0), 1)
                    blend(x: x, y: y, outline, alpha: Float(inside) * alpha)
                    blend(x: x, y: y, color, alpha: Float(fill) * alpha)
                } else {
                    blend(x: x, y: y, color, alpha: Float(inside) * alpha)
                }
            }
        }
    }

    /// An axis-aligned filled rectangle in whole pixels.
    public mutating func rectangle(x: Int, y: Int, width w: Int, height h: Int, _ color: Color, alpha: Float = 1) {
        for py in max(0, y)..<min(height, y + h) { for px in max(0, x)..<min(width, x + w) { blend(x: px, y: py, color, alpha: alpha) } }
    }

    /// Copies `image` with its top-left corner at (x, y), clipped to the canvas.
    public mutating func draw(_ image: RGBImage, x: Int, y: Int) {
        for iy in 0..<image.height where y + iy >= 0 && y + iy < height {
            for ix in 0..<image.width where x + ix >= 0 && x + ix < width {
                let s = (iy * image.width + ix) * 3, d = ((y + iy) * width + x + ix) * 3
                for c in 0..<3 { pixels[d + c] = Float(image.pixels[s + c]) / 255 }
            }
        }
    }

    /// Draws `text` in the built-in font with its top-left corner at (x, y).
    public mutating func text(_ text: String, x: Int, y: Int, _ color: Color = .black) {
        for (k, scalar) in text.unicodeScalars.enumerated() {
            let left = x + k * BitmapFont.advance
            for gy in 0..<BitmapFont.lineHeight {
                for gx in 0..<BitmapFont.advance {
                    blend(x: left + gx, y: y + gy, color, alpha: BitmapFont.coverage(scalar, x: gx, y: gy))
                }
            }
        }
    }

    // MARK: Output

    /// The canvas as an 8-bit image.
    public var image: RGBImage {
        RGBImage(width: width, height: height, pixels: pixels.map { UInt8(min(max($0 * 255 + 0.5, 0), 255)) })
    }

    private static func distanceToSegment(_ px: Double, _ py: Double, _ a: (x: Double, y: Double), _ b: (x: Double, y: Double),
                                          _ length: Double) -> Double {
        let dx = b.x - a.x, dy = b.y - a.y
        let t = min(max(((px - a.x) * dx + (py - a.y) * dy) / (length * length), 0), 1)
        let cx = a.x + t * dx - px, cy = a.y + t * dy - py
        return (cx * cx + cy * cy).squareRoot()
    }
}
