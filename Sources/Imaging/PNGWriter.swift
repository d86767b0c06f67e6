import CPNG
import Foundation

// MARK: - PNG encoding

/// Writes 8-bit RGBA or RGB images as PNG through libpng's simplified API.
public enum PNGWriter {
    /// PNG bytes of straight-alpha RGBA pixels (`width·height·4` bytes).
    public static func encode(rgba: [UInt8], width: Int, height: Int) throws -> Data {
        try encode(pixels: rgba, width: width, height: height, format: png_uint_32(PNG_FORMAT_FLAG_COLOR | PNG_FORMAT_FLAG_ALPHA), channels: 4)
    }

    /// PNG bytes of an opaque RGB image.
    public static func encode(_ image: RGBImage) throws -> Data {
        try encode(pixels: image.pixels, width: image.width, height: image.height, format: png_uint_32(PNG_FORMAT_RGB), channels: 3)
    }

    /// Encodes RGBA pixels and writes them to `url`.
    public static func write(rgba: [UInt8], width: Int, height: Int, to url: URL) throws {
        try write(data: encode(rgba: rgba, width: width, height: height), to: url)
    }

    /// Encodes an RGB image and writes it to `url`.
    public static func write(_ image: RGBImage, to url: URL) throws {
        try write(data: encode(image), to: url)
    }

    // MARK: Internals

    private static func write(data: Data, to url: URL) throws {
        do { try data.write(to: url, options: .atomic) } catch {
            throw ImageError(file: url.path, kind: .unreadable, reason: "cannot write PNG (\(error.localizedDescription))")
        }
    }

    private static func encode(pixels: [UInt8], width: Int, height: Int, format: png_uint_32, channels: Int) throws -> Data {
        guard width > 0, height > 0, pixels.count == width * height * channels else {
            throw ImageError(file: "<png>", kind: .corrupt,
                             reason: "PNG encode: \(width)×\(height)×\(channels) needs \(width * height * channels) bytes, got \(pixels.count)")
        }
        var image = png_image()
        image.version = png_uint_32(PNG_IMAGE_VERSION)
        image.width = png_uint_32(width)
        image.height = png_uint_32(height)
        image.format = format
        defer { png_image_free(&image) }
        let stride = png_int_32(width * channels)
        var size: png_alloc_size_t = 0
        // First call measures, second writes.
        let measured = pixels.withUnsafeBytes { png_image_write_to_memory(&image, nil, &size, 0, $0.baseAddress, stride, nil) }
        guard measured != 0, size > 0 else { throw failure(&image) }
        var data = Data(count: Int(size))
        let written = data.withUnsafeMutableBytes { out in
            pixels.withUnsafeBytes { png_image_write_to_memory(&image, out.baseAddress, &size, 0, $0.baseAddress, stride, nil) }
        }
        guard written != 0 else { throw failure(&image) }
        return data.prefix(Int(size))
    }

    private static func failure(_ image: inout png_image) -> ImageError {
        let message = withUnsafeBytes(of: &image.message) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        return ImageError(file: "<png>", kind: .corrupt, reason: "PNG encode failed: \(message)")
    }
}
