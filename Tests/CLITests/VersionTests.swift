import Foundation
import XCTest

/// `imgsearch --version` names the newest release of CHANGELOG.md.
final class VersionTests: XCTestCase {
    func testVersionMatchesTheChangelog() throws {
        let changelog = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("CHANGELOG.md")
        let text = try String(contentsOf: changelog, encoding: .utf8)
        let heading = try XCTUnwrap(text.range(of: #"(?m)^## \d+\.\d+\.\d+"#, options: .regularExpression), "no release heading")
        let released = String(text[heading].dropFirst(3))
        let result = try CLIRunner.run(["--version"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines), released)
    }
}
