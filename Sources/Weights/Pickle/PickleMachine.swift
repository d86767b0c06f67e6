import Foundation

/// A pickle virtual machine for the subset of protocols 2–5 that PyTorch checkpoints use.
///
/// It never executes code: only a whitelist of globals can be called (`OrderedDict`,
/// `torch._utils._rebuild_tensor_v2`, `_rebuild_parameter`, storage classes); anything else is
/// a `WeightsError` naming the file, the byte offset and the opcode.
struct PickleMachine {
    let bytes: [UInt8]
    let name: String
    /// Byte offset of the next opcode; several pickles can be read back to back.
    var position: Int
    /// Called with the tuple of a BINPERSID opcode; returns the storage it stands for.
    var persistentLoad: ([PickleValue]) throws -> PickleValue

    private var stack: [PickleValue] = []
    private var marks: [Int] = []
    private var memo: [Int: PickleValue] = [:]

    init(bytes: [UInt8], name: String, position: Int = 0,
         persistentLoad: @escaping ([PickleValue]) throws -> PickleValue) {
        self.bytes = bytes; self.name = name; self.position = position; self.persistentLoad = persistentLoad
    }

    func fail(_ reason: String, at offset: Int? = nil) -> WeightsError {
        WeightsError(file: name, reason: "pickle byte \(offset ?? position): \(reason)")
    }

    // MARK: Reading primitives

    private mutating func take(_ count: Int) throws -> ArraySlice<UInt8> {
        guard count >= 0, count <= bytes.count - position else {  // never position + count: it can overflow
            throw fail("unexpected end of data (needed \(count) bytes, \(bytes.count - position) left); file truncated?")
        }
        defer { position += count }
        return bytes[position..<(position + count)]
    }

    private mutating func littleEndian(_ count: Int) throws -> UInt64 {
        var value: UInt64 = 0
        for (i, byte) in try take(count).enumerated() { value |= UInt64(byte) << (8 * UInt64(i)) }
        return value
    }

    private mutating func line() throws -> String {
        guard let end = bytes[position...].firstIndex(of: 0x0A) else { throw fail("unterminated text line; file truncated?") }
        defer { position = end + 1 }
        return String(decoding: bytes[position..<end], as: UTF8.self)
    }

    private mutating func utf8(_ count: Int) throws -> String {
        let slice = try take(count)
        guard let s = String(validating: slice, as: UTF8.self) else { throw fail("invalid UTF-8 in string") }
        return s
    }

    private mutating func pop() throws -> PickleValue {
        guard let top = stack.popLast() else { throw fail("stack underflow") }
        return top
    }

    private mutating func popMark() throws -> [PickleValue] {
        guard let mark = marks.popLast(), mark <= stack.count else { throw fail("no MARK on the stack") }
        defer { stack.removeSubrange(mark...) }
        return Array(stack[mark...])
    }

    private mutating func memoGet(_ index: Int) throws -> PickleValue {
        guard let value = memo[index] else { throw fail("memo entry \(index) was never stored") }
        return value
    }

    // MARK: The machine

