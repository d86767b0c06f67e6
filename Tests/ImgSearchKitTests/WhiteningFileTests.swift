import Foundation
import ImgSearchKit
import Search
import XCTest

final class WhiteningFileTests: XCTestCase {
    /// Rows of removed items are left out, and a large collection is fitted on evenly spaced live rows.
    func testFitsOnLiveRowsAndSamplesLargeCollectionsEvenly() throws {
        let rows: [[Float]] = (0..<200).map { (i: Int) -> [Float] in
            (0..<6).map { (j: Int) -> Float in 2 + Float(sin(Double(i * 7 + j * 3))) }
        }
        let owners: [String?] = (0..<200).map { $0 % 3 == 0 ? nil : "item\($0)" }
        let live = (0..<200).filter { $0 % 3 != 0 }
        let whitening = try WhiteningFile.fit(VectorMatrix(rows: rows), owners: owners, dimension: 4, maxRows: 50)
        let sampled = (0..<50).map { rows[live[$0 * live.count / 50]] }
        XCTAssertEqual(whitening, try PCAWhitening.fit(VectorMatrix(rows: sampled), outputDimension: 4, inputPower: 0.5))
        let all = try WhiteningFile.fit(VectorMatrix(rows: rows), owners: owners, dimension: 4)
        XCTAssertEqual(all, try PCAWhitening.fit(VectorMatrix(rows: live.map { rows[$0] }), outputDimension: 4, inputPower: 0.5))
    }
}
