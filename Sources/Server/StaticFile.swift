import Foundation
import Hummingbird

// MARK: - Files on disk (item images, the plot)

/// Serves one file chosen by the server (never a path taken from the request), with its
/// media type, a validator (ETag from size and modification time) and cache headers.
enum StaticFile {
    static let fileIO = FileIO()

    static func response(for file: URL, request: Request, context: some RequestContext,
                         cacheControl: String) async throws -> Response {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: file.path),
              let size = attributes[.size] as? Int else {
            throw APIError.notFound("file of this resource is missing on the server")
        }
        let modified = (attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
        let etag = "\"\(String(size, radix: 16))-\(String(Int(modified * 1000), radix: 16))\""
        var headers: HTTPFields = [.eTag: etag, .cacheControl: cacheControl]
        if request.headers[.ifNoneMatch] == etag {
            return Response(status: .notModified, headers: headers)
        }
        headers[.contentType] = mediaType(of: file)
        headers[.contentLength] = String(size)
        let body = try await fileIO.loadFile(path: file.path, context: context)
        return Response(status: .ok, headers: headers, body: body)
    }

    /// The media type from the file's magic number, else its extension (SVG has no magic number).
    static func mediaType(of file: URL) -> String {
        if let handle = try? FileHandle(forReadingFrom: file) {
            defer { try? handle.close() }
            if let head = try? handle.read(upToCount: 12), let format = ImageFormat.sniff(head) { return format.rawValue }
        }
        return MediaType.getMediaType(forExtension: file.pathExtension.lowercased())?.description ?? "application/octet-stream"
    }
}