    /// Runs opcodes until STOP and returns the pickled object.
    mutating func load() throws -> PickleValue {
        stack.removeAll(); marks.removeAll(); memo.removeAll()
        while true {
            let opcodeOffset = position
            let opcode = try take(1).first!
            switch opcode {
            case 0x80: _ = try take(1)                                          // PROTO
            case 0x95: _ = try take(8)                                          // FRAME
            case 0x2E: return try pop()                                         // STOP
            case 0x28: marks.append(stack.count)                                // MARK
            case 0x4E: stack.append(.none)                                      // NONE
            case 0x88: stack.append(.bool(true))                                // NEWTRUE
            case 0x89: stack.append(.bool(false))                               // NEWFALSE
            case 0x4B: stack.append(.int(Int(try littleEndian(1))))             // BININT1
            case 0x4D: stack.append(.int(Int(try littleEndian(2))))             // BININT2
            case 0x4A: stack.append(.int(Int(Int32(truncatingIfNeeded: try littleEndian(4))))) // BININT
            case 0x8A: stack.append(try long(Int(try littleEndian(1))))         // LONG1
            case 0x8B: stack.append(try long(Int(try littleEndian(4))))         // LONG4
            case 0x47: stack.append(.float(Double(bitPattern: UInt64(bigEndian: try littleEndian(8))))) // BINFLOAT
            case 0x49, 0x4C:                                                    // INT, LONG (text)
                let text = try line().trimmingCharacters(in: CharacterSet(charactersIn: "L"))
                if text == "00" || text == "01" { stack.append(.bool(text == "01")); break }
                guard let value = Int(text) else { throw fail("bad integer literal '\(text)'", at: opcodeOffset) }
                stack.append(.int(value))
            case 0x58: stack.append(.string(try utf8(Int(try littleEndian(4)))))  // BINUNICODE
            case 0x8C: stack.append(.string(try utf8(Int(try littleEndian(1)))))  // SHORT_BINUNICODE
            case 0x8D:                                                          // BINUNICODE8
                let length = try littleEndian(8)
                guard length <= UInt64(bytes.count) else { throw fail("string of \(length) bytes in a \(bytes.count)-byte pickle", at: opcodeOffset) }
                stack.append(.string(try utf8(Int(length))))
            case 0x54: stack.append(.string(try utf8(Int(try littleEndian(4)))))  // BINSTRING (py2 str)
            case 0x55: stack.append(.string(try utf8(Int(try littleEndian(1)))))  // SHORT_BINSTRING
            case 0x42: stack.append(.bytes(Array(try take(Int(try littleEndian(4))))))  // BINBYTES
            case 0x43: stack.append(.bytes(Array(try take(Int(try littleEndian(1))))))  // SHORT_BINBYTES
            case 0x29: stack.append(.tuple(PickleTuple([])))                    // EMPTY_TUPLE
            case 0x74: let items = try popMark(); stack.append(try tuple(items)) // TUPLE
            case 0x85: let a = try pop(); stack.append(try tuple([a]))          // TUPLE1
            case 0x86: let b = try pop(), a = try pop(); stack.append(try tuple([a, b]))  // TUPLE2
            case 0x87: let c = try pop(), b = try pop(), a = try pop(); stack.append(try tuple([a, b, c])) // TUPLE3
            case 0x5D: stack.append(.list(PickleList()))                        // EMPTY_LIST
            case 0x6C: let list = PickleList(); try nest(try popMark(), in: list); stack.append(.list(list))  // LIST
            case 0x7D: stack.append(.dict(PickleDict()))                        // EMPTY_DICT
            case 0x61: let item = try pop(); try appendItems([item])            // APPEND
            case 0x65: try appendItems(try popMark())                           // APPENDS
            case 0x73: let v = try pop(), k = try pop(); try setItems([k, v])   // SETITEM
            case 0x75: try setItems(try popMark())                              // SETITEMS
            case 0x71: memo[Int(try littleEndian(1))] = try top()               // BINPUT
            case 0x72: memo[Int(try littleEndian(4))] = try top()               // LONG_BINPUT
            case 0x94: memo[memo.count] = try top()                             // MEMOIZE
            case 0x68: stack.append(try memoGet(Int(try littleEndian(1))))      // BINGET
            case 0x6A: stack.append(try memoGet(Int(try littleEndian(4))))      // LONG_BINGET
            case 0x63:                                                          // GLOBAL
                let module = try line(), name = try line()
                stack.append(.global(module: module, name: name))
            case 0x93:                                                          // STACK_GLOBAL
                guard let name = try pop().asString, let module = try pop().asString else {
                    throw fail("STACK_GLOBAL needs two strings", at: opcodeOffset)
                }
                stack.append(.global(module: module, name: name))
            case 0x51:                                                          // BINPERSID
                guard let pid = try pop().asTuple else { throw fail("persistent id is not a tuple", at: opcodeOffset) }
                stack.append(try persistentLoad(pid))
            case 0x52, 0x81:                                                    // REDUCE, NEWOBJ
                guard let args = try pop().asTuple else { throw fail("call arguments are not a tuple", at: opcodeOffset) }
                // Popped before `stack.append` starts: popping inside its argument copied the whole stack each time.
                let callable = try pop()
                stack.append(try reduce(callable, args, at: opcodeOffset))
            case 0x62: _ = try pop()                                            // BUILD: state (e.g. _metadata) unused
            case 0x30: _ = try pop()                                            // POP
            case 0x31: _ = try popMark()                                        // POP_MARK
            case 0x32: stack.append(try top())                                  // DUP
            default:
                throw fail(String(format: "unsupported opcode 0x%02X; not a PyTorch checkpoint or corrupt", opcode),
                           at: opcodeOffset)
            }
        }
    }

    private func top() throws -> PickleValue {
        guard let value = stack.last else { throw fail("stack underflow") }
        return value
    }

