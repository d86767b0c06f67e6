import Foundation
import Tensor
import Weights

/// The project's own image-model format, and conversion to and from PyTorch checkpoints.
///
/// A model directory holds `config.json` (`{"format": 1, "architecture": "efficientnet-lite0" | "resnet",
/// "source": …}`) and `weights.safetensors` with the original PyTorch parameter names (batch norms
/// unfolded, so the conversion is lossless both ways).
public enum VisionModelFile {
    public static let configName = "config.json"
    public static let weightsName = "weights.safetensors"

    /// What a model directory's `config.json` says.
    public struct Config: Codable, Equatable {
        public var format: Int = 1
        public var architecture: Architecture
        /// The file it was converted from, for provenance.
        public var source: String?
    }

    public enum Architecture: String, Codable {
        case efficientNetLite0 = "efficientnet-lite0"
        case resnet

        /// Recognises a state dict by its parameter names.
        static func detect(_ tensors: [String: Tensor], source: String) throws -> Architecture {
            if tensors["_conv_stem.weight"] != nil { return .efficientNetLite0 }
            if tensors["conv1.weight"] != nil && tensors["layer1.0.conv1.weight"] != nil { return .resnet }
            throw ModelError(file: source, reason: "neither an EfficientNet-Lite0 (`_conv_stem.weight`) nor a torchvision ResNet (`conv1.weight`) state dict")
        }
    }

    // MARK: Loading

    /// A backbone from a model directory, a `.pth` checkpoint or a `.safetensors` file.
    public static func load(_ url: URL) throws -> Backbone {
        let (tensors, architecture) = try read(url)
        switch architecture {
        case .efficientNetLite0: return try EfficientNetLite0(stateDict: tensors.tensors, source: url.path)
        case .resnet: return try ResNet(stateDict: tensors.tensors, source: url.path)
        }
    }

    /// The named tensors (in order) and architecture of any supported input.
    static func read(_ url: URL) throws -> (PyTorchCheckpoint, Architecture) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw ModelError(file: url.path, reason: "no such file or directory")
        }
        if isDirectory.boolValue {
            let configURL = url.appendingPathComponent(configName)
            let config: Config
            do { config = try JSONDecoder().decode(Config.self, from: Data(contentsOf: configURL)) }
            catch { throw ModelError(file: configURL.path, reason: "unreadable model config: \(error)") }
            guard config.format == 1 else { throw ModelError(file: configURL.path, reason: "unsupported format \(config.format)") }
            let file = try SafeTensors.read(url.appendingPathComponent(weightsName))
            return (PyTorchCheckpoint(names: file.tensors.keys.sorted(), tensors: file.tensors), config.architecture)
        }
        let checkpoint: PyTorchCheckpoint
        if url.pathExtension == "safetensors" {
            let tensors = try SafeTensors.read(url).tensors
            checkpoint = PyTorchCheckpoint(names: tensors.keys.sorted(), tensors: tensors)
        } else {
            checkpoint = try PyTorchCheckpoint.load(url)
        }
        return (checkpoint, try Architecture.detect(checkpoint.tensors, source: url.path))
    }

    // MARK: Saving and converting

    /// Converts between formats: to a directory (our format) when `destination` has no `.pth`
    /// extension, else to a legacy-format PyTorch checkpoint. The model is built once to validate it.
    public static func convert(from source: URL, to destination: URL) throws {
        let (checkpoint, architecture) = try read(source)
        _ = try load(source)  // refuses weights that do not make a working network
        if destination.pathExtension == "pth" || destination.pathExtension == "pt" {
            try PyTorchCheckpoint.write(names: checkpoint.names, tensors: checkpoint.tensors, to: destination)
            return
        }
        do { try FileManager.default.createDirectory(at: destination, withIntermediateDirectories: true) }
        catch { throw ModelError(file: destination.path, reason: "cannot create directory: \(error.localizedDescription)") }
        let floats = checkpoint.tensors.filter { !$0.key.hasSuffix("num_batches_tracked") }
        try SafeTensors.write(floats, metadata: ["format": "pt"], to: destination.appendingPathComponent(weightsName))
        let config = Config(architecture: architecture, source: source.lastPathComponent)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        do { try encoder.encode(config).write(to: destination.appendingPathComponent(configName), options: .atomic) }
        catch { throw ModelError(file: destination.path, reason: "cannot write config: \(error.localizedDescription)") }
    }
}
