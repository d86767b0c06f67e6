import Foundation
import Imaging

// MARK: - SVG

extension PairPlot {
    /// The plot as a standalone SVG: thumbnails embedded as base64 PNG, every thumbnail and text
    /// marker carries a `<title>` (shown on hover) with the item's id and description.
    public func svg() throws -> String {
        let place = projector()
        let half = Double(thumbnailSize) / 2
        var out = """
        <svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" \
        width="\(width)" height="\(height)" viewBox="0 0 \(width) \(height)">
        <rect width="100%" height="100%" fill="#ffffff"/>
        <g stroke="\(lineColor.svg)" stroke-opacity="0.7" stroke-width="1.3">

        """
        for pair in pairs {
            let a = place(pair.image), b = place(pair.text)
            out += "<line x1=\"\(f(a.x))\" y1=\"\(f(a.y))\" x2=\"\(f(b.x))\" y2=\"\(f(b.y))\"/>\n"
        }
        out += "</g>\n<g fill=\"\(markerColor.svg)\" fill-opacity=\"0.9\" stroke=\"#ffffff\">\n"
        for pair in pairs {
            let p = place(pair.text)
            out += "<circle cx=\"\(f(p.x))\" cy=\"\(f(p.y))\" r=\"3.5\"><title>\(escape(pair.id + ": " + pair.label))</title></circle>\n"
        }
        out += "</g>\n<g>\n"
        for pair in pairs {
            let p = place(pair.image)
            let x = f(p.x - half), y = f(p.y - half)
            let title = "<title>\(escape(pair.id + " (image): " + pair.label))</title>"
            if let thumbnail = pair.thumbnail {
                let png = try PNGWriter.encode(Self.fit(thumbnail, thumbnailSize)).base64EncodedString()
                out += "<image x=\"\(x)\" y=\"\(y)\" width=\"\(thumbnailSize)\" height=\"\(thumbnailSize)\" "
                    + "href=\"data:image/png;base64,\(png)\" xlink:href=\"data:image/png;base64,\(png)\">\(title)</image>\n"
            } else {
                out += "<rect x=\"\(x)\" y=\"\(y)\" width=\"\(thumbnailSize)\" height=\"\(thumbnailSize)\" fill=\"#7f7f7f\">\(title)</rect>\n"
            }
        }
        out += "</g>\n<text x=\"10\" y=\"22\" font-family=\"sans-serif\" font-size=\"15\">\(escape(title))</text>\n"
        if !subtitle.isEmpty {
            out += "<text x=\"10\" y=\"40\" font-family=\"sans-serif\" font-size=\"13\" fill=\"#7f7f7f\">\(escape(subtitle))</text>\n"
        }
        return out + "</svg>\n"
    }

    private func f(_ v: Double) -> String { String(format: "%.1f", v) }

    private func escape(_ s: String) -> String {
        var out = ""
        for c in s.unicodeScalars {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            default:
                // XML 1.0 forbids most control characters even when escaped.
                if c.value < 0x20 && c != "\n" && c != "\t" { out += " " } else { out.unicodeScalars.append(c) }
            }
        }
        return out
    }
}
