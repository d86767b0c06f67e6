import Foundation
import Imaging

// MARK: - PairPlot

/// The original design's figure: images and their descriptions in one 2-D map, each pair joined by a green
/// line; images drawn as thumbnails, texts as markers (their label shown on hover in SVG).
public struct PairPlot {
    public struct Pair {
        public var image: (x: Double, y: Double)
        public var text: (x: Double, y: Double)
        public var thumbnail: RGBImage?
        /// The description, shown on hover (SVG).
        public var label: String
        public var id: String

        public init(image: (x: Double, y: Double), text: (x: Double, y: Double), thumbnail: RGBImage?, label: String, id: String) {
            self.image = image; self.text = text; self.thumbnail = thumbnail; self.label = label; self.id = id
        }
    }

    public var title: String
    public var subtitle: String
    public var pairs: [Pair]
    public var width = 1200, height = 1000
    public var thumbnailSize = 28
    public var lineColor = Color.pairGreen
    public var markerColor = Color.textMarker

    public init(title: String, subtitle: String = "", pairs: [Pair]) {
        self.title = title; self.subtitle = subtitle; self.pairs = pairs
    }

    // MARK: Layout

    /// Top margin holds the title lines; the map keeps equal scales on both axes.
    var headerHeight: Int { subtitle.isEmpty ? 34 : 52 }

    /// Maps data coordinates to canvas pixels, centred in the area below the header.
    func projector() -> ((x: Double, y: Double)) -> (x: Double, y: Double) {
        let all = pairs.flatMap { [$0.image, $0.text] }.filter { $0.x.isFinite && $0.y.isFinite }
        let margin = Double(thumbnailSize) / 2 + 12
        let left = margin, top = Double(headerHeight) + margin
        let areaWidth = max(Double(width) - 2 * margin, 1), areaHeight = max(Double(height) - top - margin, 1)
        guard let minX = all.map(\.x).min(), let maxX = all.map(\.x).max(),
              let minY = all.map(\.y).min(), let maxY = all.map(\.y).max() else {
            return { _ in (left + areaWidth / 2, top + areaHeight / 2) }
        }
        let scale = min(areaWidth / max(maxX - minX, 1e-12), areaHeight / max(maxY - minY, 1e-12))
        let offsetX = left + (areaWidth - (maxX - minX) * scale) / 2, offsetY = top + (areaHeight - (maxY - minY) * scale) / 2
        return { p in (offsetX + (p.x - minX) * scale, offsetY + (p.y - minY) * scale) }
    }

    // MARK: PNG

    /// The plot rasterised: lines, then text markers, then thumbnails on top, then the title.
    public func render() -> RGBImage {
        var canvas = Canvas(width: width, height: height)
        let place = projector()
        for pair in pairs { canvas.line(from: place(pair.image), to: place(pair.text), lineColor, lineWidth: 1.3, alpha: 0.7) }
        for pair in pairs { canvas.disc(center: place(pair.text), radius: 3.5, markerColor, alpha: 0.9, outline: .white) }
        for pair in pairs {
            let center = place(pair.image)
            let half = thumbnailSize / 2
            let x = Int(center.x.rounded()) - half, y = Int(center.y.rounded()) - half
            if let thumbnail = pair.thumbnail {
                canvas.rectangle(x: x - 1, y: y - 1, width: thumbnailSize + 2, height: thumbnailSize + 2, .grey)
                canvas.draw(Self.fit(thumbnail, thumbnailSize), x: x, y: y)
            } else {
                canvas.rectangle(x: x, y: y, width: thumbnailSize, height: thumbnailSize, .grey, alpha: 0.6)
            }
        }
        canvas.text(title, x: 10, y: 8)
        if !subtitle.isEmpty { canvas.text(subtitle, x: 10, y: 8 + BitmapFont.lineHeight + 3, .grey) }
        return canvas.image
    }

    /// PNG bytes of `render()`.
    public func pngData() throws -> Data { try PNGWriter.encode(render()) }

    /// A thumbnail fitted into a square (pad with white), at most `size` pixels.
    static func fit(_ image: RGBImage, _ size: Int) -> RGBImage {
        if image.width == size && image.height == size { return image }
        return Preprocessing(size: size, fit: .pad, mean: [0, 0, 0], std: [1, 1, 1], padValue: 255).fitted(image)
    }
}
