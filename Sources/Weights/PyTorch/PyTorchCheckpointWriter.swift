import Foundation
import Tensor

// MARK: Writing the legacy PyTorch format

extension PyTorchCheckpoint {
    /// Writes float32 tensors as a legacy-format checkpoint that `torch.load` (and `load`) read back:
    /// magic number, protocol, sys info, an OrderedDict of `_rebuild_tensor_v2` calls, storage keys, raw storages.
    public static func write(names: [String], tensors: [String: Tensor], to url: URL) throws {
        var out = LegacyPickle()
        out.pickle { $0.append(contentsOf: [0x8A, 10] + legacyMagicBytes) }
        out.pickle { $0.int(1001) }
        out.pickle { p in
            p.append(0x7D); p.append(0x28)                                     // EMPTY_DICT, MARK
            p.string("protocol_version"); p.int(1001)
            p.string("little_endian"); p.append(0x88)                          // NEWTRUE
            p.string("type_sizes"); p.append(0x7D); p.append(0x28)
            for (name, size) in [("short", 2), ("int", 4), ("long", 4)] { p.string(name); p.int(size) }
            p.append(0x75); p.append(0x75)                                     // SETITEMS ×2
        }
        out.pickle { p in
            p.global("collections", "OrderedDict"); p.append(0x29); p.append(0x52)  // OrderedDict()
            p.append(0x28)
            for (index, name) in names.enumerated() {
                guard let tensor = tensors[name] else { continue }
                p.string(name)
                p.global("torch._utils", "_rebuild_tensor_v2")
                p.append(0x28)
                p.append(0x28); p.string("storage"); p.global("torch", "FloatStorage")     // persistent id tuple
                p.string(String(index)); p.string("cpu"); p.int(tensor.count); p.append(0x4E); p.append(0x74)
                p.append(0x51)                                                             // BINPERSID
                p.int(0)                                                                   // storage offset
                p.append(0x28); tensor.shape.forEach { p.int($0) }; p.append(0x74)
                p.append(0x28); contiguousStrides(tensor.shape).forEach { p.int($0) }; p.append(0x74)
                p.append(0x89)                                                             // requires_grad False
                p.global("collections", "OrderedDict"); p.append(0x29); p.append(0x52)    // backward hooks
                p.append(0x74); p.append(0x52)                                             // TUPLE, REDUCE
            }
            p.append(0x75)                                                                 // SETITEMS
        }
        let written = names.filter { tensors[$0] != nil }
        out.pickle { p in
            p.append(0x5D); p.append(0x28)                                                 // EMPTY_LIST, MARK
            for name in written { p.string(String(names.firstIndex(of: name)!)) }
            p.append(0x65)                                                                 // APPENDS
        }
        for name in written {
            let tensor = tensors[name]!
            out.bytes.append(contentsOf: withUnsafeBytes(of: Int64(tensor.count).littleEndian, Array.init))
            tensor.data.withUnsafeBytes { out.bytes.append(contentsOf: $0) }
        }
        do { try Data(out.bytes).write(to: url, options: .atomic) }
        catch { throw WeightsError(file: url.path, reason: "cannot write: \(error.localizedDescription)") }
    }

    private static func contiguousStrides(_ shape: [Int]) -> [Int] {
        var strides = [Int](repeating: 1, count: shape.count)
        for i in stride(from: shape.count - 2, through: 0, by: -1) { strides[i] = strides[i + 1] * shape[i + 1] }
        return strides
    }
}

/// Emits protocol-2 pickle opcodes.
private struct LegacyPickle {
    var bytes: [UInt8] = []

    /// One complete pickle: PROTO 2, the body, STOP.
    mutating func pickle(_ body: (inout LegacyPickle) -> Void) {
        append(0x80); append(2)
        body(&self)
        append(0x2E)
    }

    mutating func append(_ byte: UInt8) { bytes.append(byte) }
    mutating func append(contentsOf more: [UInt8]) { bytes.append(contentsOf: more) }

    mutating func int(_ value: Int) {                         // BININT (int32)
        append(0x4A)
        bytes.append(contentsOf: withUnsafeBytes(of: Int32(value).littleEndian, Array.init))
    }

    mutating func string(_ value: String) {                   // BINUNICODE
        let utf8 = Array(value.utf8)
        append(0x58)
        bytes.append(contentsOf: withUnsafeBytes(of: UInt32(utf8.count).littleEndian, Array.init))
        bytes.append(contentsOf: utf8)
    }

    mutating func global(_ module: String, _ name: String) {  // GLOBAL
        append(0x63)
        bytes.append(contentsOf: Array("\(module)\n\(name)\n".utf8))
    }
}
