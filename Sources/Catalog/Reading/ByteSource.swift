import CZlib
import Foundation

// MARK: - Byte sources

/// A forward-only stream of bytes, read in chunks so that multi-gigabyte catalogs never sit in memory whole.
protocol ByteSource: AnyObject {
    /// The next chunk; empty at the end of the stream.
    func read() throws -> Data
}

/// Chunks of a file, as they are on disk.
final class FileByteSource: ByteSource {
    private let handle: FileHandle
    private let chunkSize: Int

    init(url: URL, chunkSize: Int = 1 << 20) throws {
        do {
            handle = try FileHandle(forReadingFrom: url)
        } catch {
            throw CatalogError(file: url.path, reason: "cannot open: \(error.localizedDescription)")
        }
        self.chunkSize = chunkSize
    }

    deinit { try? handle.close() }

    func read() throws -> Data { try handle.read(upToCount: chunkSize) ?? Data() }
}

/// Inflates a gzip stream (zlib with the gzip wrapper: `inflateInit2` with 16 + MAX_WBITS) chunk by chunk.
/// Concatenated gzip members (as `cat a.gz b.gz` produces) are read one after the other.
final class GzipByteSource: ByteSource {
    private let input: ByteSource
    private let name: String
    private var stream = z_stream()
    private var pending = Data()
    private var pendingOffset = 0
    private var finished = false
    private var initialised = false

    init(_ input: ByteSource, name: String) throws {
        self.input = input
        self.name = name
        guard inflateInit2_(&stream, 16 + MAX_WBITS, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw CatalogError(file: name, reason: "zlib could not start inflating")
        }
        initialised = true
    }

    deinit { if initialised { inflateEnd(&stream) } }

    func read() throws -> Data {
        var output = Data()
        let outputChunk = 1 << 18
        var buffer = [UInt8](repeating: 0, count: outputChunk)
        while output.isEmpty && !finished {
            if pendingOffset >= pending.count {
                pending = try input.read()
                pendingOffset = 0
                if pending.isEmpty {
                    // Input ended: fine between members, truncated inside one.
                    if stream.total_in > 0 { throw CatalogError(file: name, reason: "gzip stream is truncated") }
                    finished = true
                    break
                }
            }
            let available = pending.count - pendingOffset, offset = pendingOffset
            let status: Int32 = pending.withUnsafeBytes { raw in
                buffer.withUnsafeMutableBufferPointer { out in
                    // zlib never writes through next_in; its type is mutable only for old C APIs.
                    stream.next_in = UnsafeMutablePointer(mutating: raw.bindMemory(to: Bytef.self).baseAddress! + offset)
                    stream.avail_in = uInt(available)
                    stream.next_out = out.baseAddress
                    stream.avail_out = uInt(outputChunk)
                    return inflate(&stream, Z_NO_FLUSH)
                }
            }
            pendingOffset += available - Int(stream.avail_in)
            let produced = outputChunk - Int(stream.avail_out)
            output.append(contentsOf: buffer[0..<produced])
            switch status {
            case Z_OK, Z_BUF_ERROR:
                continue
            case Z_STREAM_END:
                inflateReset(&stream)  // ready for a following member; total_in is 0 again
            default:
                let message = stream.msg.map { String(cString: $0) } ?? "status \(status)"
                throw CatalogError(file: name, reason: "corrupt gzip data: \(message)")
            }
        }
        return output
    }
}

// MARK: - Lines

/// Splits a byte stream into lines (LF or CRLF), counting them from 1. Lines stay bytes: decoding them
/// is the caller's business, so that one bad line can be reported without losing the others. A UTF-8
/// byte-order mark at the start of the file (what spreadsheets save) is dropped, so it never sticks to the
/// first column's name.
final class LineReader {
    private let source: ByteSource
    private var buffer = Data()
    private var start = 0
    private var atEnd = false
    fileprivate(set) var lineNumber = 0

    init(_ source: ByteSource) { self.source = source }

    /// Opens a file, inflating it when its name ends in `.gz` or its content starts with the gzip magic.
    static func open(_ url: URL) throws -> LineReader {
        LineReader(try openBytes(url))
    }

    static func openBytes(_ url: URL) throws -> ByteSource {
        let file = try FileByteSource(url: url)
        return isGzip(url) ? try GzipByteSource(file, name: url.path) : file
    }

    static func isGzip(_ url: URL) -> Bool {
        if url.pathExtension.lowercased() == "gz" { return true }
        guard let handle = try? FileHandle(forReadingFrom: url) else { return false }
        defer { try? handle.close() }
        let magic = (try? handle.read(upToCount: 2)) ?? Data()
        return magic == Data([0x1F, 0x8B])
    }

    /// The next line without its terminator, or nil at the end.
    func next() throws -> Data? {
        while true {
            if let newline = buffer[start...].firstIndex(of: 0x0A) {
                var end = newline
                if end > start && buffer[end - 1] == 0x0D { end -= 1 }
                let line = buffer.subdata(in: start..<end)
                start = newline + 1
                return withoutByteOrderMark(line)
            }
            if atEnd {
                guard start < buffer.count else { return nil }
                let line = buffer.subdata(in: start..<buffer.count)
                start = buffer.count
                return withoutByteOrderMark(line)
            }
            let chunk = try source.read()
            if chunk.isEmpty { atEnd = true }
            buffer.removeSubrange(0..<start)
            start = 0
            buffer.append(chunk)
        }
    }
}

extension LineReader {
    /// Counts the line; the first loses a leading byte-order mark.
    fileprivate func withoutByteOrderMark(_ line: Data) -> Data {
        lineNumber += 1
        return lineNumber == 1 && line.starts(with: [0xEF, 0xBB, 0xBF]) ? Data(line.dropFirst(3)) : line
    }
}

extension Data {
    /// The bytes as a String if they are valid UTF-8 (a leading byte-order mark is dropped).
    var validUTF8: String? {
        var bytes = self[...]
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes = bytes.dropFirst(3) }
        return String(validating: bytes, as: UTF8.self)
    }
}
