import CWebP
import Foundation

// MARK: - WebP (libwebp)

/// Lossy and lossless WebP; alpha composited on white. Animated WebP is refused as unsupported.
enum WebPDecoder {
    static func decode(_ data: Data, name: String) throws -> RGBImage {
        try data.withUnsafeBytes { raw in
            let bytes = raw.bindMemory(to: UInt8.self)
            let declaredEnd = data.count >= 8 ? 8 + bytes[4..<8].reversed().reduce(0) { $0 << 8 | Int($1) } : Int.max
            let isTruncated = declaredEnd > data.count

            var features = WebPBitstreamFeatures()
            let status = WebPGetFeatures(bytes.baseAddress, bytes.count, &features)
            guard status == VP8_STATUS_OK else {
                if status == VP8_STATUS_NOT_ENOUGH_DATA || isTruncated {
                    throw ImageError(file: name, kind: .truncated, reason: "WebP data is truncated")
                }
                throw ImageError(file: name, kind: .corrupt, reason: "corrupt WebP header (status \(status.rawValue))")
            }
            if features.has_animation != 0 {
                throw ImageError(file: name, kind: .unsupportedFormat, reason: "animated WebP is not supported")
            }
            let width = Int(features.width), height = Int(features.height)
            try ImageDecoder.checkDimensions(width: width, height: height, name: name)

            var rgba = [UInt8](repeating: 0, count: width * height * 4)
            let decoded = rgba.withUnsafeMutableBufferPointer { out in
                WebPDecodeRGBAInto(bytes.baseAddress, bytes.count, out.baseAddress, out.count, Int32(width * 4))
            }
            guard decoded != nil else {
                throw ImageError(file: name, kind: isTruncated ? .truncated : .corrupt,
                                 reason: isTruncated ? "WebP data is truncated" : "corrupt WebP image data")
            }
            return rgba.withUnsafeBufferPointer { RGBImage(compositingOnWhite: $0, width: width, height: height) }
        }
    }
}
