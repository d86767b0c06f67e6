import Foundation

// MARK: - ImageDecoder

/// Decodes JPEG, PNG and WebP into `RGBImage`, choosing the codec by the file's signature.
///
/// Orientation from EXIF is applied to JPEGs; transparency is composited on white. Every failure
/// is an `ImageError` naming the file; dimensions are checked from the header before any pixel
/// buffer is allocated, so decompression bombs are refused cheaply.
public enum ImageDecoder {
    /// Largest accepted image, in pixels (100 megapixels).
    public static let maximumPixels = 100_000_000

    /// Reads and decodes a file. `hintSize`: the smallest side the caller needs; lets JPEG decode
    /// at a reduced DCT scale when the image is much larger.
    public static func decode(contentsOf url: URL, hintSize: Int? = nil) throws -> RGBImage {
        let data: Data
        do {
            data = try Data(contentsOf: url, options: .mappedIfSafe)
        } catch {
            throw ImageError(file: url.path, kind: .unreadable, reason: "cannot read file (\(error.localizedDescription))")
        }
        return try decode(data: data, name: url.path, hintSize: hintSize)
    }

    /// Decodes bytes already in memory; `name` is used in errors.
    public static func decode(data: Data, name: String, hintSize: Int? = nil) throws -> RGBImage {
        guard !data.isEmpty else {
            throw ImageError(file: name, kind: .empty, reason: "file is empty (0 bytes)")
        }
        guard let format = ImageFormat.detect(data) else {
            throw ImageError(file: name, kind: .notAnImage, reason: "not an image (no JPEG, PNG or WebP signature)")
        }
        switch format {
        case .jpeg: return try JPEGDecoder.decode(data, name: name, hintSize: hintSize)
        case .png: return try PNGDecoder.decode(data, name: name)
        case .webp: return try WebPDecoder.decode(data, name: name)
        default:
            throw ImageError(file: name, kind: .unsupportedFormat,
                             reason: "unsupported image format \(format.rawValue.uppercased()) (supported: JPEG, PNG, WebP)")
        }
    }

    /// Refuses images whose header announces absurd dimensions.
    static func checkDimensions(width: Int, height: Int, name: String) throws {
        guard width > 0, height > 0 else {
            throw ImageError(file: name, kind: .corrupt, reason: "invalid dimensions \(width)×\(height)")
        }
        guard width.multipliedReportingOverflow(by: height).partialValue <= maximumPixels,
              width <= maximumPixels, height <= maximumPixels else {
            throw ImageError(file: name, kind: .tooLarge,
                             reason: "image is \(width)×\(height) pixels, over the limit of \(maximumPixels / 1_000_000) megapixels")
        }
    }
}
