// MARK: Values of the pickle subset that PyTorch state dicts use

/// A value produced by `PickleMachine`. Lists and dicts are reference types because pickle
/// fills them in place after they were memoised (APPEND/SETITEM act on the shared object). Tuples are
/// objects too, so their depth is computed once: memo and DUP share values, and a tuple of two copies
/// of a tuple of two copies… is a graph of 64 levels whose paths number 2^64.
indirect enum PickleValue: CustomStringConvertible {
    case none
    case bool(Bool)
    case int(Int)
    case float(Double)
    case string(String)
    case bytes([UInt8])
    case tuple(PickleTuple)
    case list(PickleList)
    case dict(PickleDict)
    /// A class or function named by GLOBAL/STACK_GLOBAL, not yet called.
    case global(module: String, name: String)
    /// The result of calling a global the machine knows how to build (see `PickleMachine.reduce`).
    case object(PickleObject)

    public var description: String {
        switch self {
        case .none: return "None"
        case .bool(let b): return b ? "True" : "False"
        case .int(let i): return "\(i)"
        case .float(let d): return "\(d)"
        case .string(let s): return "'\(s)'"
        case .bytes(let b): return "bytes(\(b.count))"
        case .tuple(let t):  // bounded: a shared-tuple graph would print 2^depth elements
            var text = "("
            for (index, item) in t.items.enumerated() {
                if text.utf8.count > 160 { text += ", …"; break }
                text += (index > 0 ? ", " : "") + (item.depth > 2 ? "(…)" : item.description)
            }
            return text + ")"
        case .list(let l): return "list(\(l.items.count))"
        case .dict(let d): return "dict(\(d.entries.count))"
        case .global(let m, let n): return "\(m).\(n)"
        case .object(let o): return "\(o)"
        }
    }

    /// How deeply containers nest in this value (0 for a scalar).
    var depth: Int {
        switch self {
        case .list(let l): return l.depth
        case .dict(let d): return d.depth
        case .tuple(let t): return t.depth
        default: return 0
        }
    }

    var asInt: Int? { if case .int(let i) = self { return i }; if case .bool(let b) = self { return b ? 1 : 0 }; return nil }
    var asString: String? { if case .string(let s) = self { return s }; return nil }
    var asTuple: [PickleValue]? {
        switch self {
        case .tuple(let t): return t.items
        case .list(let l): return l.items
        default: return nil
        }
    }
}

/// An immutable pickled tuple and its nesting depth (1 + its deepest element's).
final class PickleTuple {
    let items: [PickleValue]
    let depth: Int
    init(_ items: [PickleValue]) {
        self.items = items
        depth = 1 + (items.lazy.map(\.depth).max() ?? 0)
    }
}

/// A mutable pickled list. `depth` is its nesting (1 + its deepest element's); once nested in another value it
/// is `sealed`, so that depth stays true (see `PickleMachine.nest`).
final class PickleList {
    var items: [PickleValue]
    var depth = 1
    var sealed = false
    init(_ items: [PickleValue] = []) { self.items = items }
}

/// A mutable pickled dict that remembers insertion order (state dicts are OrderedDicts).
final class PickleDict {
    var entries: [(key: PickleValue, value: PickleValue)] = []
    var depth = 1
    var sealed = false
    init() {}
}

/// Objects the machine constructs from whitelisted globals.
enum PickleObject: CustomStringConvertible {
    /// `torch.FloatStorage` etc. loaded by persistent id: (storage key, element type, element count).
    case storage(key: String, type: StorageType, count: Int)
    /// `torch._utils._rebuild_tensor_v2(storage, offset, size, stride, …)`.
    case tensor(TensorReference)

    public var description: String {
        switch self {
        case .storage(let key, let type, let count): return "storage(\(key), \(type), \(count))"
        case .tensor(let t): return "tensor(\(t.shape))"
        }
    }
}

/// Element types of PyTorch storages that we convert to Float.
enum StorageType: String {
    case float32 = "FloatStorage", float16 = "HalfStorage", float64 = "DoubleStorage"
    case bfloat16 = "BFloat16Storage", int64 = "LongStorage", int32 = "IntStorage"
    case int16 = "ShortStorage", int8 = "CharStorage", uint8 = "ByteStorage", bool = "BoolStorage"

    var byteWidth: Int {
        switch self {
        case .float64, .int64: return 8
        case .float32, .int32: return 4
        case .float16, .bfloat16, .int16: return 2
        case .int8, .uint8, .bool: return 1
        }
    }
}

/// A view into a storage: the tensor's elements are `storage[offset + Σ index[i]·stride[i]]`.
struct TensorReference {
    var storageKey: String
    var storageType: StorageType
    var storageCount: Int
    var offset: Int
    var shape: [Int]
    var strides: [Int]
}
