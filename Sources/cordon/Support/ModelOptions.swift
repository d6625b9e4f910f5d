import ArgumentParser
import CordonRisk

/// Options of the commands that train a model.
struct ModelOptions: ParsableArguments {
    @Option(help: "Threads for XGBoost.")
    var threads = 1

    @Option(help: ArgumentHelp("A watch list (OFAC, UN, FollowTheMoney or CSV): parties' best match becomes a feature.",
                               valueName: "FILE"))
    var watchlist: String?

    @Option(help: "Learning rate (eta) of the boosting: lower learns more slowly, with more trees.")
    var learningRate = TrainingParameters().learningRate

    @Option(help: "Deepest a tree may grow.")
    var maxDepth = TrainingParameters().maxDepth

    func validate() throws {
        guard learningRate > 0 && learningRate <= 1 else { throw ValidationError("--learning-rate must be in (0, 1]") }
        guard (1...20).contains(maxDepth) else { throw ValidationError("--max-depth must be between 1 and 20") }
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
    }

    var parameters: TrainingParameters {
        var p = TrainingParameters()
        p.threads = threads
        p.learningRate = learningRate
        p.maxDepth = maxDepth
        return p
    }

    /// The matcher of the watch list, if one was given; a list that cannot be read stops the command.
    func screening() throws -> NameMatcher? {
        guard let watchlist else { return nil }
        do { return NameMatcher(list: try WatchList.load(path: watchlist)) } catch {
            StandardError.write("cordon: \(error)\n")
            throw ExitCode(2)
        }
    }
}
