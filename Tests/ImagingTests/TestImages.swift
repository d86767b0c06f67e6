import Foundation
import Imaging

/// Helpers that build test images and files in memory.
enum TestImages {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    /// A grid of flat colour cells, `cell` pixels square (JPEG survives flat 16×16 blocks well).
    static func cells(_ colors: [[(UInt8, UInt8, UInt8)]], cell: Int = 16) -> RGBImage {
        let rows = colors.count, columns = colors[0].count
        var image = RGBImage(width: columns * cell, height: rows * cell)
        for y in 0..<image.height {
            for x in 0..<image.width {
                let c = colors[y / cell][x / cell], i = (y * image.width + x) * 3
                image.pixels[i] = c.0; image.pixels[i + 1] = c.1; image.pixels[i + 2] = c.2
            }
        }
        return image
    }

    /// A JPEG with an EXIF APP1 segment carrying `orientation`, spliced in right after SOI.
    static func jpeg(_ image: RGBImage, orientation: UInt16, bigEndian: Bool = true) throws -> Data {
        let jpeg = try JPEGWriter.encode(image, quality: 95)
        func u16(_ v: UInt16) -> [UInt8] { bigEndian ? [UInt8(v >> 8), UInt8(v & 0xFF)] : [UInt8(v & 0xFF), UInt8(v >> 8)] }
        func u32(_ v: UInt32) -> [UInt8] { bigEndian ? u16(UInt16(v >> 16)) + u16(UInt16(v & 0xFFFF)) : u16(UInt16(v & 0xFFFF)) + u16(UInt16(v >> 16)) }
        var tiff: [UInt8] = bigEndian ? [0x4D, 0x4D] : [0x49, 0x49]
        tiff += u16(42) + u32(8)                                  // header, IFD0 at 8
        tiff += u16(2)                                            // two entries
        tiff += u16(0x010F) + u16(2) + u32(4) + [0x41, 0x43, 0x4D, 0]  // Make = "ACM" (ASCII, inline)
        tiff += u16(0x0112) + u16(3) + u32(1) + u16(orientation) + [0, 0]
        tiff += u32(0)                                            // no next IFD
        let payload: [UInt8] = Array("Exif".utf8) + [0, 0] + tiff
        let length = payload.count + 2
        let app1: [UInt8] = [0xFF, 0xE1, UInt8(length >> 8), UInt8(length & 0xFF)] + payload
        return Data(jpeg.prefix(2) + app1 + jpeg.dropFirst(2))
    }

    /// Mean absolute difference between two colours.
    static func distance(_ a: (r: UInt8, g: UInt8, b: UInt8), _ b: (UInt8, UInt8, UInt8)) -> Int {
        (abs(Int(a.r) - Int(b.0)) + abs(Int(a.g) - Int(b.1)) + abs(Int(a.b) - Int(b.2))) / 3
    }
}
