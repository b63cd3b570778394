// What a trace captures and how: everything that changes the output file's contents.
import Activations

/// The options of one trace run. Two runs with equal settings, model and corpus write identical files,
/// which is what `--resume` checks.
public struct TraceSettings: Sendable, Equatable, Codable {
    public var template: PromptTemplate
    /// The instruction of the `alpaca` and `instruction` templates.
    public var instruction: String
    public var pools: [Pooling]
    /// Pool over BOS too (mean and weighted; it only joins a span that starts right after it).
    public var bosInPool: Bool
    /// Pool over the whole prompt instead of the sentence's own tokens.
    public var poolWholePrompt: Bool
    /// Also keep every token's state at every layer.
    public var tokenStates: Bool
    /// Also keep the pooled attention and MLP branch outputs of every block.
    public var subLayers: Bool
    /// Upper bound on the tokens of one packed batch (a longer sentence forms a batch of its own).
    public var batchTokens: Int
    /// With `--neurons`: per language, layer and FFN neuron, the tokens with act(gate·x) > 0.
    /// (Optional fields are left out of the run fingerprint's JSON when nil, so older runs still resume.)
    public var neuronCounts: NeuronCountSettings?
    /// With `--deactivate`: neurons whose activation is set to 0 in every forward pass.
    public var deactivation: NeuronDeactivation?

    /// `pools` may be empty (`--pool none`) only when neurons are counted: something must be stored.
    public init(template: PromptTemplate = .raw, instruction: String = PromptTemplate.defaultInstruction,
                pools: [Pooling] = [.mean], bosInPool: Bool = false, poolWholePrompt: Bool = false,
                tokenStates: Bool = false, subLayers: Bool = false, batchTokens: Int = 2048,
                neuronCounts: NeuronCountSettings? = nil, deactivation: NeuronDeactivation? = nil) throws {
        guard !pools.isEmpty || neuronCounts != nil else {
            throw TracingError.badOption("--pool needs at least one of mean, last, weighted (--pool none only with --neurons)")
        }
        guard !pools.isEmpty || !subLayers else { throw TracingError.badOption("--sublayers needs a pooling (not --pool none)") }
        guard Set(pools).count == pools.count else { throw TracingError.badOption("--pool lists a pooling twice") }
        guard batchTokens >= 1 else { throw TracingError.badOption("--batch-tokens must be at least 1") }
        self.template = template
        self.instruction = instruction
        self.pools = pools
        self.bosInPool = bosInPool
        self.poolWholePrompt = poolWholePrompt
        self.tokenStates = tokenStates
        self.subLayers = subLayers
        self.batchTokens = batchTokens
        self.neuronCounts = neuronCounts
        self.deactivation = deactivation
    }
}
