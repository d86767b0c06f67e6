import Foundation
import Tensor

/// Reads and writes the safetensors format: an 8-byte little-endian header length,
/// a JSON header `{name: {dtype, shape, data_offsets}, "__metadata__": {…}}`, then raw data.
///
/// F32, F16, BF16, F64 and integer tensors are read (converted to Float); F32 is written.
public enum SafeTensors {
    public struct File {
        public var tensors: [String: Tensor]
        public var metadata: [String: String]
    }

    /// `requireFinite`: weights must be numbers (a NaN weight poisons every output); off only for files that keep
    /// other bit patterns in float tensors (the text-embedding cache stores 64-bit hashes there).
    public static func read(_ url: URL, requireFinite: Bool = true) throws -> File {
        let data: Data
        do { data = try Data(contentsOf: url, options: .mappedIfSafe) }
        catch { throw WeightsError(file: url.path, reason: "cannot read: \(error.localizedDescription)") }
        return try read(data, name: url.path, requireFinite: requireFinite)
    }

    public static func read(_ data: Data, name: String = "<memory>", requireFinite: Bool = true) throws -> File {
        func fail(_ reason: String) -> WeightsError { WeightsError(file: name, reason: reason) }
        guard data.count >= 8 else { throw fail("too short for a safetensors header (\(data.count) bytes)") }
        let headerLength = data.withUnsafeBytes { raw -> UInt64 in
            raw.loadUnaligned(fromByteOffset: 0, as: UInt64.self).littleEndian
        }
        guard headerLength <= UInt64(data.count - 8), headerLength < 100_000_000 else {
            throw fail("header length \(headerLength) exceeds the file size \(data.count); truncated or not safetensors")
        }
        let headerData = data.subdata(in: 8..<(8 + Int(headerLength)))
        guard let header = (try? JSONSerialization.jsonObject(with: headerData)) as? [String: Any] else {
            throw fail("header is not a JSON object")
        }
        let payloadStart = 8 + Int(headerLength)
        let payloadCount = data.count - payloadStart
        var tensors: [String: Tensor] = [:]
        var metadata: [String: String] = [:]
        for (key, value) in header {
            if key == "__metadata__" {
                for (mk, mv) in (value as? [String: Any]) ?? [:] { metadata[mk] = "\(mv)" }
                continue
            }
            guard let entry = value as? [String: Any],
                  let dtype = entry["dtype"] as? String,
                  let rawShape = entry["shape"] as? [Any], let shape = Optional(rawShape.compactMap({ ($0 as? NSNumber)?.intValue })),
                  shape.count == rawShape.count,
                  let offsets = (entry["data_offsets"] as? [Any])?.compactMap({ ($0 as? NSNumber)?.intValue }),
                  offsets.count == 2 else { throw fail("tensor '\(key)': malformed header entry") }
            let (begin, end) = (offsets[0], offsets[1])
            guard begin >= 0, begin <= end, end <= payloadCount else {
                throw fail("tensor '\(key)': data [\(begin), \(end)) lies outside the \(payloadCount)-byte payload; file truncated?")
            }
            guard let width = byteWidth(dtype) else { throw fail("tensor '\(key)': unsupported dtype \(dtype)") }
            // A hostile header can name dimensions whose product overflows (and traps) or is negative.
            guard let elements = elementCount(shape), case (let bytes, false) = elements.multipliedReportingOverflow(by: width),
                  end - begin == bytes else {
                throw fail("tensor '\(key)': \(end - begin) bytes for shape \(shape) of \(dtype)")
            }
            let values = data.withUnsafeBytes { raw in
                decode(UnsafeRawBufferPointer(rebasing: raw[(payloadStart + begin)..<(payloadStart + end)]),
                       dtype: dtype, count: elements)
            }
            // A NaN or infinite weight poisons every output downstream (an index of NaN vectors finds nothing).
            if requireFinite, let bad = values.firstIndex(where: { !$0.isFinite }) {
                throw fail("tensor '\(key)': non-finite value \(values[bad]) at element \(bad); the weights are damaged")
            }
            tensors[key] = Tensor(shape: shape, data: values)
        }
        return File(tensors: tensors, metadata: metadata)
    }

    /// The product of non-negative dimensions, nil when one is negative or the product overflows.
    static func elementCount(_ shape: [Int]) -> Int? {
        var product = 1
        for dimension in shape {
            guard dimension >= 0 else { return nil }
            let (next, overflow) = product.multipliedReportingOverflow(by: dimension)
            guard !overflow else { return nil }
            product = next
        }
        return product
    }

    /// Writes F32 tensors atomically (temporary file, then rename), names sorted for reproducible bytes.
    public static func write(_ tensors: [String: Tensor], metadata: [String: String] = [:], to url: URL) throws {
        var header: [String: Any] = [:]
        if !metadata.isEmpty { header["__metadata__"] = metadata }
        var offset = 0
        let names = tensors.keys.sorted()
        for name in names {
            let t = tensors[name]!
            header[name] = ["dtype": "F32", "shape": t.shape, "data_offsets": [offset, offset + t.count * 4]]
            offset += t.count * 4
        }
        var headerData = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        while (headerData.count + 8) % 8 != 0 { headerData.append(0x20) }  // align payload to 8 bytes
        var out = Data(capacity: 8 + headerData.count + offset)
        var length = UInt64(headerData.count).littleEndian
        withUnsafeBytes(of: &length) { out.append(contentsOf: $0) }
        out.append(headerData)
        for name in names {
            tensors[name]!.data.withUnsafeBufferPointer { out.append(UnsafeBufferPointer(start: $0.baseAddress, count: $0.count)) }
        }
        do { try out.write(to: url, options: .atomic) }
        catch { throw WeightsError(file: url.path, reason: "cannot write: \(error.localizedDescription)") }
    }

    private static func byteWidth(_ dtype: String) -> Int? {
        switch dtype {
        case "F32", "I32", "U32": return 4
        case "F16", "BF16", "I16", "U16": return 2
        case "F64", "I64", "U64": return 8
        case "I8", "U8", "BOOL": return 1
        default: return nil
        }
    }

    private static func decode(_ raw: UnsafeRawBufferPointer, dtype: String, count: Int) -> [Float] {
        var out = [Float](repeating: 0, count: count)
        for i in 0..<count {
            switch dtype {
            case "F32": out[i] = Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)))
            case "F16": out[i] = Float(Float16(bitPattern: UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))))
            case "BF16": out[i] = Float(bitPattern: UInt32(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))) << 16)
            case "F64": out[i] = Float(Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self))))
            case "I64": out[i] = Float(Int64(littleEndian: raw.loadUnaligned(fromByteOffset: 8 * i, as: Int64.self)))
            case "U64": out[i] = Float(UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self)))
            case "I32": out[i] = Float(Int32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * i, as: Int32.self)))
            case "U32": out[i] = Float(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)))
            case "I16": out[i] = Float(Int16(littleEndian: raw.loadUnaligned(fromByteOffset: 2 * i, as: Int16.self)))
            case "U16": out[i] = Float(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)))
            case "I8": out[i] = Float(raw.load(fromByteOffset: i, as: Int8.self))
            default: out[i] = Float(raw.load(fromByteOffset: i, as: UInt8.self))
            }
        }
        return out
    }
}
