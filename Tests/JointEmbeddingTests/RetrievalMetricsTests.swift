import XCTest
import Tensor
import JointEmbedding

final class RetrievalMetricsTests: XCTestCase {
    func testFirstCorrectRanksOnAHandMadeRanking() {
        // Query 0: 0.1 (wrong) beats 0.2 (correct) → rank 2. Query 1: 0.4 (wrong) beats 0.5 (correct) → rank 2,
        // and rank 1 once that item is excluded.
        let distances: [Float] = [0.1, 0.2, 0.3, 0.5, 0.9, 0.4]
        let correct: [[Bool]] = [[false, true, false], [true, false, false]]
        let ranks = RetrievalMetrics.firstCorrectRanks(distances, queries: 2, gallery: 3) { correct[$0][$1] }
        XCTAssertEqual(ranks, [2, 2])
        let excluded = RetrievalMetrics.firstCorrectRanks(distances, queries: 2, gallery: 3,
                                                          correct: { correct[$0][$1] }, excluded: { $1 == 2 && $0 == 1 })
        XCTAssertEqual(excluded, [2, 1])
    }

    func testReportRecallAndMedian() {
        let report = RetrievalMetrics.report(ranks: [1, 3, 7, 12, 40], correctCounts: [1, 1, 1, 1, 1],
                                             galleryCounts: [100, 100, 100, 100, 100])
        XCTAssertEqual(report.recallAt1, 0.2); XCTAssertEqual(report.recallAt5, 0.4); XCTAssertEqual(report.recallAt10, 0.6)
        XCTAssertEqual(report.medianRank, 7)
        XCTAssertEqual(report.randomRecallAt10, 0.1, accuracy: 1e-12)
        XCTAssertEqual(report.randomMedianRank, 50)
    }

    func testRandomHitProbabilityWithSeveralCorrectItems() {
        // 2 correct of 4, top 1: 1/2; top 2: 1 − C(2,2)/C(4,2) = 5/6; top 3: certain.
        XCTAssertEqual(RetrievalMetrics.randomHitProbability(correct: 2, gallery: 4, k: 1), 0.5, accuracy: 1e-12)
        XCTAssertEqual(RetrievalMetrics.randomHitProbability(correct: 2, gallery: 4, k: 2), 5.0 / 6, accuracy: 1e-12)
        XCTAssertEqual(RetrievalMetrics.randomHitProbability(correct: 2, gallery: 4, k: 3), 1)
    }

    func testTextToImageUsesAnyImageOfTheGroup() {
        // Two groups; group 0 has images at x=0 and x=10, group 1 one image at x=4. Texts at x=9 and x=4.
        let images = Tensor(shape: [3, 1], data: [0, 10, 4])
        let texts = Tensor(shape: [2, 1], data: [9, 4])
        let t2i = RetrievalMetrics.textToImage(groupTexts: texts, images: images, imageGroups: [0, 0, 1])
        XCTAssertEqual(t2i.recallAt1, 1)
        let i2t = RetrievalMetrics.imageToText(images: images, groupTexts: texts, imageGroups: [0, 0, 1])
        // image x=0 is closer to text 1 (x=4) → rank 2; the others rank 1.
        XCTAssertEqual(i2t.recallAt1, 2.0 / 3, accuracy: 1e-12)
        XCTAssertEqual(i2t.medianRank, 1)
    }

    func testImageToImageWithinGroupsExcludesTheQueryItself() {
        let images = Tensor(shape: [4, 1], data: [0, 1, 0.4, 50])
        // group 0 = {0, 1}, group 1 = {2}, group 2 = {3}: only images 0 and 1 query.
        let report = RetrievalMetrics.imageToImageWithinGroups(images: images, imageGroups: [0, 0, 1, 2])!
        XCTAssertEqual(report.queries, 2)
        // Query x=0: 0.4 (wrong) is closer than 1 → rank 2. Query x=1: 0.4 (wrong) closer than 0 → rank 2.
        XCTAssertEqual(report.recallAt1, 0)
        XCTAssertEqual(report.medianRank, 2)
        XCTAssertNil(RetrievalMetrics.imageToImageWithinGroups(images: images, imageGroups: [0, 1, 2, 3]))
    }
}
