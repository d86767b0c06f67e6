import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Imaging
import Projection
import Tensor
import XCTest

final class PlotRenderingTests: XCTestCase {
    /// Three clusters of pairs; each image a flat colour, its text nearby.
    private func samplePlot() throws -> PairPlot {
        let (points, labels) = TSNETests.blobs(clusters: 3, perCluster: 10, dimension: 8, seed: 9)
        let map = try TSNE.embed(points, options: .init(perplexity: 5, iterations: 300)).embedding
        let colors: [(UInt8, UInt8, UInt8)] = [(220, 40, 40), (40, 90, 220), (240, 200, 30)]
        let pairs = (0..<15).map { k -> PairPlot.Pair in
            let i = 2 * k, t = 2 * k + 1
            return PairPlot.Pair(image: (Double(map.data[2 * i]), Double(map.data[2 * i + 1])),
                                 text: (Double(map.data[2 * t]), Double(map.data[2 * t + 1])),
                                 thumbnail: RGBImage(width: 40, height: 30, fill: colors[labels[i]]),
                                 label: "item <\(k)> & \"friends\"", id: "id\(k)")
        }
        var plot = PairPlot(title: "t-SNE of 15 pairs - model test (mean pair distance 0.42)", subtitle: "perplexity 5", pairs: pairs)
        plot.width = 480; plot.height = 360
        return plot
    }

    func testPNGHasRequestedSizeAndShowsLinesMarkersThumbnailsAndTitle() throws {
        let plot = try samplePlot()
        let data = try plot.pngData()
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("pairplot-test.png")
        try data.write(to: url)
        let image = try ImageDecoder.decode(data: data, name: "plot.png")
        XCTAssertEqual(image.width, 480); XCTAssertEqual(image.height, 360)
        var greenish = 0, reddish = 0, thumbnailRed = 0, dark = 0
        for y in 0..<image.height {
            for x in 0..<image.width {
                let p = image[x, y]
                if Int(p.g) > Int(p.r) + 40 && Int(p.g) > Int(p.b) + 40 { greenish += 1 }
                if p == (220, 40, 40) { thumbnailRed += 1 }
                if Int(p.r) > 150 && p.g < 90 && p.b < 90 && p != (220, 40, 40) { reddish += 1 }
                if y < 30 && p.r < 100 && p.g < 100 && p.b < 100 { dark += 1 }
            }
        }
        XCTAssertGreaterThan(greenish, 100, "pair lines")
        XCTAssertGreaterThan(reddish, 50, "text markers")
        XCTAssertGreaterThanOrEqual(thumbnailRed, 28 * 20, "thumbnails")
        XCTAssertGreaterThan(dark, 200, "title text")
    }

    func testSVGIsWellFormedWithEmbeddedThumbnailsAndHoverLabels() throws {
        let svg = try samplePlot().svg()
        try svg.write(to: FileManager.default.temporaryDirectory.appendingPathComponent("pairplot-test.svg"), atomically: true, encoding: .utf8)
        let parser = XMLParser(data: Data(svg.utf8))
        XCTAssertTrue(parser.parse(), "\(parser.parserError.map { "\($0)" } ?? "")")
        XCTAssertEqual(svg.components(separatedBy: "<line ").count - 1, 15)
        XCTAssertEqual(svg.components(separatedBy: "data:image/png;base64,").count - 1, 30)  // href + xlink:href
        XCTAssertTrue(svg.contains("<title>id3: item &lt;3&gt; &amp; &quot;friends&quot;</title>"))
        XCTAssertTrue(svg.contains("width=\"480\" height=\"360\""))
        // The embedded thumbnails decode back to images.
        let start = try XCTUnwrap(svg.range(of: "data:image/png;base64,")).upperBound
        let base64 = svg[start...].prefix { $0 != "\"" }
        let thumbnail = try ImageDecoder.decode(data: try XCTUnwrap(Data(base64Encoded: String(base64))), name: "thumb.png")
        XCTAssertEqual(thumbnail.width, 28)
    }

    func testCanvasLineCoverageAndClipping() {
        var canvas = Canvas(width: 20, height: 10)
        canvas.line(from: (2, 5), to: (17, 5), .black, lineWidth: 1)
        canvas.line(from: (-1e9, 3), to: (1e9, 3), .black)        // clipped, must not hang
        canvas.line(from: (.nan, 0), to: (3, 3), .black)           // ignored
        canvas.disc(center: (1e12, 1e12), radius: 5, .black)       // off-canvas
        let image = canvas.image
        XCTAssertEqual(image[10, 5].r, 0)        // on the line
        XCTAssertEqual(image[10, 7].r, 255)      // two pixels away
        XCTAssertEqual(image[0, 3].r, 0)
        XCTAssertEqual(image[19, 5].r, 255)      // past the end
    }

    func testBitmapFontDrawsInk() {
        var canvas = Canvas(width: BitmapFont.width(of: "Ag"), height: BitmapFont.lineHeight)
        canvas.text("Ag", x: 0, y: 0)
        let ink = canvas.image.pixels.filter { $0 < 128 }.count
        XCTAssertGreaterThan(ink, 20)
        var blank = Canvas(width: 14, height: 15)
        blank.text("  ", x: 0, y: 0)
        XCTAssertTrue(blank.image.pixels.allSatisfy { $0 == 255 })
    }
}
