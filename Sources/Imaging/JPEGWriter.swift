import CTurboJPEG
import Foundation

// MARK: - JPEG encoding

/// Writes RGB images as baseline JPEG through TurboJPEG (thumbnails, test fixtures).
public enum JPEGWriter {
    /// JPEG bytes at `quality` 1…100, 4:2:0 chroma subsampling.
    public static func encode(_ image: RGBImage, quality: Int = 90) throws -> Data {
        guard image.width > 0, image.height > 0 else {
            throw ImageError(file: "<jpeg>", kind: .corrupt, reason: "JPEG encode: empty image")
        }
        guard let handle = tjInitCompress() else {
            throw ImageError(file: "<jpeg>", kind: .corrupt, reason: "cannot initialise the JPEG encoder")
        }
        defer { tjDestroy(handle) }
        var buffer: UnsafeMutablePointer<UInt8>? = nil
        var size: UInt = 0
        defer { if let buffer { tjFree(buffer) } }
        let status = image.pixels.withUnsafeBufferPointer { src in
            tjCompress2(handle, src.baseAddress, Int32(image.width), 0, Int32(image.height), Int32(TJPF_RGB.rawValue),
                        &buffer, &size, Int32(TJSAMP_420.rawValue), Int32(min(max(quality, 1), 100)), 0)
        }
        guard status == 0, let buffer else {
            throw ImageError(file: "<jpeg>", kind: .corrupt, reason: "JPEG encode failed: \(String(cString: tjGetErrorStr2(handle)))")
        }
        return Data(bytes: buffer, count: Int(size))
    }

    /// Encodes and writes to `url`.
    public static func write(_ image: RGBImage, quality: Int = 90, to url: URL) throws {
        do { try encode(image, quality: quality).write(to: url, options: .atomic) } catch let error as ImageError {
            throw error
        } catch {
            throw ImageError(file: url.path, kind: .unreadable, reason: "cannot write JPEG (\(error.localizedDescription))")
        }
    }
}
