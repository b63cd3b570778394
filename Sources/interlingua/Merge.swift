import Activations
import ArgumentParser
import Foundation

/// `interlingua merge SHARD.h5… --output ALL.h5`: the shards of one `trace --shard I/N` plan into the file an
/// unsharded trace writes (README "Running on a cluster").
struct Merge: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Put the shard files of a sharded trace together into one activation file.",
        discussion: """
        The shards must be of one plan (same model, corpus, template, poolings, options and shard count), \
        complete, and each shard 1…N given exactly once. The merged file equals, dataset for dataset, the file \
        one unsharded trace writes (see README for the attributes that differ). It is written next to --output \
        under a temporary name and renamed into place when complete. --virtual writes HDF5 virtual datasets \
        over the shards instead of copying them: the shards must then stay where they are (relative to the \
        merged file when they are in its folder).
        """
    )

    @Argument(help: "The shard files (trace --shard I/N), in any order.")
    var shards: [String]

    @Option(name: .shortAndLong, help: "The activation file to write (.h5); must not exist.")
    var output: String

    @Flag(help: "Write virtual datasets over the shards (no copy) instead of copying their rows.")
    var virtual = false

    func validate() throws {
        if shards.isEmpty { throw ValidationError("give the shard files to merge") }
    }

    func run() throws {
        let summary = try ShardMerge.merge(shards.map { URL(fileURLWithPath: $0) }, into: URL(fileURLWithPath: output),
                                           mode: virtual ? .virtual : .copy)
        let what = summary.mode == .virtual
            ? "\(summary.datasets) virtual datasets over the shards"
            : "\(summary.datasets) datasets, \(String(format: "%.1f", Double(summary.valuesCopied) * 4 / 1e6)) MB copied"
        FileHandle.standardError.write(Data("merged \(summary.shards) shards (\(summary.languages) languages × \(summary.sentences) sentences) into \(output): \(what)\n".utf8))
    }
}
