import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
#if canImport(Glibc)
import Glibc
#endif

// MARK: - Files on disk (item images, the plot)

/// Serves one file chosen by the server (never a path taken from the request), with its
/// media type, a validator (ETag from size and modification time) and cache headers.
///
/// Everything is read through one descriptor opened without blocking: a FIFO, device or directory put
/// where an image was is refused instead of freezing the server, and size and bytes come from the file
/// itself (a symlink is followed to its target, never measured as the link).
enum StaticFile {
    /// Larger files are not served (the decoder refuses images over 100 megapixels anyway).
    static let maximumBytes = 256 << 20

    /// What the file must contain: an image (JPEG/PNG/WebP by magic number) or anything (the plot, an SVG).
    enum Content { case image, anyType }

    static func response(for file: URL, request: Request, context: some RequestContext,
                         cacheControl: String, content: Content) async throws -> Response {
        let loaded: Loaded
        do {
            loaded = try load(file)
        } catch let refusal as Refusal {
            context.logger.warning("file not served", metadata: ["path": "\(file.path)", "reason": "\(refusal.reason)"])
            throw APIError.notFound("the file of this resource is not available")
        }
        let sniffed = ImageFormat.sniff(loaded.bytes)
        if content == .image && sniffed == nil {
            context.logger.warning("file not served", metadata: ["path": "\(file.path)", "reason": "not a JPEG, PNG or WebP image"])
            throw APIError.notFound("the file of this resource is not available")
        }
        let etag = "\"\(String(loaded.bytes.count, radix: 16))-\(String(loaded.modifiedMilliseconds, radix: 16))\""
        var headers: HTTPFields = [.eTag: etag, .cacheControl: cacheControl]
        if request.headers[.ifNoneMatch] == etag {
            return Response(status: .notModified, headers: headers)
        }
        headers[.contentType] = sniffed?.rawValue
            ?? MediaType.getMediaType(forExtension: file.pathExtension.lowercased())?.description ?? "application/octet-stream"
        headers[.contentLength] = String(loaded.bytes.count)
        headers[.xContentTypeOptions] = "nosniff"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: loaded.bytes)))
    }

    struct Loaded {
        var bytes: Data
        var modifiedMilliseconds: Int
    }

    struct Refusal: Error { var reason: String }

    /// The bytes of a regular file, read through one descriptor (no race between the check and the read).
    static func load(_ file: URL) throws -> Loaded {
        let descriptor = open(file.path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard descriptor >= 0 else { throw Refusal(reason: "cannot open: \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw Refusal(reason: "cannot stat: \(String(cString: strerror(errno)))") }
        guard info.st_mode & S_IFMT == S_IFREG else { throw Refusal(reason: "not a regular file (mode \(String(info.st_mode, radix: 8)))") }
        let size = Int(info.st_size)
        guard size <= maximumBytes else { throw Refusal(reason: "\(size) bytes, over the \(maximumBytes)-byte limit") }
        var bytes = Data(count: size)
        var done = 0
        try bytes.withUnsafeMutableBytes { raw in
            while done < size {
                let n = read(descriptor, raw.baseAddress! + done, size - done)
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { throw Refusal(reason: "ends at byte \(done) of \(size)") }
                done += n
            }
        }
        let modified = Int(info.st_mtim.tv_sec) * 1000 + Int(info.st_mtim.tv_nsec) / 1_000_000
        return Loaded(bytes: bytes, modifiedMilliseconds: modified)
    }
}

extension HTTPField.Name {
    static let xContentTypeOptions = HTTPField.Name("X-Content-Type-Options")!
}