    /// Little-endian two's-complement integer of `count` bytes (LONG1/LONG4).
    private mutating func long(_ count: Int) throws -> PickleValue {
        guard count <= 8 else { throw fail("integer of \(count) bytes does not fit in 64 bits") }
        if count == 0 { return .int(0) }
        let raw = try littleEndian(count)
        let shift = UInt64(64 - 8 * count)
        return .int(Int(Int64(bitPattern: raw << shift) >> Int64(shift)))
    }

    private mutating func appendItems(_ items: [PickleValue]) throws {
        guard case .list(let list) = try top() else { throw fail("APPEND target is not a list") }
        try nest(items, in: list)
    }

    private mutating func setItems(_ flat: [PickleValue]) throws {
        guard case .dict(let dict) = try top() else { throw fail("SETITEM target is not a dict") }
        guard flat.count % 2 == 0 else { throw fail("SETITEMS with an odd number of values") }
        guard !dict.sealed, !flat.contains(where: { if case .dict(let inner) = $0 { return inner === dict }; return false }) else {
            throw fail("a dict changed after it was nested in another value, or nested in itself (cyclic pickle)")
        }
        let depth = 1 + (flat.lazy.map(\.depth).max() ?? 0)
        guard depth <= Self.maximumDepth else { throw tooDeep() }
        flat.forEach(Self.seal)
        dict.depth = max(dict.depth, depth)
        for i in stride(from: 0, to: flat.count, by: 2) { dict.entries.append((flat[i], flat[i + 1])) }
    }

    // MARK: Nesting

    /// Containers nest at most this deep, as in catalog lines: a checkpoint needs 3 or 4 levels, and a value
    /// 50,000 levels deep would overflow the stack when freed.
    static let maximumDepth = 64

    private func tooDeep() -> WeightsError { fail("containers nested deeper than \(Self.maximumDepth) levels") }

    /// Appends `items` to `list`, keeping its depth true: a container nested somewhere is sealed, so it cannot
    /// grow deeper (or come to contain itself) behind the depth its parents recorded.
    private func nest(_ items: [PickleValue], in list: PickleList) throws {
        guard !list.sealed, !items.contains(where: { if case .list(let inner) = $0 { return inner === list }; return false }) else {
            throw fail("a list changed after it was nested in another value, or nested in itself (cyclic pickle)")
        }
        let depth = 1 + (items.lazy.map(\.depth).max() ?? 0)
        guard depth <= Self.maximumDepth else { throw tooDeep() }
        items.forEach(Self.seal)
        list.depth = max(list.depth, depth)
        list.items.append(contentsOf: items)
    }

    private func tuple(_ items: [PickleValue]) throws -> PickleValue {
        let value = PickleValue.tuple(PickleTuple(items))
        guard value.depth <= Self.maximumDepth else { throw tooDeep() }
        items.forEach(Self.seal)
        return value
    }

    private static func seal(_ value: PickleValue) {
        switch value {
        case .list(let l): l.sealed = true
        case .dict(let d): d.sealed = true
        default: break
        }
    }

    // MARK: Whitelisted calls

    private func reduce(_ callable: PickleValue, _ args: [PickleValue], at offset: Int) throws -> PickleValue {
        guard case .global(let module, let name) = callable else {
            throw fail("call of a non-global \(callable)", at: offset)
        }
        switch (module, name) {
        case ("collections", "OrderedDict"), ("builtins", "dict"), ("__builtin__", "dict"):
            return .dict(PickleDict())
        case ("torch._utils", "_rebuild_tensor_v2"), ("torch._utils", "_rebuild_tensor"):
            return try rebuildTensor(args, at: offset)
        case ("torch._utils", "_rebuild_parameter"), ("torch.nn.parameter", "Parameter"):
            guard let tensor = args.first else { throw fail("_rebuild_parameter without a tensor", at: offset) }
            return tensor
        default:
            throw fail("refusing to call \(module).\(name) (only tensors and OrderedDicts are supported)", at: offset)
        }
    }

    private func rebuildTensor(_ args: [PickleValue], at offset: Int) throws -> PickleValue {
        guard args.count >= 4, case .object(.storage(let key, let type, let count)) = args[0],
              let storageOffset = args[1].asInt,
              let shape = args[2].asTuple?.compactMap(\.asInt), let strides = args[3].asTuple?.compactMap(\.asInt),
              shape.count == strides.count, shape.count == args[2].asTuple?.count
        else { throw fail("malformed _rebuild_tensor arguments \(PickleValue.tuple(PickleTuple(args)))", at: offset) }
        return .object(.tensor(TensorReference(storageKey: key, storageType: type, storageCount: count,
                                               offset: storageOffset, shape: shape, strides: strides)))
    }
}
