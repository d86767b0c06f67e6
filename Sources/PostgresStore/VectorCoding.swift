import IndexStore
import NIOCore
import PostgresNIO

/// pgvector's binary wire format: int16 dimension, int16 unused, then the float32 values, big-endian.
/// The type's OID depends on the database (an extension type), so it is looked up once per store.
struct VectorTypes: Sendable {
    let vector: PostgresDataType
    let vectorArray: PostgresDataType

    static func lookUp(_ connections: Connections) throws -> VectorTypes {
        let rows = try connections.run("SELECT 'vector'::regtype::oid::int8, '_vector'::regtype::oid::int8")
        guard let row = rows.first else {
            throw StoreError(.database, file: connections.url.description, reason: "pgvector's vector type is missing")
        }
        return VectorTypes(vector: PostgresDataType(UInt32(try row[0].decode(Int64.self))),
                           vectorArray: PostgresDataType(UInt32(try row[1].decode(Int64.self))))
    }

    /// One vector, bound as `$n::vector`.
    func bind(_ values: [Float]) -> VectorValue { VectorValue(type: vector, values: values) }

    /// Many vectors of one dimension (`rows × dimension` floats, row-major), bound as one `vector[]`, for
    /// `unnest`: a batch is one statement, not one per row. Nil rows become NULL elements.
    func bindArray(_ rows: [[Float]?]) -> VectorArray { VectorArray(type: vectorArray, elementType: vector, rows: rows) }

    static func decode(_ cell: PostgresCell) throws -> [Float]? {
        guard var buffer = cell.bytes else { return nil }
        guard let dimension = buffer.readInteger(as: Int16.self), buffer.readInteger(as: Int16.self) != nil,
              buffer.readableBytes == Int(dimension) * 4 else {
            throw StoreError(.corrupt, file: "column \(cell.columnName)", reason: "not a pgvector value")
        }
        return (0..<Int(dimension)).map { _ in Float(bitPattern: buffer.readInteger(as: UInt32.self)!) }
    }
}

struct VectorValue: PostgresDynamicTypeEncodable {
    let type: PostgresDataType
    let values: [Float]
    var psqlType: PostgresDataType { type }
    var psqlFormat: PostgresFormat { .binary }

    func encode<JSONEncoder: PostgresJSONEncoder>(into buffer: inout ByteBuffer, context: PostgresEncodingContext<JSONEncoder>) {
        Self.write(values, into: &buffer)
    }

    static func write(_ values: [Float], into buffer: inout ByteBuffer) {
        buffer.reserveCapacity(minimumWritableBytes: 4 + values.count * 4)
        buffer.writeInteger(Int16(values.count))
        buffer.writeInteger(Int16(0))
        for value in values { buffer.writeInteger(value.bitPattern) }
    }
}

/// PostgreSQL's binary array format: ndim, has-nulls flag, element OID, length, lower bound, then each
/// element as int32 length (-1 for NULL) + bytes.
struct VectorArray: PostgresDynamicTypeEncodable {
    let type: PostgresDataType
    let elementType: PostgresDataType
    let rows: [[Float]?]
    var psqlType: PostgresDataType { type }
    var psqlFormat: PostgresFormat { .binary }

    func encode<JSONEncoder: PostgresJSONEncoder>(into buffer: inout ByteBuffer, context: PostgresEncodingContext<JSONEncoder>) {
        buffer.writeInteger(Int32(1))
        buffer.writeInteger(Int32(rows.contains { $0 == nil } ? 1 : 0))
        buffer.writeInteger(elementType.rawValue)
        buffer.writeInteger(Int32(rows.count))
        buffer.writeInteger(Int32(1))
        for row in rows {
            guard let row else { buffer.writeInteger(Int32(-1)); continue }
            buffer.writeInteger(Int32(4 + row.count * 4))
            VectorValue.write(row, into: &buffer)
        }
    }
}
