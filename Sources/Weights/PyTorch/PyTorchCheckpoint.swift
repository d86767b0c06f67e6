import Foundation
import Tensor

/// A PyTorch checkpoint (`torch.save(model.state_dict(), …)`) read without Python.
///
/// Both on-disk formats are understood:
/// - legacy (torch < 1.6): five pickles back to back — magic number, protocol, sys info,
///   the state dict, the list of storage keys — then each storage as an int64 element count
///   followed by its raw little-endian bytes;
/// - zip (torch ≥ 1.6): `<archive>/data.pkl` plus one `<archive>/data/<key>` entry per storage.
///
/// Tensors may view their storage with an offset and arbitrary strides; they are materialised
/// as contiguous row-major float32 (float16/64, bfloat16 and integer storages are converted).
public struct PyTorchCheckpoint {
    /// Tensor names in the order the checkpoint lists them.
    public var names: [String]
    public var tensors: [String: Tensor]

    public init(names: [String], tensors: [String: Tensor]) { self.names = names; self.tensors = tensors }

    /// The tensors of the checkpoint at `url`, by name.
    public static func read(_ url: URL) throws -> [String: Tensor] { try load(url).tensors }

    /// The checkpoint at `url`, keeping the original name order.
    public static func load(_ url: URL) throws -> PyTorchCheckpoint {
        let data: Data
        do { data = try Data(contentsOf: url, options: .mappedIfSafe) }
        catch { throw WeightsError(file: url.path, reason: "cannot read: \(error.localizedDescription)") }
        return try load([UInt8](data), name: url.path)
    }

    /// A checkpoint held in memory; `name` appears in errors.
    public static func load(_ bytes: [UInt8], name: String) throws -> PyTorchCheckpoint {
        guard !bytes.isEmpty else { throw WeightsError(file: name, reason: "empty file") }
        return ZipArchive.isZip(bytes) ? try loadZip(bytes, name: name) : try loadLegacy(bytes, name: name)
    }

    // MARK: Legacy format

    /// 0x1950a86a20f9469cfc6c little-endian: wider than Int, so it is compared as bytes.
    static let legacyMagicBytes: [UInt8] = [0x6C, 0xFC, 0x9C, 0x46, 0xF9, 0x20, 0x6A, 0xA8, 0x50, 0x19]

    private static func loadLegacy(_ bytes: [UInt8], name: String) throws -> PyTorchCheckpoint {
        // The magic number is a 10-byte LONG1 right after PROTO 2: check its bytes directly.
        guard bytes.count >= 15, bytes[0] == 0x80, bytes[2] == 0x8A, bytes[3] == 10,
              Array(bytes[4..<14]) == legacyMagicBytes, bytes[14] == 0x2E else {
            throw WeightsError(file: name, reason: "not a PyTorch checkpoint (no zip signature and wrong legacy magic number)")
        }
        var references: [String: TensorReference] = [:]
        var machine = PickleMachine(bytes: bytes, name: name, position: 15) { pid in try storage(from: pid, name: name) }
        guard try machine.load().asInt == 1001 else {
            throw WeightsError(file: name, reason: "unsupported legacy protocol version (expected 1001)")
        }
        _ = try machine.load()                                  // sys_info: endianness and type sizes
        let root = try machine.load()
        guard let storageKeys = try machine.load().asTuple?.compactMap(\.asString) else {
            throw WeightsError(file: name, reason: "storage key list is missing or malformed")
        }
        let stateDict = try tensorEntries(root, name: name)
        for (_, reference) in stateDict { references[reference.storageKey] = reference }

        // Storages follow in the order of `storageKeys`, each an int64 count then its bytes.
        var storages: [String: ArraySlice<UInt8>] = [:]
        var cursor = machine.position
        for key in storageKeys {
            guard cursor + 8 <= bytes.count else {
                throw WeightsError(file: name, reason: "truncated before storage '\(key)' (byte \(cursor) of \(bytes.count))")
            }
            var count = 0
            for i in 0..<8 { count |= Int(bytes[cursor + i]) << (8 * i) }
            cursor += 8
            let width = references[key]?.storageType.byteWidth ?? 4
            guard count >= 0, count <= (bytes.count - cursor) / width else {
                throw WeightsError(file: name, reason: "storage '\(key)' needs \(count) elements but the file ends at byte \(bytes.count); truncated?")
            }
            storages[key] = bytes[cursor..<(cursor + count * width)]
            cursor += count * width
        }
        return try materialise(stateDict, storages: storages, name: name)
    }

