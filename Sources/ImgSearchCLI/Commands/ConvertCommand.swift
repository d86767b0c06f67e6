import ArgumentParser
import Foundation
import VisionEncoder

/// `imgsearch convert`: move image-model weights between PyTorch checkpoints and the project's format.
struct ConvertCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "convert",
        abstract: "Convert image-model weights between a PyTorch checkpoint and a model directory.",
        discussion: """
        A model directory holds config.json (architecture, provenance) and weights.safetensors with \
        the original parameter names; it loads faster and without a pickle reader. Supported models: \
        EfficientNet-Lite0 (EfficientNet-PyTorch names: _conv_stem.weight, _blocks.N.…) and torchvision \
        Bottleneck ResNets such as ResNet50 (conv1.weight, layer1.0.conv1.weight, …, fc.weight). \
        The weights are checked by building the network before anything is written.

        Examples:
          imgsearch convert --from assets/efficientnet-lite0-57934424.pth --to models/lite0
          imgsearch convert --from models/lite0 --to lite0-copy.pth          # back to PyTorch (legacy format)
          imgsearch convert --from resnet50.safetensors --to models/resnet50
        """
    )

    @Option(name: .customLong("from"), help: "Source: a .pth/.pt checkpoint (legacy or zip), .safetensors, or a model directory.")
    var source: String

    @Option(name: .customLong("to"), help: "Destination: a directory (project format) or a .pth file (PyTorch legacy format).")
    var destination: String

    func run() async throws {
        let from = URL(fileURLWithPath: source), to = URL(fileURLWithPath: destination)
        try VisionModelFile.convert(from: from, to: to)
        let model = try VisionModelFile.load(to)
        print("converted \(model.identifier) (\(model.featureDimension)-d features): \(from.path) → \(to.path)")
    }
}
