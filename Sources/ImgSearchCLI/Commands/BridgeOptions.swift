import ArgumentParser
import JointEmbedding

/// `--no-bridge` / `--bridge-weight` of `search` and `serve`: how much the ImageNet-label bridge
/// counts in text search. Indexes built without bridge vectors ignore both.
struct BridgeOptions: ParsableArguments {
    @Flag(name: .customLong("no-bridge"), help: "Text search on the trained model alone, without the ImageNet-label bridge.")
    var noBridge = false

    @Option(name: .customLong("bridge-weight"),
            help: "λ in score = (joint cosine + λ · bridge cosine) / (1 + λ) (default \(LabelBridge.defaultWeight); 0 = --no-bridge).")
    var bridgeWeight: Float?

    func validate() throws {
        if let bridgeWeight, !(bridgeWeight >= 0 && bridgeWeight <= 100) {
            throw ValidationError("--bridge-weight must be in 0…100, got \(bridgeWeight)")
        }
        if noBridge && bridgeWeight != nil { throw ValidationError("--no-bridge and --bridge-weight exclude each other") }
    }

    /// λ for `SearchEngine.Options.bridgeWeight`.
    var weight: Float { noBridge ? 0 : bridgeWeight ?? LabelBridge.defaultWeight }
}