    // MARK: Zip format

    private static func loadZip(_ bytes: [UInt8], name: String) throws -> PyTorchCheckpoint {
        let archive = try ZipArchive(bytes: bytes, name: name)
        guard let pickleEntry = archive.order.first(where: { $0 == "data.pkl" || $0.hasSuffix("/data.pkl") }) else {
            throw WeightsError(file: name, reason: "zip archive has no data.pkl; not a PyTorch checkpoint")
        }
        let prefix = String(pickleEntry.dropLast("data.pkl".count))
        var machine = PickleMachine(bytes: try archive.contents(of: pickleEntry), name: "\(name) (\(pickleEntry))") { pid in
            try storage(from: pid, name: name)
        }
        let stateDict = try tensorEntries(try machine.load(), name: name)
        var storages: [String: ArraySlice<UInt8>] = [:]
        for (_, reference) in stateDict where storages[reference.storageKey] == nil {
            storages[reference.storageKey] = ArraySlice(try archive.contents(of: prefix + "data/" + reference.storageKey))
        }
        return try materialise(stateDict, storages: storages, name: name)
    }

    // MARK: Shared steps

    /// `('storage', torch.FloatStorage, key, location, numel[, view])` → a storage object.
    private static func storage(from pid: [PickleValue], name: String) throws -> PickleValue {
        guard pid.count >= 5, pid[0].asString == "storage", case .global(_, let className) = pid[1],
              let key = pid[2].asString ?? pid[2].asInt.map(String.init), let count = pid[4].asInt
        else { throw WeightsError(file: name, reason: "malformed persistent id \(PickleValue.tuple(PickleTuple(pid)))") }
        guard let type = StorageType(rawValue: className) else {
            throw WeightsError(file: name, reason: "unsupported storage type \(className)")
        }
        if pid.count > 5, case .tuple = pid[5] {
            throw WeightsError(file: name, reason: "storage views (shared sub-storages) are not supported")
        }
        return .object(.storage(key: key, type: type, count: count))
    }

    /// The (name, tensor) entries of a state dict, in order; a `{"state_dict": …}` wrapper is unwrapped.
    private static func tensorEntries(_ root: PickleValue, name: String) throws -> [(String, TensorReference)] {
        guard case .dict(let dict) = root else {
            throw WeightsError(file: name, reason: "top-level object is \(root), not a state dict")
        }
        var result: [(String, TensorReference)] = []
        for (key, value) in dict.entries {
            if case .object(.tensor(let reference)) = value, let key = key.asString { result.append((key, reference)) }
        }
        if result.isEmpty {
            for wrapper in ["state_dict", "model", "model_state_dict"] {
                if let inner = dict.entries.first(where: { $0.key.asString == wrapper })?.value, case .dict = inner {
                    return try tensorEntries(inner, name: name)
                }
            }
            throw WeightsError(file: name, reason: "the checkpoint holds no tensors")
        }
        return result
    }

    private static func materialise(_ entries: [(String, TensorReference)], storages: [String: ArraySlice<UInt8>],
                                    name: String) throws -> PyTorchCheckpoint {
        var checkpoint = PyTorchCheckpoint(names: [], tensors: [:])
        for (key, reference) in entries {
            guard let raw = storages[reference.storageKey] else {
                throw WeightsError(file: name, reason: "tensor '\(key)': storage '\(reference.storageKey)' is missing")
            }
            let tensor = try StridedGather.contiguous(reference, raw: raw)
                .mapError { WeightsError(file: name, reason: "tensor '\(key)': \($0)") }.get()
            if let bad = tensor.data.firstIndex(where: { !$0.isFinite }) {
                throw WeightsError(file: name, reason: "tensor '\(key)': non-finite value \(tensor.data[bad]) at element \(bad); the weights are damaged")
            }
            if checkpoint.tensors.updateValue(tensor, forKey: key) == nil { checkpoint.names.append(key) }
        }
        return checkpoint
    }
}
