import Foundation

/// Writes a Qt binary resource bundle the way `rcc -binary` lays it out (header, node tree breadth-first, names,
/// payloads), with zlib payloads made of stored deflate blocks so that no compressor is needed.
enum RCCBuilder {
    private final class Directory {
        var name: String
        var children: [String: Directory] = [:]
        var files: [(name: String, contents: Data, compressed: Bool)] = []
        init(_ name: String) { self.name = name }
    }

    static func build(_ files: [(path: String, contents: String, compressed: Bool)], version: UInt32) -> Data {
        build(files.map { ($0.path, Data($0.contents.utf8), $0.compressed) }, version: version)
    }

    static func build(_ files: [(path: String, contents: Data, compressed: Bool)], version: UInt32) -> Data {
        let root = Directory("")
        for file in files {
            var parts = file.path.split(separator: "/").map(String.init)
            let leaf = parts.removeLast()
            var directory = root
            for part in parts {
                if directory.children[part] == nil { directory.children[part] = Directory(part) }
                directory = directory.children[part]!
            }
            directory.files.append((leaf, file.contents, file.compressed))
        }
        var tree = Data(), names = Data(), payloads = Data()
        func name(_ text: String) -> UInt32 {
            let offset = UInt32(names.count)
            let units = Array(text.utf16)
            names.append(be16(UInt16(units.count)))
            names.append(be32(0))  // the hash: Qt uses it for lookups, a reader walking the tree does not
            units.forEach { names.append(be16($0)) }
            return offset
        }
        func node(_ nameOffset: UInt32, flags: UInt16, _ a: Data, _ b: UInt32) {
            tree.append(be32(nameOffset)); tree.append(be16(flags)); tree.append(a); tree.append(be32(b))
            if version >= 2 { tree.append(Data(count: 8)) }
        }
        // Breadth-first: a directory's children take consecutive node numbers after every earlier node.
        var queue: [Directory] = [root]
        var nextNode = 1
        node(name(""), flags: 2, be32(UInt32(root.children.count + root.files.count)), UInt32(nextNode))
        nextNode += root.children.count + root.files.count
        while !queue.isEmpty {
            let directory = queue.removeFirst()
            for child in directory.children.keys.sorted().map({ directory.children[$0]! }) {
                node(name(child.name), flags: 2, be32(UInt32(child.children.count + child.files.count)), UInt32(nextNode))
                nextNode += child.children.count + child.files.count
                queue.append(child)
            }
            for file in directory.files {
                let stored = file.compressed ? be32(UInt32(file.contents.count)) + zlibStored(file.contents) : file.contents
                node(name(file.name), flags: file.compressed ? 1 : 0, Data(count: 4), UInt32(payloads.count))
                payloads.append(be32(UInt32(stored.count))); payloads.append(stored)
            }
        }
        let headerSize = version >= 3 ? 24 : 20
        var out = Data("qres".utf8)
        out.append(be32(version))
        out.append(be32(UInt32(headerSize)))
        out.append(be32(UInt32(headerSize + tree.count)))
        out.append(be32(UInt32(headerSize + tree.count + payloads.count)))
        if version >= 3 { out.append(be32(0)) }
        return out + tree + payloads + names
    }

    static func treeOffset(_ bytes: Data) -> Int { Int(bytes[8]) << 24 | Int(bytes[9]) << 16 | Int(bytes[10]) << 8 | Int(bytes[11]) }

    /// A zlib stream of one final stored block: header, LEN, NLEN, the bytes, Adler-32.
    private static func zlibStored(_ data: Data) -> Data {
        precondition(data.count < 65536, "one stored block holds at most 65,535 bytes")
        var out = Data([0x78, 0x01, 0x01])
        let length = UInt16(data.count)
        out.append(contentsOf: [UInt8(length & 0xFF), UInt8(length >> 8), UInt8(~length & 0xFF), UInt8(~length >> 8)])
        out.append(data)
        var a: UInt32 = 1, b: UInt32 = 0
        for byte in data { a = (a + UInt32(byte)) % 65521; b = (b + a) % 65521 }
        return out + be32(b << 16 | a)
    }

    private static func be16(_ v: UInt16) -> Data { Data([UInt8(v >> 8), UInt8(v & 0xFF)]) }
    private static func be32(_ v: UInt32) -> Data { Data([UInt8(v >> 24), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)]) }
}
