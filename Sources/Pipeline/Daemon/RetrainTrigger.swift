/// Where the daemon's retrain requests (SIGUSR1, `camsift retrain`) go. The Retraining module's `Retrainer`
/// implements it; Pipeline never imports Learning or Retraining, so it knows retraining only through this.
public protocol RetrainTrigger: Sendable {
    /// Asks for a retrain; returns at once (the work runs in the background, at most one at a time).
    func requestRetrain(reason: String)
}
