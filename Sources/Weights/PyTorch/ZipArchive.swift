import CZlib
import Foundation

/// Just enough of the ZIP format to read PyTorch's zip checkpoints: the central directory,
/// stored and deflated entries. Every offset is bounds-checked against the file.
struct ZipArchive {
    struct Entry { var name: String; var method: Int; var crc32: UInt32; var compressedSize: Int; var size: Int; var headerOffset: Int }

    let bytes: [UInt8]
    let name: String
    private(set) var entries: [String: Entry] = [:]
    private(set) var order: [String] = []

    static func isZip(_ bytes: [UInt8]) -> Bool { bytes.starts(with: [0x50, 0x4B, 0x03, 0x04]) }

    init(bytes: [UInt8], name: String) throws {
        self.bytes = bytes; self.name = name
        // The end-of-central-directory record sits in the last 22 + 65535 bytes.
        let searchStart = max(0, bytes.count - 22 - 65_535)
        guard bytes.count >= 22,
              let eocd = stride(from: bytes.count - 22, through: searchStart, by: -1).first(where: { u32($0) == 0x0605_4B50 })
        else { throw fail("zip end-of-directory record not found; file truncated?") }
        let count = u16(eocd + 10), directoryOffset = u32(eocd + 16)
        guard count != 0xFFFF, directoryOffset != 0xFFFF_FFFF else { throw fail("ZIP64 archives are not supported") }
        var cursor = directoryOffset
        for _ in 0..<count {
            guard cursor + 46 <= bytes.count, u32(cursor) == 0x0201_4B50 else { throw fail("corrupt zip central directory at byte \(cursor)") }
            let nameLength = u16(cursor + 28), extraLength = u16(cursor + 30), commentLength = u16(cursor + 32)
            guard cursor + 46 + nameLength <= bytes.count else { throw fail("zip entry name runs past the end") }
            let entryName = String(decoding: bytes[(cursor + 46)..<(cursor + 46 + nameLength)], as: UTF8.self)
            entries[entryName] = Entry(name: entryName, method: u16(cursor + 10), crc32: UInt32(u32(cursor + 16)), compressedSize: u32(cursor + 20),
                                       size: u32(cursor + 24), headerOffset: u32(cursor + 42))
            order.append(entryName)
            cursor += 46 + nameLength + extraLength + commentLength
        }
    }

    /// The uncompressed bytes of one entry, checked against the CRC-32 the directory records.
    func contents(of entryName: String) throws -> [UInt8] {
        guard let entry = entries[entryName] else { throw fail("zip entry '\(entryName)' is missing") }
        let header = entry.headerOffset
        guard header + 30 <= bytes.count, u32(header) == 0x0403_4B50 else { throw fail("corrupt local header of '\(entryName)'") }
        let start = header + 30 + u16(header + 26) + u16(header + 28)
        guard start + entry.compressedSize <= bytes.count else { throw fail("zip entry '\(entryName)' runs past the end; file truncated?") }
        let raw = Array(bytes[start..<(start + entry.compressedSize)])
        let contents: [UInt8]
        switch entry.method {
        case 0: contents = raw
        case 8:
            // Deflate expands at most ~1032×: a larger declared size is a lie that would only reserve memory.
            guard entry.size <= entry.compressedSize * 1032 + 1024 else {
                throw fail("zip entry '\(entryName)' claims \(entry.size) bytes from \(entry.compressedSize) compressed ones")
            }
            contents = try inflate(raw, expected: entry.size, entryName: entryName)
        default: throw fail("zip entry '\(entryName)' uses unsupported compression method \(entry.method)")
        }
        let crc = contents.withUnsafeBufferPointer { UInt32(crc32_z(0, $0.baseAddress, $0.count)) }
        guard crc == entry.crc32 else {
            throw fail("zip entry '\(entryName)' is damaged: CRC-32 \(String(crc, radix: 16)), the directory records \(String(entry.crc32, radix: 16))")
        }
        return contents
    }

    // MARK: Helpers

    private func fail(_ reason: String) -> WeightsError { WeightsError(file: name, reason: reason) }
    private func u16(_ at: Int) -> Int { Int(bytes[at]) | Int(bytes[at + 1]) << 8 }
    private func u32(_ at: Int) -> Int { u16(at) | u16(at + 2) << 16 }

    private func inflate(_ input: [UInt8], expected: Int, entryName: String) throws -> [UInt8] {
        var output = [UInt8](repeating: 0, count: expected)
        var stream = z_stream()
        guard inflateInit2_(&stream, -MAX_WBITS, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw fail("zlib initialisation failed")
        }
        defer { inflateEnd(&stream) }
        var input = input
        let status = input.withUnsafeMutableBufferPointer { inBuffer in
            output.withUnsafeMutableBufferPointer { outBuffer -> Int32 in
                stream.next_in = inBuffer.baseAddress; stream.avail_in = UInt32(inBuffer.count)
                stream.next_out = outBuffer.baseAddress; stream.avail_out = UInt32(outBuffer.count)
                return CZlib.inflate(&stream, Z_FINISH)
            }
        }
        guard status == Z_STREAM_END, Int(stream.total_out) == expected else {
            throw fail("zip entry '\(entryName)' does not inflate to \(expected) bytes (zlib status \(status))")
        }
        return output
    }
}
