// MARK: - Crop to content

/// Trims a uniform border (a product photo on white, a cut-out or an emoji on transparent, which decoding has
/// composited onto white) down to the content, keeps a margin, and pads the result to a square with the border's
/// colour, so the CNN sees the object large and whole instead of a centre crop of mostly background.
///
/// An image whose outer frame is not uniform (an ordinary photo) is returned unchanged.
///
///     let square = ContentCrop.standard.apply(image)
public struct ContentCrop: Sendable, Equatable {
    /// Largest per-channel difference from the border colour that still counts as background (JPEG noise).
    public var tolerance: Int
    /// Share of the outer frame's pixels that must be background for the border to count as uniform.
    public var uniformShare: Double
    /// Margin kept around the content, as a share of the content's longer side.
    public var margin: Double

    public init(tolerance: Int = 24, uniformShare: Double = 0.9, margin: Double = 0.05) {
        self.tolerance = tolerance
        self.uniformShare = uniformShare
        self.margin = margin
    }

    public static let standard = ContentCrop()

    /// The border colour when the outer frame is uniform, else nil.
    public func background(of image: RGBImage) -> (r: UInt8, g: UInt8, b: UInt8)? {
        guard image.width >= 3, image.height >= 3 else { return nil }
        var frame: [[UInt8]] = []
        func add(_ pixel: (r: UInt8, g: UInt8, b: UInt8)) { frame.append([pixel.r, pixel.g, pixel.b]) }
        for x in 0..<image.width { add(image[x, 0]); add(image[x, image.height - 1]) }
        for y in 1..<(image.height - 1) { add(image[0, y]); add(image[image.width - 1, y]) }
        // The per-channel median resists a few content pixels that touch the frame.
        func median(_ channel: Int) -> UInt8 { frame.map { $0[channel] }.sorted()[frame.count / 2] }
        let colour = (r: median(0), g: median(1), b: median(2))
        let matching = frame.filter { isBackground(($0[0], $0[1], $0[2]), colour) }.count
        return Double(matching) >= uniformShare * Double(frame.count) ? colour : nil
    }

    /// The content's bounding box (x0, y0, x1, y1; exclusive ends) against `colour`, nil when nothing differs.
    /// A row or column counts as content when more than 0.5 % of it (at least one pixel) differs, so isolated
    /// noise does not stretch the box.
    public func contentBox(of image: RGBImage, background colour: (r: UInt8, g: UInt8, b: UInt8)) -> (x0: Int, y0: Int, x1: Int, y1: Int)? {
        var rowCounts = [Int](repeating: 0, count: image.height), columnCounts = [Int](repeating: 0, count: image.width)
        image.pixels.withUnsafeBufferPointer { p in
            for y in 0..<image.height {
                for x in 0..<image.width {
                    let i = (y * image.width + x) * 3
                    if !isBackground((p[i], p[i + 1], p[i + 2]), colour) { rowCounts[y] += 1; columnCounts[x] += 1 }
                }
            }
        }
        let rowMinimum = max(1, image.width / 200), columnMinimum = max(1, image.height / 200)
        guard let y0 = rowCounts.firstIndex(where: { $0 >= rowMinimum }), let y1 = rowCounts.lastIndex(where: { $0 >= rowMinimum }),
              let x0 = columnCounts.firstIndex(where: { $0 >= columnMinimum }), let x1 = columnCounts.lastIndex(where: { $0 >= columnMinimum }) else {
            return nil
        }
        return (x0, y0, x1 + 1, y1 + 1)
    }

    /// The content with its margin, centred on a square canvas of the border colour; `image` itself when the
    /// border is not uniform or there is no content.
    public func apply(_ image: RGBImage) -> RGBImage {
        guard let colour = background(of: image), let box = contentBox(of: image, background: colour) else { return image }
        let width = box.x1 - box.x0, height = box.y1 - box.y0
        let side = Int((Double(max(width, height)) * (1 + 2 * margin)).rounded())
        var canvas = RGBImage(width: side, height: side, fill: colour)
        let left = (side - width) / 2, top = (side - height) / 2
        for y in 0..<height {
            let source = ((box.y0 + y) * image.width + box.x0) * 3, target = ((top + y) * side + left) * 3
            canvas.pixels.replaceSubrange(target..<(target + width * 3), with: image.pixels[source..<(source + width * 3)])
        }
        return canvas
    }

    private func isBackground(_ pixel: (UInt8, UInt8, UInt8), _ colour: (r: UInt8, g: UInt8, b: UInt8)) -> Bool {
        abs(Int(pixel.0) - Int(colour.r)) <= tolerance && abs(Int(pixel.1) - Int(colour.g)) <= tolerance
            && abs(Int(pixel.2) - Int(colour.b)) <= tolerance
    }
}
