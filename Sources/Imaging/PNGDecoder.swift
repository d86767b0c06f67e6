import CPNG
import CZlib
import Foundation

// MARK: - PNG (libpng simplified API)

/// PNG decoding through libpng's `png_image` API, which reports errors in the struct instead of
/// `longjmp`-ing through Swift frames. Palette, grey, 16-bit and interlaced images all come out as
/// 8-bit sRGB; alpha is composited on white.
enum PNGDecoder {
    static func decode(_ data: Data, name: String) throws -> RGBImage {
        // IHDR is always the first chunk: check the dimensions before libpng allocates anything.
        guard data.count >= 33 else {
            throw ImageError(file: name, kind: .truncated, reason: "PNG data is truncated (\(data.count) bytes, no complete header)")
        }
        let header = [UInt8](data.prefix(24))
        let width = header[16..<20].reduce(0) { $0 << 8 | Int($1) }
        let height = header[20..<24].reduce(0) { $0 << 8 | Int($1) }
        try ImageDecoder.checkDimensions(width: width, height: height, name: name)

        let data = assumingSRGBIfUntagged16Bit(data)
        var image = png_image()
        image.version = png_uint_32(PNG_IMAGE_VERSION)
        defer { png_image_free(&image) }
        let begun = data.withUnsafeBytes { raw in
            png_image_begin_read_from_memory(&image, raw.baseAddress, raw.count)
        }
        guard begun != 0 else { throw failure(&image, data: data, name: name) }

        image.format = png_uint_32(PNG_FORMAT_RGB)
        var white = png_color(red: 255, green: 255, blue: 255)
        let stride = Int(image.width) * 3
        var pixels = [UInt8](repeating: 0, count: stride * Int(image.height))
        let finished = data.withUnsafeBytes { _ in  // keep the input alive while libpng reads it
            pixels.withUnsafeMutableBytes { out in
                png_image_finish_read(&image, &white, out.baseAddress, png_int_32(stride), nil)
            }
        }
        guard finished != 0 else { throw failure(&image, data: data, name: name) }
        return RGBImage(width: Int(image.width), height: Int(image.height), pixels: pixels)
    }

    /// libpng's simplified API takes 16-bit samples without a colour-space chunk to be linear light,
    /// which brightens ordinary (sRGB-encoded) 16-bit files. Declaring them sRGB, as every viewer
    /// assumes, gives the expected 8-bit values. Files carrying gAMA, sRGB or iCCP are left alone.
    static func assumingSRGBIfUntagged16Bit(_ data: Data) -> Data {
        let bytes = [UInt8](data.prefix(64 * 1024))
        guard bytes.count > 33, bytes[24] == 16 else { return data }
        var offset = 8
        while offset + 8 <= bytes.count {
            let length = bytes[offset..<(offset + 4)].reduce(0) { $0 << 8 | Int($1) }
            let type = String(decoding: bytes[(offset + 4)..<(offset + 8)], as: UTF8.self)
            if ["gAMA", "sRGB", "iCCP"].contains(type) { return data }
            if type == "IDAT" || type == "IEND" { break }
            offset += 12 + length
        }
        let payload: [UInt8] = Array("sRGB".utf8) + [0]  // rendering intent: perceptual
        let crc = payload.withUnsafeBufferPointer { UInt32(crc32(0, $0.baseAddress, UInt32($0.count))) }
        let chunk: [UInt8] = [0, 0, 0, 1] + payload + [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: crc >> $0) }
        var patched = data
        patched.insert(contentsOf: chunk, at: patched.startIndex + 33)  // right after IHDR
        return patched
    }

    private static func failure(_ image: inout png_image, data: Data, name: String) -> ImageError {
        let message = withUnsafeBytes(of: &image.message) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
        // A complete PNG ends with the 12-byte IEND chunk.
        let iend: [UInt8] = [0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82]
        let hasEnd = data.count >= 8 && Array(data.suffix(8)) == iend
        if !hasEnd || message.localizedCaseInsensitiveContains("end of file") || message.contains("Read Error") {
            return ImageError(file: name, kind: .truncated, reason: "PNG data is truncated (\(message))")
        }
        return ImageError(file: name, kind: .corrupt, reason: "corrupt PNG: \(message)")
    }
}
