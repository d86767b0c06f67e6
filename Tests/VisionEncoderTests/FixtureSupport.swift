import Foundation
import XCTest

/// Test fixtures live beside the tests (not bundled as resources): found from this file's path.
enum Fixtures {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    static func url(_ name: String) -> URL { directory.appendingPathComponent(name) }

    static func json(_ name: String) throws -> [String: Any] {
        let object = try JSONSerialization.jsonObject(with: try Data(contentsOf: url(name)))
        return try XCTUnwrap(object as? [String: Any], "\(name) is not a JSON object")
    }
}

extension Array where Element == Any {
    var floats: [Float] { compactMap { ($0 as? NSNumber)?.floatValue } }
}
