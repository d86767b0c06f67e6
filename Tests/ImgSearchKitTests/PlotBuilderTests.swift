import Foundation
import Imaging
import ImgSearchKit
import JointEmbedding
import Projection
import Tensor
import TextEncoder
import XCTest

final class PlotBuilderTests: XCTestCase {
    func testPairsAreProjectedTogetherWithThumbnailsAndTitle() throws {
        var config = JointModelConfig()
        config.imageFeatureDimension = 6; config.embeddingDimension = 8; config.wordDimension = 4; config.gruHiddenSize = 6
        let captions = (0..<40).map { "item \($0 % 4) colour \(["red", "blue", "green", "white"][$0 % 4]) shoe" }
        let model = JointModel(config: config, vocabulary: WordVocabulary.build(captions: captions),
                               featureMean: [Float](repeating: 0, count: 6), featureScale: [Float](repeating: 1, count: 6), seed: 3)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("plotbuilder-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: directory) }
        let items = try captions.enumerated().map { i, caption -> PlotItem in
            let url = directory.appendingPathComponent("\(i).png")
            try PNGWriter.write(RGBImage(width: 30, height: 20, fill: (UInt8(i * 6), 90, 200)), to: url)
            return PlotItem(id: "id\(i)", caption: caption, image: i == 39 ? directory.appendingPathComponent("missing.png").path : url.path)
        }
        // Image embeddings: each text's embedding plus a little noise, so pairs should land together.
        let texts = model.embedTexts(captions)
        let images = Tensor(shape: texts.shape, data: texts.data.enumerated().map { $0.element + 0.01 * Float($0.offset % 7 - 3) })
        var options = PlotOptions()
        options.iterations = 300; options.width = 400; options.height = 300; options.showProgress = false
        var messages: [String] = []
        let figure = try PlotBuilder.plot(items, imageEmbeddings: images, model: model, options: options) { messages.append($0) }

        XCTAssertEqual(figure.pairs.count, 40)
        XCTAssertTrue(figure.title.contains("t-SNE of 40 image-text pairs"), figure.title)
        XCTAssertTrue(figure.title.contains("mean pair distance 0.0"), figure.title)
        XCTAssertTrue(messages.contains { $0.hasPrefix("mean image-text distance") })
        XCTAssertEqual(figure.pairs.filter { $0.thumbnail == nil }.map(\.id), ["id39"])
        let rendered = figure.render()
        XCTAssertEqual(rendered.width, 400); XCTAssertEqual(rendered.height, 300)
        XCTAssertNoThrow(try figure.svg())
    }
}
