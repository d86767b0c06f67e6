import Foundation

// MARK: - Format detection

/// Image container formats recognised by their leading bytes (never by file extension).
public enum ImageFormat: String, Sendable {
    case jpeg, png, webp
    case gif, bmp, tiff, heif, avif, jpeg2000, ico

    /// Formats `ImageDecoder` can decode.
    public var isSupported: Bool { self == .jpeg || self == .png || self == .webp }

    /// Sniffs the signature at the start of `data`; nil when none matches.
    public static func detect(_ data: Data) -> ImageFormat? {
        let head = [UInt8](data.prefix(16))
        func starts(_ bytes: [UInt8], at offset: Int = 0) -> Bool {
            head.count >= offset + bytes.count && Array(head[offset..<offset + bytes.count]) == bytes
        }
        let ascii = { (s: String) in Array(s.utf8) }
        if starts([0xFF, 0xD8, 0xFF]) { return .jpeg }
        if starts([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return .png }
        if starts(ascii("RIFF")) && starts(ascii("WEBP"), at: 8) { return .webp }
        if starts(ascii("GIF87a")) || starts(ascii("GIF89a")) { return .gif }
        if starts(ascii("BM")) && head.count >= 14 { return .bmp }
        if starts([0x49, 0x49, 0x2A, 0x00]) || starts([0x4D, 0x4D, 0x00, 0x2A]) { return .tiff }
        if starts(ascii("ftyp"), at: 4) {
            if starts(ascii("avif"), at: 8) || starts(ascii("avis"), at: 8) { return .avif }
            if starts(ascii("heic"), at: 8) || starts(ascii("heix"), at: 8) || starts(ascii("mif1"), at: 8) { return .heif }
        }
        if starts([0x00, 0x00, 0x00, 0x0C, 0x6A, 0x50, 0x20, 0x20]) || starts([0xFF, 0x4F, 0xFF, 0x51]) { return .jpeg2000 }
        if starts([0x00, 0x00, 0x01, 0x00]) { return .ico }
        return nil
    }
}
